import { join } from 'pathe';
import { initBackend, type BackendChoice } from '../backend/index.js';
import { invalidArgument, invalidInput } from '../errors.js';
import {
  EMBEDDING_FORMATS,
  expandShardGlob,
  isShardGlob,
  isTrainingLogDir,
  loadData,
  readEmbeddings,
  readLabelsFile,
  readTrainingLog,
} from '../data/index.js';
import {
  diagnose,
  embeddingHealth,
  formatHealthReport,
  healthPartial,
  mergeHealthPartials,
  parseHealthPartial,
  StreamingHealth,
  healthSnapshot,
  logHistory,
  parseHealthSnapshot,
  type HealthMetrics,
  type HealthReport,
  type HealthSnapshot,
  type PairSample,
  type RunSettings,
} from '../health/index.js';
import { loadModel } from '../models/index.js';
import { readRun, type RunFiles } from '../run/index.js';
import { runVerdict } from '../run/index.js';
import { finalHealth } from '../run/index.js';
import { dataOptions, parseLabelColumn } from '../run/index.js';
import { CONFIG_JSON, LOG_JSONL, SUMMARY_JSON } from '../run/index.js';
import { nodeModule } from '../io/node-module.js';
import { readJsonFile, writeFileAtomic } from '../io/index.js';
import type { EmbeddingsReportInput } from '../report/index.js';
import { measureShards } from './measure-shards.js';

export interface DiagnoseFlags {
  /** Labels of an embeddings file (.npy of integers, or text with one label per line). */
  labels?: string;
  /** Embeddings of the same rows from the start of training (or an earlier model), to measure the fall. */
  reference?: string;
  /** The CSV or Parquet column holding the labels (index or header name); without it every CSV column is a dimension. */
  labelColumn?: string;
  /** The embeddings array of an .npz / safetensors file, or the Parquet embedding column. */
  key?: string;
  /** The labels array of an .npz / safetensors file. */
  labelsKey?: string;
  /** The CSV's first line is a header (without it: when a field of it is not a number). */
  csvHeader?: boolean;
  /** The embeddings are compared raw (no normalization) downstream. */
  raw?: boolean;
  /** A log directory's run (relative path), when it holds several. */
  run?: string;
  /** The projector's embedding tag, when a run has several. */
  embeddingTag?: string;
  /** A log's loss, lr and mined-count series, when not found by their usual names. */
  lossTag?: string;
  lrTag?: string;
  minedTag?: string;
  /** A log's loss margin (default: TripletMarginLoss's 0.05). */
  margin?: number;
  json?: boolean;
  /** Write the mergeable state of this input (a shard) to this JSON file; the verdict is still the input's. */
  partial?: string;
  /** Diagnose the union of these partial-result files (paths or globs) instead of an input. */
  merge?: string[];
  /** Global index of the input's first row (the rows of the shards before it), for --partial. Default 0. */
  rowOffset?: number;
  /** Threads that read and sum a streamed input (default: 2 for .npy of >= 1,000,000 rows on 2 cores, else 1). */
  threads?: number;
  backend: BackendChoice;
}

/** A single .npy file above this size is read in chunks (as a shard glob always is), never whole. */
export const STREAM_NPY_BYTES = 256 * 1024 * 1024;

/** What `deepmetric diagnose` concluded, with what it read. */
export interface DiagnoseResult {
  report: HealthReport;
  /** What was diagnosed, for the text output's first line. */
  description: string;
  /** 0 healthy, 1 collapsing, collapsed or dimensional collapse. */
  exitCode: 0 | 1;
  /**
   * The embeddings the verdict is about, for a report: an embeddings file's (with its reference), or
   * a training log's last snapshot (with its first, when it embeds the same rows); null for a run
   * directory, whose report `deepmetric report` builds.
   */
  shown: Pick<EmbeddingsReportInput, 'embeddings' | 'labels' | 'reference' | 'raw'> | null;
}

/**
 * `deepmetric diagnose INPUT`: the collapse verdict, the evidence and the likely causes of
 *
 * - a run directory (`config.json`, `log.jsonl` with the health probes, and the final health of the
 *   test split from `summary.json` — or, for a run that stopped, measured with its last checkpoint);
 * - an embeddings file (`.npy` n x d, or `.csv` with one row per embedding), e.g. a PyTorch model's
 *   outputs saved with numpy, with `--labels FILE` for the separation numbers and `--reference FILE`
 *   (embeddings of the same rows from an earlier model) for the fall of the spread. Without a
 *   training log the report says what it cannot tell (`limits`);
 * - shards given as a glob (`'shards/part-*.npy'`, Parquet likewise; labels as a glob of as many
 *   files, matched in sorted order), or one `.npy` larger than STREAM_NPY_BYTES: read in chunks in
 *   one pass with bounded memory (`StreamingHealth`: the sums over every row, the pair numbers on a
 *   seeded sample of 4096 rows, with standard errors); `--partial FILE` writes that state for a
 *   later `--merge`, `--row-offset N` placing the shard's rows in the whole;
 * - `--merge PARTIALS` (no input): the health of the union of partial-result files.
 *
 * Throws DeepmetricError ('invalid-input' / 'invalid-argument': exit 2) on unreadable input.
 *
 * @example
 * const { report, exitCode } = await diagnoseCommand('runs/try', { backend: 'auto' });
 */
export async function diagnoseCommand(input: string | undefined, flags: DiagnoseFlags): Promise<DiagnoseResult> {
  const { existsSync, statSync } = nodeModule('node:fs');
  if (flags.merge !== undefined) {
    if (input !== undefined) {
      throw invalidArgument(
        `--merge takes partial-result files, not an input (${input}): deepmetric diagnose --merge 'parts/*.json'`,
      );
    }
    if (flags.partial !== undefined)
      throw invalidArgument('--partial and --merge exclude each other: merge the partials, then diagnose.');
    return withExitCode(await diagnoseMerge(flags.merge, flags));
  }
  if (input === undefined) {
    throw invalidArgument('diagnose needs an INPUT (a run directory, embeddings or a shard glob), or --merge PARTIALS');
  }
  if (flags.rowOffset !== undefined && flags.partial === undefined) {
    throw invalidArgument('--row-offset applies with --partial: it places a shard measured alone in the whole.');
  }
  const large =
    input.toLowerCase().endsWith('.npy') &&
    existsSync(input) &&
    statSync(input).isFile() &&
    statSync(input).size > STREAM_NPY_BYTES;
  if (isShardGlob(input) || flags.partial !== undefined || large)
    return withExitCode(await diagnoseStream(input, flags));
  if (!existsSync(input))
    throw invalidInput(
      input,
      `no such file or folder (expected a run directory, or embeddings: ${EMBEDDING_FORMATS.join(', ')})`,
    );
  const folder = statSync(input).isDirectory();
  const log = folder && !existsSync(join(input, CONFIG_JSON)) && isTrainingLogDir(input);
  if (!log) refuse(LOG_FLAGS, flags, `a training log directory (TensorBoard, or step-<n> snapshots), not to ${input}`);
  const report = log
    ? await diagnoseLog(input, flags)
    : folder
      ? await diagnoseRun(input, flags)
      : await diagnoseEmbeddings(input, flags);
  return withExitCode(report);
}

function withExitCode(result: Omit<DiagnoseResult, 'exitCode'>): DiagnoseResult {
  return { ...result, exitCode: result.report.verdict === 'healthy' ? 0 : 1 };
}

/**
 * The text `deepmetric diagnose` prints: what was read, then the verbose report.
 *
 * @example
 * process.stdout.write(formatDiagnoseResult(await diagnoseCommand('emb.npy', { backend: 'auto' })));
 */
export function formatDiagnoseResult(result: DiagnoseResult): string {
  return `${result.description}\n${formatHealthReport(result.report, { verbose: true })}`;
}

/**
 * The one JSON object `deepmetric diagnose --json` prints: { verdict, onsetStep, causes, evidence,
 * findings, limits } (NaN, which JSON lacks, as null).
 *
 * @example
 * const { verdict } = JSON.parse(diagnoseJson(result));
 */
export function diagnoseJson(result: DiagnoseResult): string {
  const { verdict, onsetStep, causes, evidence, findings, limits } = result.report;
  return `${JSON.stringify({ verdict, onsetStep, causes, evidence, findings, limits }, null, 2)}\n`;
}

/** The flags of an embeddings file, and of a training log directory, by their command-line names. */
const FILE_FLAGS = {
  '--labels': 'labels',
  '--reference': 'reference',
  '--label-column': 'labelColumn',
  '--key': 'key',
  '--labels-key': 'labelsKey',
  '--csv-header': 'csvHeader',
} as const;
const LOG_FLAGS = {
  '--run': 'run',
  '--embedding-tag': 'embeddingTag',
  '--loss-tag': 'lossTag',
  '--lr-tag': 'lrTag',
  '--mined-tag': 'minedTag',
  '--margin': 'margin',
} as const;

/** Throws for the first of `names` given: "<flag> applies to <where>." */
function refuse(names: Record<string, keyof DiagnoseFlags>, flags: DiagnoseFlags, where: string): void {
  for (const [flag, key] of Object.entries(names)) {
    if (flags[key] !== undefined) throw invalidArgument(`${flag} applies to ${where}.`);
  }
}

async function diagnoseRun(dir: string, flags: DiagnoseFlags): Promise<Omit<DiagnoseResult, 'exitCode'>> {
  refuse(FILE_FLAGS, flags, `an embeddings file, not to a run directory (${dir}): a run has its own labels and log`);
  if (!nodeModule('node:fs').existsSync(join(dir, CONFIG_JSON))) {
    throw invalidInput(
      dir,
      `is not a run directory: it has no ${CONFIG_JSON} (expected a folder written by \`deepmetric train\`, or an embeddings file)`,
    );
  }
  const run = await readRun(dir);
  const probes = run.log.filter((r) => r.health !== undefined && r.health !== null);
  const test = await testHealth(run, flags.backend);
  // The verdict measures a non-triplet loss's value on collapsed embeddings: that needs a backend.
  if (run.config.loss !== 'triplet' && run.config.loss !== 'soft-triplet') await initBackend(flags.backend);
  const verdict = runVerdict(run.config, run.log, test?.health ?? null);
  if (verdict === null) {
    throw invalidInput(
      dir,
      `has no health to diagnose: ${LOG_JSONL} holds no probe and there is no model or checkpoint to measure the test split with`,
    );
  }
  const report = verdict.report;
  const p1 = run.summary?.test?.precisionAt1 ?? null;
  const rawP1 = run.summary?.rawTest?.precisionAt1 ?? null;
  if (p1 !== null) report.evidence.testPrecisionAt1 = p1;
  if (rawP1 !== null) report.evidence.rawPrecisionAt1 = rawP1;
  const what = [
    `run ${dir}: ${run.log.length} logged steps, ${probes.length} health probes`,
    test === null ? 'no final test health' : `final test health ${test.from}`,
    `verdict read from ${verdict.basis}`,
  ];
  for (const a of run.summary?.guard?.actions ?? []) what.push(`guard at step ${a.step}: ${a.verdict}, ${a.action}`);
  if (p1 !== null) what.push(`test precision@1 ${p1.toFixed(4)} (raw input ${rawP1?.toFixed(4) ?? '-'})`);
  return { report, description: `diagnose: ${what.join('; ')}`, shown: null };
}

/** The test split's final health: recorded in summary.json, else measured with the final model or the last checkpoint's. */
async function testHealth(
  run: RunFiles,
  backend: BackendChoice,
): Promise<{ health: HealthSnapshot; from: string } | null> {
  const recorded = run.summary?.health;
  if (recorded !== undefined && recorded !== null) {
    return { health: parseHealthSnapshot(recorded, join(run.runDir, SUMMARY_JSON)), from: `from ${SUMMARY_JSON}` };
  }
  if (run.model === null) return null;
  const { config } = run;
  await initBackend(backend === 'auto' && config.backend !== 'auto' ? config.backend : backend);
  const { test } = await loadData(config.data, dataOptions(config));
  const model = await loadModel(run.model.dir);
  try {
    return { health: finalHealth(model, test, config), from: `measured with ${run.model.dir}` };
  } finally {
    model.dispose();
  }
}

/**
 * A training log from another framework: a TensorBoard log directory (torch's SummaryWriter,
 * Lightning's TensorBoardLogger) or a folder of step-<n> snapshots; the verdict is about the last
 * snapshot, with the trajectory for the onset and the causes, and the remedies in PyTorch's terms.
 */
async function diagnoseLog(dir: string, flags: DiagnoseFlags): Promise<Omit<DiagnoseResult, 'exitCode'>> {
  refuse(FILE_FLAGS, flags, `an embeddings file, not to a training log directory (${dir}): the log has its own labels`);
  if (flags.margin !== undefined && !(Number.isFinite(flags.margin) && flags.margin > 0)) {
    throw invalidArgument(`--margin must be a finite number > 0. Received: ${String(flags.margin)}`);
  }
  await initBackend(flags.backend);
  const log = await readTrainingLog(dir, { run: flags.run ?? null, embeddingTag: flags.embeddingTag ?? null });
  const { history, health, tags, probeSteps, recorded } = logHistory(log, {
    lossTag: flags.lossTag ?? null,
    lrTag: flags.lrTag ?? null,
    minedTag: flags.minedTag ?? null,
  });
  const run: RunSettings = {
    ...(flags.margin === undefined ? {} : { margin: flags.margin }),
    ...(flags.raw ? { normalize: false, normalizeEmbeddings: false } : {}),
  };
  const report = diagnose({
    health,
    history,
    recorded,
    run: Object.keys(run).length === 0 ? null : run,
    remedyTerms: 'pytorch',
  });
  report.limits.push(...logLimits(tags, flags.margin));
  const series = (what: string, tag: string | null) => `${what} ${tag === null ? 'not found' : `'${tag}'`}`;
  const description =
    `diagnose: ${dir}: ${log.format === 'tensorboard' ? 'TensorBoard log' : 'snapshot folder'}${log.run === '.' ? '' : ` run ${log.run}`}` +
    `${log.runs.length > 1 ? ` (of ${log.runs.join(', ')})` : ''}: ${history.length} steps, ` +
    `${[series('loss', tags.loss), series('lr', tags.lr), series('mined', tags.mined)].join(', ')}; ` +
    `${probeSteps.length} embedding snapshots (steps ${probeSteps.join(', ')}), ${health.rows} x ${health.dim}, ` +
    `${health.numClasses === 0 ? 'no labels' : `${health.numClasses} classes`}`;
  const first = log.embeddings[0];
  const last = log.embeddings[log.embeddings.length - 1];
  const sameRows = first !== last && first.matrix.rows === last.matrix.rows && first.matrix.dim === last.matrix.dim;
  const shown = {
    embeddings: last.matrix,
    labels: last.labels,
    reference: sameRows ? first.matrix : null,
    raw: flags.raw ?? false,
  };
  return { report, description, shown };
}

/** What a log from another framework does not say, in the report's `limits`. */
function logLimits(tags: { loss: string | null; lr: string | null; mined: string | null }, margin?: number): string[] {
  const limits = [
    'The log records no gradient norm and no weight-update ratio: lr-too-high is read from loss spikes and NaN steps, dead units from dead dimensions.',
  ];
  if (tags.loss === null) limits.push('No loss series found (give --loss-tag): the loss-based causes cannot be told.');
  if (tags.lr === null)
    limits.push('No learning-rate series found (give --lr-tag): lr-decayed-too-fast cannot be told.');
  if (tags.mined === null)
    limits.push('No mined-count series found (give --mined-tag): a miner that finds nothing cannot be told.');
  if (margin === undefined && tags.loss !== null) {
    limits.push(
      "No --margin: the loss is compared with 0.05, the default margin of PML's TripletMarginLoss; give the run's margin (or the loss's value on collapsed embeddings for another loss).",
    );
  }
  return limits;
}

async function diagnoseEmbeddings(path: string, flags: DiagnoseFlags): Promise<Omit<DiagnoseResult, 'exitCode'>> {
  await initBackend(flags.backend);
  const { matrix, labels: fileLabels } = await readEmbeddings(path, {
    labelColumn: flags.labelColumn === undefined ? null : parseLabelColumn(flags.labelColumn),
    key: flags.key ?? null,
    labelsKey: flags.labelsKey ?? null,
    csvHeader: flags.csvHeader ?? false,
  });
  let labels = fileLabels;
  if (flags.labels !== undefined) {
    if (flags.labelColumn !== undefined || flags.labelsKey !== undefined)
      throw invalidArgument('Give the labels either with --labels or with --label-column / --labels-key, not both.');
    labels = (await readLabelsFile(flags.labels)).labels;
    if (labels.length !== matrix.rows) {
      throw invalidInput(
        flags.labels,
        `holds ${labels.length} labels, but ${path} holds ${matrix.rows} embeddings (one label per row expected)`,
      );
    }
  }
  let reference = null;
  let referenceMatrix = null;
  if (flags.reference !== undefined) {
    const ref = (await readEmbeddings(flags.reference)).matrix;
    referenceMatrix = ref;
    if (ref.rows !== matrix.rows || ref.dim !== matrix.dim) {
      throw invalidInput(
        flags.reference,
        `holds ${ref.rows} x ${ref.dim} embeddings, but ${path} holds ${matrix.rows} x ${matrix.dim}: a reference embeds the same rows with an earlier model`,
      );
    }
    reference = embeddingHealth(ref, labels);
  }
  const metrics = embeddingHealth(matrix, labels, reference === null ? {} : { reference });
  const run = flags.raw ? { normalize: false, normalizeEmbeddings: false } : null;
  const report = diagnose({ health: healthSnapshot(metrics, labels, reference), run, remedyTerms: 'pytorch' });
  if (metrics.pairSample !== undefined) report.limits.push(sampleLimit(metrics.pairSample));
  const description =
    `diagnose: ${path}: ${matrix.rows} embeddings x ${matrix.dim} dimensions, ${labels === null ? 'no labels' : `${new Set(labels).size} classes`}, ` +
    `${normsPhrase(metrics)}` +
    `${reference === null ? '' : `, reference ${flags.reference}`}; no training log`;
  return {
    report,
    description,
    shown: { embeddings: matrix, labels, reference: referenceMatrix, raw: flags.raw ?? false },
  };
}

/** The description's word on the values: non-finite entries, unit norms, or the range of the norms. */
function normsPhrase(metrics: HealthMetrics): string {
  if (metrics.nonFinite.count > 0)
    return `${metrics.nonFinite.count} NaN or infinite values in ${metrics.nonFinite.rows} rows`;
  const unit = Math.abs(metrics.norms.min - 1) < 1e-3 && Math.abs(metrics.norms.max - 1) < 1e-3;
  return unit
    ? 'unit norms (normalized)'
    : `norms ${metrics.norms.min.toPrecision(3)}-${metrics.norms.max.toPrecision(3)} (raw)`;
}

/** The flags a streamed input (shards, a large .npy, --partial) cannot take: they need every row at once. */
const STREAM_REFUSED = {
  '--reference': 'reference',
  '--labels-key': 'labelsKey',
  '--csv-header': 'csvHeader',
} as const;

/**
 * Shards (a glob), a large .npy or an input for --partial: read in chunks into a StreamingHealth,
 * shard by shard in sorted order, the labels files matched to the shards in the same order.
 */
async function diagnoseStream(input: string, flags: DiagnoseFlags): Promise<Omit<DiagnoseResult, 'exitCode'>> {
  const where = `an input read in chunks (${input}: shards, a .npy over ${STREAM_NPY_BYTES / 2 ** 20} MiB, or --partial)`;
  refuse(STREAM_REFUSED, flags, `a single file read whole, not to ${where}`);
  refuse(LOG_FLAGS, flags, `a training log directory (TensorBoard, or step-<n> snapshots), not to ${input}`);
  const labelFiles = flags.labels === undefined ? null : await expandShardGlob(flags.labels);
  // 'part-*.npy' also matches 'part-*.labels.npy' in the same folder: a labels file is never a shard.
  const shards = (await expandShardGlob(input)).filter((file) => labelFiles === null || !labelFiles.includes(file));
  if (shards.length === 0) throw invalidInput(input, `matches only the labels files of --labels ${flags.labels}`);
  if (labelFiles !== null && labelFiles.length !== shards.length) {
    throw invalidArgument(
      `${input} matches ${shards.length} embeddings files but --labels ${flags.labels} matches ${labelFiles.length} labels files: give one labels file per shard, matched in sorted order (first: ${shards[0]} with ${labelFiles[0]})`,
    );
  }
  if (flags.labels !== undefined && flags.labelColumn !== undefined) {
    throw invalidArgument('Give the labels either with --labels or with --label-column, not both.');
  }
  await initBackend(flags.backend);
  const options = {
    labels: labelFiles,
    rowOffset: flags.rowOffset ?? 0,
    key: flags.key ?? null,
    labelColumn: flags.labelColumn === undefined ? null : parseLabelColumn(flags.labelColumn),
  };
  const health = await measureShards(shards, options, flags.threads);
  if (health === null) throw invalidInput(input, 'holds no rows');
  if (flags.partial !== undefined) await writeFileAtomic(flags.partial, `${JSON.stringify(healthPartial(health))}\n`);
  const what =
    shards.length === 1
      ? shards[0]
      : `${input}: ${shards.length} shards (${shards[0]} .. ${shards[shards.length - 1]})`;
  const result = streamedResult(health, what, flags);
  if (flags.partial !== undefined) {
    const first = health.ranges[0].start;
    result.description += `; partial result of rows ${first}..${first + health.rows - 1} written to ${flags.partial}`;
  }
  return result;
}

/** `--merge`: the health of the union of partial-result files, each refused when it does not fit the first. */
async function diagnoseMerge(patterns: string[], flags: DiagnoseFlags): Promise<Omit<DiagnoseResult, 'exitCode'>> {
  refuse(FILE_FLAGS, flags, 'an input, not to --merge: the partial results hold their own labels');
  refuse(LOG_FLAGS, flags, 'a training log directory, not to --merge');
  if (flags.rowOffset !== undefined) throw invalidArgument('--row-offset applies with --partial, not to --merge.');
  const files: string[] = [];
  for (const pattern of patterns)
    for (const file of await expandShardGlob(pattern)) if (!files.includes(file)) files.push(file);
  if (files.length === 0) throw invalidArgument('--merge needs at least one partial-result file');
  const parts = [];
  for (const file of files) parts.push({ file, health: parseHealthPartial(await readJsonFile(file), file) });
  const health = mergeHealthPartials(parts);
  await initBackend(flags.backend);
  const result = streamedResult(
    health,
    `${files.length} partial results (${files[0]}${files.length > 1 ? ` .. ${files[files.length - 1]}` : ''})`,
    flags,
  );
  const sorted = [...health.ranges].sort((a, b) => a.start - b.start);
  const gaps: string[] = [];
  let next = 0;
  for (const r of sorted) {
    if (r.start > next) gaps.push(`${next}..${r.start - 1}`);
    next = Math.max(next, r.start + r.rows);
  }
  if (gaps.length > 0) {
    result.report.limits.push(
      `The partial results leave global rows ${gaps.slice(0, 5).join(', ')}${gaps.length > 5 ? ', ...' : ''} out: a shard may be missing (or its --row-offset was wrong).`,
    );
  }
  return result;
}

/** The verdict of a StreamingHealth, described as `diagnoseEmbeddings` describes a file. */
function streamedResult(health: StreamingHealth, what: string, flags: DiagnoseFlags): Omit<DiagnoseResult, 'exitCode'> {
  const metrics = health.metrics();
  const classes = health.withLabels ? health.classIds() : null;
  const run = flags.raw ? { normalize: false, normalizeEmbeddings: false } : null;
  const report = diagnose({ health: healthSnapshot(metrics, classes), run, remedyTerms: 'pytorch' });
  if (metrics.pairSample !== undefined) report.limits.push(sampleLimit(metrics.pairSample));
  const description =
    `diagnose: ${what}: ${metrics.rows} embeddings x ${metrics.dim} dimensions, ${classes === null ? 'no labels' : `${classes.length} classes`}, ` +
    `${normsPhrase(metrics)}; read in chunks; no training log`;
  return { report, description, shown: null };
}

/** What a sampled measurement of the pairs means for the numbers, in the report's `limits`. */
function sampleLimit(sample: PairSample): string {
  const se = (v: number) => v.toPrecision(2);
  const { separation } = sample.standardErrors;
  return (
    `The spread and the separation were measured on every pair of a seeded sample of ${sample.rows} of the ${sample.of} rows (seed ${sample.seed}): ` +
    `standard error of the mean normalized distance ${se(sample.standardErrors.meanNormalizedDistance)}, of the mean distance ${se(sample.standardErrors.meanDistance)}` +
    (separation === null
      ? '. '
      : `, of d(a, p) ${se(separation.meanPositive)}, of d(a, n) ${se(separation.meanNegative)}, of the gap ${se(separation.gap)}, of the violation fraction ${se(separation.violationFraction)}. `) +
    'The norms, moments, effective rank and dead dimensions use every row.'
  );
}
