import { join, relative, resolve, sep } from 'pathe';
import { invalidArgument, invalidInput } from '../errors.js';
import { nodeModule } from '../io/node-module.js';
import { csvNumber } from './csv-number.js';
import { csvColumn, readCsvTable } from './read-csv-table.js';
import { readEmbeddings } from './read-embeddings.js';
import { readFileBytes } from './read-file-bytes.js';
import { readLabelsFile } from './read-labels-file.js';
import { PROJECTOR_CONFIG, readProjectorConfig, readProjectorEmbedding } from './read-projector.js';
import { readTfRecords } from './read-tfrecord.js';
import { decodeEvent, scalarOf, type SummaryValue } from './tensorboard-event.js';
import type { EmbeddingSnapshot, ScalarSeries, TrainingLog } from './training-log.js';

export interface ReadTrainingLogOptions {
  /** The run to read, as a path relative to the directory (`lightning_logs/version_1`); needed when there are several. */
  run?: string | null;
  /** The projector's embedding tag to read; needed when the run has several. */
  embeddingTag?: string | null;
}

/** A snapshot file of a folder of snapshots: `step-<n>` and a format `readEmbeddings` reads. */
const SNAPSHOT = /^step-(\d+)\.(npy|npz|csv|safetensors|parquet)$/i;

/** The tag of a snapshot file's embeddings (torch's default `add_embedding` tag). */
const SNAPSHOT_TAG = 'default';

const NONE_FOUND =
  'holds no training log: expected TensorBoard event files (events.out.tfevents.*), a projector_config.pbtxt, or snapshots step-<n>.npy (.npz, .csv, .safetensors, .parquet), in it or in its subfolders';

/** A folder that is a run: TensorBoard's (event files or a projector config) or a folder of snapshots. */
interface RunFolder {
  name: string;
  path: string;
  format: TrainingLog['format'];
  /** Event files, in name order (the order TensorBoard reads them). */
  eventFiles: string[];
  projector: boolean;
  snapshots: string[];
}

/**
 * Whether `dir` holds a training log `readTrainingLog` reads: TensorBoard event files, a
 * `projector_config.pbtxt`, or `step-<n>.*` snapshots, in it or in its subfolders.
 *
 * @example
 * isTrainingLogDir('lightning_logs'); // true: lightning_logs/version_0/events.out.tfevents.*
 */
export function isTrainingLogDir(dir: string): boolean {
  const { statSync } = nodeModule('node:fs');
  try {
    return statSync(dir).isDirectory() && findRuns(dir).length > 0;
  } catch {
    return false;
  }
}

/**
 * Reads a training run's log: the scalars and the embeddings at several steps.
 *
 * - A TensorBoard log directory, as torch's `SummaryWriter` and Lightning's `TensorBoardLogger`
 *   write it. Every folder holding event files (or a projector config) is a run, named by its
 *   path relative to `dir` ('.' for `dir` itself); with several, `run` chooses. The scalars are
 *   read from all the run's event files in name order (old-style `simple_value` and new-style
 *   scalar tensors; images, histograms and text are skipped); the embeddings from its
 *   `projector_config.pbtxt` (torch's `add_embedding`), of one tag, chosen by `embeddingTag` when
 *   there are several.
 * - A folder of snapshots: `step-<n>.npy` (or `.npz`, `.csv`, `.safetensors`, `.parquet`), labels
 *   from the snapshot file itself or else from `labels.npy` / `labels.txt` in the folder, and an
 *   optional `log.csv` (a header with a `step` column; every other column is a series) or
 *   `log.jsonl` (an object with a `step` per line; every other number is a series). A folder
 *   holding event files as well is read as TensorBoard's.
 *
 * Errors are input errors naming the file (a truncated event file, a bad CRC, a missing TSV,
 * labels that do not match the rows, snapshots of different dimensions, a folder with none of
 * these) or argument errors listing the runs or tags to choose from.
 *
 * @example
 * const log = await readTrainingLog('lightning_logs', { run: 'version_1' });
 * log.scalars.find((s) => s.tag === 'train_loss')?.points; // [{ step: 0, value: 2.3, wallTime: 1.7e9 }, ...]
 */
export async function readTrainingLog(dir: string, options: ReadTrainingLogOptions = {}): Promise<TrainingLog> {
  let isDir: boolean;
  const { statSync } = nodeModule('node:fs');
  try {
    isDir = statSync(dir).isDirectory();
  } catch (cause) {
    throw invalidInput(dir, 'no such folder', cause);
  }
  if (!isDir) throw invalidInput(dir, `is a file, expected a folder holding a training log`);
  const runs = findRuns(dir);
  if (runs.length === 0) throw invalidInput(dir, NONE_FOUND);
  const run = chooseRun(dir, runs, options.run ?? null);
  const base = { source: dir, format: run.format, run: run.name, runs: runs.map((r) => r.name) };
  const tag = options.embeddingTag ?? null;
  if (run.format === 'tensorboard') {
    if (!run.projector && tag !== null) {
      throw invalidArgument(`--embedding-tag ${JSON.stringify(tag)}: run ${JSON.stringify(run.name)} of ${dir} has no projector embeddings (no ${PROJECTOR_CONFIG})`);
    }
    const scalars = await eventScalars(run.eventFiles);
    const embeddings = run.projector ? await projectorEmbeddings(run, tag) : [];
    return { ...base, scalars, embeddings };
  }
  if (tag !== null) {
    throw invalidArgument(`--embedding-tag applies to a TensorBoard projector; run ${JSON.stringify(run.name)} of ${dir} is a folder of snapshots`);
  }
  return { ...base, scalars: await snapshotScalars(run.path), embeddings: await snapshotEmbeddings(run) };
}

function findRuns(dir: string): RunFolder[] {
  const runs: RunFolder[] = [];
  const walk = (path: string) => {
    let entries;
    const { readdirSync } = nodeModule('node:fs');
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch (cause) {
      throw invalidInput(path, `cannot be listed: ${(cause as Error).message}`, cause);
    }
    const byName = (names: string[]) => names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const files = byName(entries.filter((e) => e.isFile()).map((e) => e.name));
    // TensorBoard's own test for an event file: 'tfevents' in its name.
    const eventFiles = files.filter((f) => f.includes('tfevents')).map((f) => join(path, f));
    const projector = files.includes(PROJECTOR_CONFIG);
    const snapshots = files.filter((f) => SNAPSHOT.test(f));
    if (eventFiles.length > 0 || projector || snapshots.length > 0) {
      const name = relative(dir, path).split(sep).join('/') || '.';
      const format = eventFiles.length > 0 || projector ? 'tensorboard' : 'snapshots';
      runs.push({ name, path, format, eventFiles, projector, snapshots });
    }
    // Symbolic links are not followed (a link to a parent would never end).
    for (const sub of byName(entries.filter((e) => e.isDirectory()).map((e) => e.name))) walk(join(path, sub));
  };
  walk(dir);
  return runs;
}

function chooseRun(dir: string, runs: RunFolder[], wanted: string | null): RunFolder {
  const listed = runs.map((r) => r.name).join(', ');
  if (wanted === null) {
    if (runs.length === 1) return runs[0];
    throw invalidArgument(`${dir} holds ${runs.length} runs: ${listed}; choose one with --run`);
  }
  const name = relative(resolve(dir), resolve(dir, wanted)).split(sep).join('/') || '.';
  const run = runs.find((r) => r.name === name);
  if (run === undefined) throw invalidArgument(`--run ${JSON.stringify(wanted)} is not a run of ${dir}; runs: ${listed}`);
  return run;
}

/** A run's scalar series by tag: for each step the value written last. */
class ScalarPoints {
  private readonly byTag = new Map<string, Map<number, { value: number; wallTime: number }>>();

  add(tag: string, step: number, value: number, wallTime: number): void {
    let points = this.byTag.get(tag);
    if (points === undefined) this.byTag.set(tag, (points = new Map()));
    points.set(step, { value, wallTime });
  }

  series(): ScalarSeries[] {
    return [...this.byTag.keys()].sort(byText).map((tag) => ({
      tag,
      points: [...(this.byTag.get(tag) as Map<number, { value: number; wallTime: number }>)]
        .map(([step, p]) => ({ step, ...p }))
        .sort((a, b) => a.step - b.step),
    }));
  }
}

async function eventScalars(files: string[]): Promise<ScalarSeries[]> {
  const points = new ScalarPoints();
  const firstMetadata = new Map<string, Pick<SummaryValue, 'pluginName' | 'dataClass'>>();
  for (const file of files) {
    for (const record of await readTfRecords(file)) {
      let event;
      try {
        event = decodeEvent(record.data);
      } catch (cause) {
        throw invalidInput(file, `record at byte ${record.offset}: expected a TensorBoard Event protobuf, ${(cause as Error).message}`, cause);
      }
      for (const value of event.values) {
        if (!firstMetadata.has(value.tag) && (value.pluginName !== null || value.dataClass !== 0)) {
          firstMetadata.set(value.tag, { pluginName: value.pluginName, dataClass: value.dataClass });
        }
        const scalar = scalarOf(value, firstMetadata.get(value.tag));
        if (scalar !== null) points.add(value.tag, event.step, scalar, event.wallTime);
      }
    }
  }
  return points.series();
}

async function projectorEmbeddings(run: RunFolder, wanted: string | null): Promise<EmbeddingSnapshot[]> {
  const entries = await readProjectorConfig(run.path);
  const tags = [...new Set(entries.map((e) => e.tag))];
  const config = join(run.path, PROJECTOR_CONFIG);
  let tag: string | undefined;
  if (wanted !== null) {
    if (!tags.includes(wanted)) {
      throw invalidArgument(`--embedding-tag ${JSON.stringify(wanted)} is not an embedding tag of ${config}; tags: ${tags.join(', ') || '(none)'}`);
    }
    tag = wanted;
  } else if (tags.length > 1) {
    throw invalidArgument(`${config} holds ${tags.length} embedding tags: ${tags.join(', ')}; choose one with --embedding-tag`);
  } else {
    tag = tags[0];
  }
  const snapshots: EmbeddingSnapshot[] = [];
  for (const entry of entries.filter((e) => e.tag === tag)) snapshots.push(await readProjectorEmbedding(entry));
  return sameDimension(snapshots);
}

async function snapshotEmbeddings(run: RunFolder): Promise<EmbeddingSnapshot[]> {
  const steps = new Map<number, string>();
  for (const name of run.snapshots) {
    const step = Number((SNAPSHOT.exec(name) as RegExpExecArray)[1]);
    const other = steps.get(step);
    if (other !== undefined) throw invalidInput(run.path, `${other} and ${name} both hold step ${step}: keep one`);
    steps.set(step, name);
  }
  const labelsFile = only(run.path, ['labels.npy', 'labels.txt']);
  const folderLabels = labelsFile === null ? null : (await readLabelsFile(labelsFile)).labels;
  const snapshots: EmbeddingSnapshot[] = [];
  for (const [step, name] of [...steps].sort((a, b) => a[0] - b[0])) {
    const source = join(run.path, name);
    const { matrix, labels: own } = await readEmbeddings(source);
    if (own === null && folderLabels !== null && folderLabels.length !== matrix.rows) {
      throw invalidInput(labelsFile as string, `has ${folderLabels.length} labels, but ${source} has ${matrix.rows} rows`);
    }
    snapshots.push({ step, tag: SNAPSHOT_TAG, matrix, labels: own ?? folderLabels, source });
  }
  return sameDimension(snapshots);
}

function sameDimension(snapshots: EmbeddingSnapshot[]): EmbeddingSnapshot[] {
  const [first] = snapshots;
  for (const s of snapshots) {
    if (s.matrix.dim !== first.matrix.dim) {
      throw invalidInput(
        s.source,
        `holds embeddings of dimension ${s.matrix.dim} (step ${s.step}), but ${first.source} (step ${first.step}) has dimension ${first.matrix.dim}: every step's embeddings must have the same dimension`,
      );
    }
  }
  return snapshots;
}

async function snapshotScalars(folder: string): Promise<ScalarSeries[]> {
  const log = only(folder, ['log.csv', 'log.jsonl']);
  if (log === null) return [];
  const points = new ScalarPoints();
  if (log.endsWith('.csv')) await readLogCsv(log, points);
  else await readLogJsonl(log, points);
  return points.series();
}

/** `log.csv`: a header line with a `step` column; every other column is a series, an empty field a step it was not logged at. */
async function readLogCsv(path: string, points: ScalarPoints): Promise<void> {
  const table = await readCsvTable(path, { header: true, labelColumn: null });
  const names = table.names as string[];
  const stepColumn = names.indexOf('step');
  if (stepColumn < 0) throw invalidInput(path, `has no "step" column in its header; columns: ${names.map((n) => JSON.stringify(n)).join(', ')}`);
  for (const { line, fields } of table.rows) {
    const step = stepOf(csvNumber(fields[stepColumn]), path, line, fields[stepColumn]);
    fields.forEach((field, j) => {
      if (j === stepColumn || field === '') return;
      const value = csvNumber(field, true);
      if (value === null) throw invalidInput(path, `line ${line}, ${csvColumn(table, j)}: expected a number, found ${JSON.stringify(field)}`);
      points.add(names[j], step, value, NaN);
    });
  }
}

/** `log.jsonl`: one object per line with a `step`; every other field that is a number is a series (Python's NaN and Infinity included). */
async function readLogJsonl(path: string, points: ScalarPoints): Promise<void> {
  const lines = new TextDecoder('utf-8').decode(await readFileBytes(path)).split(/\r?\n/);
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const record = parseJsonLine(text, path, i + 1);
    const step = stepOf(typeof record.step === 'number' ? record.step : null, path, i + 1, JSON.stringify(record.step ?? null));
    for (const [key, value] of Object.entries(record)) {
      if (key !== 'step' && typeof value === 'number') points.add(key, step, value, NaN);
    }
  });
}

/** Python's `json.dumps` writes NaN, Infinity and -Infinity bare, which JSON.parse refuses: they are read as numbers. */
function parseJsonLine(text: string, path: string, line: number): Record<string, unknown> {
  const sentinel = '\u0000nonfinite:';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Each bare NaN / Infinity outside a string becomes a string starting with the sentinel, a control character no JSON text holds unescaped.
    const patched = text.replace(/"(?:[^"\\]|\\.)*"|-?(?:NaN|Infinity)\b/g, (token) => (token.startsWith('"') ? token : JSON.stringify(sentinel + token)));
    try {
      value = JSON.parse(patched, (_key, v: unknown) => (typeof v === 'string' && v.startsWith(sentinel) ? Number(v.slice(sentinel.length)) : v));
    } catch (cause) {
      throw invalidInput(path, `line ${line}: is not valid JSON: ${(cause as Error).message}`, cause);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput(path, `line ${line}: expected a JSON object with a "step", e.g. {"step": 50, "loss": 0.31}`);
  }
  return value as Record<string, unknown>;
}

function stepOf(value: number | null, path: string, line: number, found: string): number {
  if (value === null || !Number.isSafeInteger(value) || value < 0) {
    throw invalidInput(path, `line ${line}: the step must be a non-negative integer, found ${found === '' ? 'an empty field' : found}`);
  }
  return value;
}

/** The one of `names` that exists in `folder`, or null; both is an error, since either could be meant. */
function only(folder: string, names: string[]): string | null {
  const present = names.filter((n) => nodeModule('node:fs').existsSync(join(folder, n)));
  if (present.length > 1) throw invalidInput(folder, `holds both ${present.join(' and ')}: keep one`);
  return present.length === 0 ? null : join(folder, present[0]);
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
