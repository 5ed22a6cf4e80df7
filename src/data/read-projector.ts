import { nodeModule } from '../io/node-module.js';
import { isAbsolute, join } from 'pathe';
import protobuf from 'protobufjs';
import textformat from 'protobufjs/ext/textformat.js';
import { invalidInput } from '../errors.js';
import { encodeLabels } from './encode-labels.js';
import { readCsvTable } from './read-csv-table.js';
import { EMBEDDING_FORMATS, readEmbeddings } from './read-embeddings.js';
import { readFileBytes } from './read-file-bytes.js';
import { readLabelsFile } from './read-labels-file.js';
import type { EmbeddingSnapshot } from './training-log.js';

/** The projector's config file in a run's log folder, as torch's `add_embedding` and TensorBoard name it. */
export const PROJECTOR_CONFIG = 'projector_config.pbtxt';

/** One `embeddings { ... }` entry of a projector config, its paths resolved against the run's folder. */
export interface ProjectorEmbedding {
  tag: string;
  step: number;
  /** The `tensor_name` as written ('default:00050'), for messages. */
  name: string;
  tensorPath: string;
  metadataPath: string | null;
  /** The config file it came from. */
  config: string;
}

/** The metadata columns that hold the label, in the order they are looked for (any case). */
export const METADATA_LABEL_COLUMNS = ['label', 'labels', 'class', 'y'];

/** `tensorboard/plugins/projector/projector_config.proto`, so that protobufjs's text-format parser can read the config. */
const PROJECTOR_PROTO = `syntax = "proto3";
message SpriteMetadata { string image_path = 1; repeated uint32 single_image_dim = 2; }
message EmbeddingInfo {
  string tensor_name = 1; string metadata_path = 2; string bookmarks_path = 3;
  repeated uint32 tensor_shape = 4; SpriteMetadata sprite = 5; string tensor_path = 6;
}
message ProjectorConfig { string model_checkpoint_path = 1; repeated EmbeddingInfo embeddings = 2; string model_checkpoint_dir = 3; }`;

let configType: protobuf.Type | null = null;

/**
 * The embeddings a run's `projector_config.pbtxt` lists (protobuf text format,
 * `embeddings { tensor_name: "default:00050" tensor_path: "00050/default/tensors.tsv" metadata_path: "00050/default/metadata.tsv" }`,
 * paths relative to the run's folder), sorted by tag then step. The step is the one in the
 * tensor name (`tag:00050`, as torch's `add_embedding` writes it), else the first folder of the
 * tensor path that is a number. An entry written twice for the same tag and step keeps the last.
 * Errors name the config: text that is not such a config, an entry without a tensor path or a
 * step, a tensor or metadata file that does not exist.
 *
 * @example
 * const entries = await readProjectorConfig('runs/exp1'); // [{ tag: 'default', step: 0, tensorPath: 'runs/exp1/00000/default/tensors.tsv', ... }, ...]
 */
export async function readProjectorConfig(runDir: string): Promise<ProjectorEmbedding[]> {
  const config = join(runDir, PROJECTOR_CONFIG);
  const text = new TextDecoder('utf-8').decode(await readFileBytes(config));
  configType ??= protobuf.parse(PROJECTOR_PROTO, { keepCase: true }).root.lookupType('ProjectorConfig');
  let parsed: { embeddings?: Array<Record<string, unknown>> };
  try {
    parsed = configType.toObject(textformat.fromText(configType, text));
  } catch (cause) {
    throw invalidInput(
      config,
      `is not a projector config in protobuf text format (embeddings { tensor_name: "..." tensor_path: "..." metadata_path: "..." }): ${(cause as Error).message}`,
      cause,
    );
  }
  const byKey = new Map<string, ProjectorEmbedding>();
  (parsed.embeddings ?? []).forEach((info, i) => {
    const entry = embeddingOf(info, i, runDir, config);
    byKey.set(`${entry.tag}\u0000${entry.step}`, entry);
  });
  return [...byKey.values()].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : a.step - b.step));
}

/**
 * Reads the embeddings of one projector entry: its `tensors.tsv` (rows of tab-separated numbers,
 * through `readEmbeddings`) and its metadata's labels (`readMetadataLabels`), which must be one per row.
 */
export async function readProjectorEmbedding(entry: ProjectorEmbedding): Promise<EmbeddingSnapshot> {
  const { matrix } = await readEmbeddings(entry.tensorPath);
  let labels: Int32Array | null = null;
  if (entry.metadataPath !== null) {
    labels = await readMetadataLabels(entry.metadataPath);
    if (labels.length !== matrix.rows) {
      throw invalidInput(
        entry.metadataPath,
        `has ${labels.length} labels, but ${entry.tensorPath} has ${matrix.rows} rows: the projector's metadata needs one label per row`,
      );
    }
  }
  return { step: entry.step, tag: entry.tag, matrix, labels, source: entry.tensorPath };
}

/**
 * The labels of a projector's `metadata.tsv` as class ids (`encodeLabels`: integers stay
 * themselves, strings are numbered in sorted order). With one column the file is one label per
 * line; with several (tab-separated, torch's `metadata_header`), the first line is the header and
 * the label column is the one named label, labels, class or y (any case), else the first.
 *
 * @example
 * await readMetadataLabels('runs/exp1/00050/default/metadata.tsv'); // Int32Array [3, 0, 7, ...]
 */
export async function readMetadataLabels(path: string): Promise<Int32Array> {
  const text = new TextDecoder('utf-8').decode(await readFileBytes(path));
  const firstLine = text.split(/\r?\n/, 1)[0];
  if (!firstLine.includes('\t')) return (await readLabelsFile(path)).labels;
  const table = await readCsvTable(path, { header: true, labelColumn: null, delimiter: '\t' });
  const names = (table.names ?? []).map((n) => n.toLowerCase());
  const wanted = METADATA_LABEL_COLUMNS.find((n) => names.includes(n));
  const column = wanted === undefined ? 0 : names.indexOf(wanted);
  const { rows } = table;
  return encodeLabels(
    rows.map((r) => r.fields[column]),
    path,
    (i) => `line ${rows[i].line}`,
  ).labels;
}

function embeddingOf(info: Record<string, unknown>, i: number, runDir: string, config: string): ProjectorEmbedding {
  const text = (key: string) => (typeof info[key] === 'string' ? (info[key] as string) : '');
  const name = text('tensor_name');
  const tensorPath = text('tensor_path');
  const at = `embeddings entry ${i + 1}${name === '' ? '' : ` (${JSON.stringify(name)})`}`;
  if (tensorPath === '') {
    throw invalidInput(
      config,
      `${at} has no tensor_path: the projector would read it from a TensorFlow checkpoint, which deepmetric does not read; write the tensor with add_embedding or as a tensors.tsv`,
    );
  }
  const resolve = (field: string, path: string) => {
    const full = isAbsolute(path) ? path : join(runDir, path);
    if (!nodeModule('node:fs').existsSync(full)) throw invalidInput(config, `${at}: ${field} ${JSON.stringify(path)} names a missing file (${full})`);
    return full;
  };
  const format = EMBEDDING_FORMATS.find((f) => tensorPath.toLowerCase().endsWith(f));
  if (format === undefined) {
    throw invalidInput(config, `${at}: tensor_path ${JSON.stringify(tensorPath)} is not a file deepmetric reads (expected a tensors.tsv or one of ${EMBEDDING_FORMATS.join(', ')})`);
  }
  const named = /^(.*):(\d+)$/.exec(name);
  const folders = tensorPath.split(/[\\/]/).slice(0, -1);
  const stepFolder = folders.findIndex((f) => /^\d+$/.test(f));
  const step = named !== null ? Number(named[2]) : stepFolder >= 0 ? Number(folders[stepFolder]) : null;
  if (step === null) {
    throw invalidInput(
      config,
      `${at}: no step in its tensor_name (expected "<tag>:<step>", as torch's add_embedding writes) nor in its tensor_path (expected "<step>/<tag>/tensors.tsv"), found ${JSON.stringify(tensorPath)}`,
    );
  }
  const tagFolder = stepFolder >= 0 && stepFolder + 1 < folders.length ? unquote(folders[stepFolder + 1]) : 'default';
  const tag = named !== null ? named[1] : name !== '' ? name : tagFolder;
  const metadata = text('metadata_path');
  return {
    tag,
    step,
    name: name === '' ? `${tag}:${step}` : name,
    tensorPath: resolve('tensor_path', tensorPath),
    metadataPath: metadata === '' ? null : resolve('metadata_path', metadata),
    config,
  };
}

/** A tag as torch writes it into a folder name (`urllib.parse.quote(tag, safe='')`), decoded; as written when it is not such a name. */
function unquote(folder: string): string {
  try {
    return decodeURIComponent(folder);
  } catch {
    return folder;
  }
}
