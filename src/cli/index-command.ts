import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { int } from './flag-parsers.js';
import { initBackend, type BackendChoice } from '../backend/index.js';
import { invalidArgument, invalidInput } from '../errors.js';
import { writeDirAtomic } from '../io/index.js';
import { encodeNpy, loadData, readEmbeddings, readLabelsFile, type Dataset } from '../data/index.js';
import { embedDataset, loadModel } from '../models/index.js';
import { dataOptions, readRun } from '../run/index.js';
import { tf } from '../tf.js';
import { buildVectorIndex, loadUsearch, resolveIndexSettings, vectorIndexMetric } from '../evaluation/index.js';
import { rowsFor } from '../evaluation/approximate-neighbour-chunks.js';
import { backendOption } from './backend-option.js';
import { dataSourceSettings } from './data-source-flags.js';
import {
  INDEX_DISTANCES,
  INDEX_FILE,
  LABELS_FILE,
  MANIFEST_FORMAT,
  MANIFEST_JSON,
  indexDistance,
  loadSnippets,
  type IndexDistanceName,
  type IndexManifest,
} from './index-manifest.js';

export interface IndexFlags {
  out: string;
  /** For an embeddings file: the distance (a run directory's is the run's). Default 'euclidean'. */
  distance?: IndexDistanceName;
  /** For an embeddings file: L2-normalize rows first (cosine always does). Default false. */
  normalizeEmbeddings?: boolean;
  /** For an embeddings file: one label per row (`.npy` or text), when the file holds none. */
  labels?: string;
  key?: string;
  labelsKey?: string;
  labelColumn?: string;
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  backend: BackendChoice;
}

export interface IndexResult {
  dir: string;
  manifest: IndexManifest;
}

/**
 * `deepmetric index RUN_DIR|EMBEDDINGS --out DIR`: writes the embeddings as a USearch HNSW index a
 * service can load (`DIR/index.usearch`), with `DIR/manifest.json` (library and version, metric,
 * distance, dim, count, settings, how to load it in Python and Node) and `DIR/labels.npy` when the
 * rows have labels. A run directory's data is embedded with its model (train and test rows, in
 * that order) and indexed under the run's distance; an embeddings file (any format `readEmbeddings`
 * reads) under `--distance`. The folder is written atomically.
 */
export async function indexCommand(input: string, flags: IndexFlags): Promise<IndexResult> {
  const isDir = await stat(input).then(
    (s) => s.isDirectory(),
    () => {
      throw invalidInput(input, 'does not exist: expected a run directory or an embeddings file');
    },
  );
  await initBackend(flags.backend);
  const source = isDir ? await embedRun(input, flags) : await readEmbeddingsSource(input, flags);
  const { rows, dim, data, labels, classNames, distanceName, normalizeEmbeddings } = source;
  const distance = indexDistance(distanceName, normalizeEmbeddings);
  const metric = vectorIndexMetric(distance);
  const settings = resolveIndexSettings({
    connectivity: flags.connectivity,
    expansionAdd: flags.expansionAdd,
    expansionSearch: flags.expansionSearch,
  });
  const prepared = tf.tidy(() => tf.tensor2d(data, [rows, dim]));
  let vectors: Float32Array;
  try {
    vectors = rowsFor(prepared, distance);
  } finally {
    prepared.dispose();
  }
  const index = buildVectorIndex(vectors, rows, dim, metric, settings);
  // USearch writes to a path; the bytes then go into the folder with the manifest, atomically.
  const scratch = await mkdtemp(join(tmpdir(), 'dm-index-'));
  let indexBytes: Uint8Array;
  try {
    index.save(join(scratch, INDEX_FILE));
    indexBytes = await readFile(join(scratch, INDEX_FILE));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const partial: Omit<IndexManifest, 'load'> = {
    format: MANIFEST_FORMAT,
    formatVersion: 1,
    library: { name: 'usearch', version: loadUsearch().version },
    index: INDEX_FILE,
    metric: metric.metric,
    distance: {
      name: distanceName,
      normalizeEmbeddings: distance.normalizeEmbeddings,
      description: metric.description,
    },
    dim,
    count: rows,
    keys: 'row number',
    settings: {
      connectivity: settings.connectivity,
      expansionAdd: settings.expansionAdd,
      expansionSearch: settings.expansionSearch,
    },
    labels: labels === null ? null : LABELS_FILE,
    classNames: labels === null ? null : classNames,
    source: input,
  };
  const manifest: IndexManifest = { ...partial, load: loadSnippets(partial) };
  const files: Record<string, string | Uint8Array> = {
    [INDEX_FILE]: indexBytes,
    [MANIFEST_JSON]: `${JSON.stringify(manifest, null, 2)}\n`,
  };
  if (labels !== null) files[LABELS_FILE] = encodeNpy(labels, [rows], 'int32');
  await writeDirAtomic(flags.out, files);
  return { dir: flags.out, manifest };
}

interface Source {
  rows: number;
  dim: number;
  data: Float32Array;
  labels: Int32Array | null;
  classNames: string[];
  distanceName: IndexDistanceName;
  normalizeEmbeddings: boolean;
}

async function embedRun(runDir: string, flags: IndexFlags): Promise<Source> {
  for (const [flag, value] of [
    ['--distance', flags.distance],
    ['--normalize-embeddings', flags.normalizeEmbeddings],
    ['--labels', flags.labels],
    ['--key', flags.key],
    ['--labels-key', flags.labelsKey],
    ['--label-column', flags.labelColumn],
  ] as const) {
    if (value !== undefined) {
      throw invalidArgument(
        `${flag} applies to an embeddings file; ${runDir} is a run directory, indexed with its own data, labels and distance`,
      );
    }
  }
  const run = await readRun(runDir);
  if (run.model === null) throw invalidInput(runDir, 'has no model yet (no model/ and no checkpoint): train it first');
  const { config } = run;
  const { train, test } = await loadData(
    config.data,
    dataOptions({
      seed: config.seed,
      testFraction: config.testFraction,
      holdoutClasses: config.holdoutClasses,
      ...dataSourceSettings({}, config),
    }),
  );
  const model = await loadModel(run.model.dir);
  const parts: Dataset[] = [train, test].filter((p) => p.labels.length > 0);
  const chunks: Float32Array[] = [];
  let dim = 0;
  try {
    for (const part of parts) {
      const embeddings = embedDataset(model, part);
      dim = embeddings.shape[1];
      chunks.push(embeddings.dataSync() as Float32Array);
      embeddings.dispose();
    }
  } finally {
    model.dispose();
  }
  const rows = parts.reduce((n, p) => n + p.labels.length, 0);
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  let offset = 0;
  parts.forEach((part, i) => {
    data.set(chunks[i], offset * dim);
    labels.set(part.labels, offset);
    offset += part.labels.length;
  });
  if (config.distance !== 'euclidean' && config.distance !== 'squared-euclidean' && config.distance !== 'cosine') {
    throw invalidInput(
      join(runDir, 'config.json'),
      `has distance ${String(config.distance)}, which has no index metric`,
    );
  }
  return {
    rows,
    dim,
    data,
    labels,
    classNames: train.classNames,
    distanceName: config.distance,
    normalizeEmbeddings: config.normalizeEmbeddings,
  };
}

async function readEmbeddingsSource(path: string, flags: IndexFlags): Promise<Source> {
  const { matrix, labels: own } = await readEmbeddings(path, {
    key: flags.key ?? null,
    labelsKey: flags.labelsKey ?? null,
    labelColumn:
      flags.labelColumn === undefined
        ? null
        : /^-?\d+$/.test(flags.labelColumn)
          ? Number(flags.labelColumn)
          : flags.labelColumn,
  });
  let labels = own;
  let classNames: string[] = [];
  if (flags.labels !== undefined) {
    if (own !== null) throw invalidArgument(`--labels: ${path} holds labels of its own; drop --labels`);
    const read = await readLabelsFile(flags.labels);
    if (read.labels.length !== matrix.rows) {
      throw invalidInput(flags.labels, `has ${read.labels.length} labels, but ${path} has ${matrix.rows} rows`);
    }
    labels = read.labels;
    classNames = read.classNames;
  }
  if (labels !== null && classNames.length === 0) {
    const max = labels.reduce((m, v) => Math.max(m, v), 0);
    classNames = Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  const distanceName = flags.distance ?? 'euclidean';
  return {
    rows: matrix.rows,
    dim: matrix.dim,
    data: matrix.data,
    labels,
    classNames,
    distanceName,
    normalizeEmbeddings: distanceName === 'cosine' || (flags.normalizeEmbeddings ?? false),
  };
}

export function indexCommandSpec(run: (input: string, flags: IndexFlags) => Promise<void>): Command {
  return new Command('index')
    .description(
      'Write embeddings as a USearch HNSW index to serve: DIR/index.usearch, DIR/manifest.json (how to load it in Python and Node) and DIR/labels.npy.',
    )
    .argument(
      '<input>',
      "a run directory (its data embedded with its model, under the run's distance) or an embeddings file",
    )
    .requiredOption('--out <dir>', 'the folder to write')
    .addOption(
      new Option('--distance <name>', 'distance of an embeddings file (default: euclidean)').choices(INDEX_DISTANCES),
    )
    .option('--normalize-embeddings', "L2-normalize an embeddings file's rows first (cosine always does)")
    .option('--labels <file>', 'one label per row of an embeddings file (.npy or one per line)')
    .option('--key <name>', 'the embeddings array of an .npz or safetensors file, or the Parquet column')
    .option('--labels-key <name>', 'the labels array of an .npz or safetensors file')
    .option('--label-column <col>', "a CSV's or Parquet file's label column (index or name)")
    .option('--connectivity <n>', 'HNSW edges per node (M)', int)
    .option('--expansion-add <n>', 'HNSW candidates while inserting (efConstruction)', int)
    .option('--expansion-search <n>', 'HNSW candidates while searching (ef); stored for loaders', int)
    .addOption(backendOption())
    .action(async (input: string, flags: IndexFlags) => run(input, flags));
}
