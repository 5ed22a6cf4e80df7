import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { float, int } from './flag-parsers.js';
import { initBackend, type BackendChoice } from '../backend/index.js';
import { invalidArgument, invalidInput } from '../errors.js';
import { readJsonObject } from '../io/index.js';
import { loadData, type Dataset } from '../data/index.js';
import { embedDataset, loadModel } from '../models/index.js';
import {
  compareWithRaw,
  KNN_METHODS,
  type EvaluationMetrics,
  type KnnMethod,
  type RawComparison,
} from '../evaluation/index.js';
import { METRIC_LABELS } from '../report/index.js';
import { CONFIG_JSON, dataOptions, resolveConfig, type TrainConfig } from '../run/index.js';
import { backendOption } from './backend-option.js';
import { dataSourceSettings, withDataSourceFlags, type DataSourceFlags } from './data-source-flags.js';

export interface EvalFlags extends DataSourceFlags {
  model: string;
  /** Omitted: the data of the run the model belongs to (its `config.json`), read as the run read it. */
  data?: string;
  /** Classes to evaluate on (count, fraction or names); `true` (the bare flag): the run's held-out classes. */
  holdoutClasses?: string | true;
  testFraction?: number;
  seed?: number;
  /** Neighbours per query: a count, 'max-bin-count', or omitted for every other sample. */
  k?: number | 'max-bin-count';
  /** Neighbour search: every pair ('exact', default) or a USearch HNSW index ('approximate'). */
  knn?: KnnMethod;
  json?: boolean;
  backend: BackendChoice;
}

/** What `deepmetric eval` measured (also its `--json` output). */
export interface EvalResult {
  model: string;
  data: string;
  /** `test` (the test split) or `held-out classes`. */
  split: 'test' | 'held-out classes';
  /** Where the split settings came from: the run's config.json, or the flags. */
  settingsFrom: string;
  samples: number;
  classes: number;
  /** Neighbours searched per query. */
  k: number;
  /** How the neighbours were searched; with 'approximate', each column's `approximation` reports its recall. */
  knn: KnnMethod;
  embedding: EvaluationMetrics;
  raw: EvaluationMetrics;
  /** With `--knn approximate`: each column's index, recall@k against exact search and subset difference. */
  approximation?: RawComparison['approximation'];
}

/**
 * `deepmetric eval`: embeds the evaluation split of the data with a saved model and measures
 * retrieval (precision@1, R-precision, MAP@R, MAP, MRR, leave-one-out) and clustering (NMI, AMI of
 * k-means) on the embeddings and on the raw input features. When the model folder is inside a run
 * directory, the run's config.json supplies the data and the split (seed, test fraction, held-out
 * classes), so the evaluation is on the samples the run held out; flags override.
 */
export async function evalCommand(flags: EvalFlags): Promise<EvalResult> {
  const runConfig = await runConfigBeside(flags.model);
  const data = flags.data ?? runConfig?.data;
  if (data === undefined) {
    throw invalidArgument(
      `--data is required: ${flags.model} is not inside a run directory (no ${join(dirname(flags.model), CONFIG_JSON)} to take the data from)`,
    );
  }
  // The run's split settings describe its own data only.
  const fromRun = runConfig !== null && data === runConfig.data ? runConfig : null;
  const holdout = flags.holdoutClasses === true ? runHoldout(fromRun, flags.model) : flags.holdoutClasses;
  const split = {
    seed: flags.seed ?? fromRun?.seed ?? 0,
    testFraction: flags.testFraction ?? (holdout === undefined ? fromRun?.testFraction : null) ?? null,
    holdoutClasses: holdout ?? (flags.testFraction === undefined ? fromRun?.holdoutClasses : null) ?? null,
  };
  const overridden =
    flags.seed !== undefined || flags.testFraction !== undefined || typeof flags.holdoutClasses === 'string';
  await initBackend(flags.backend);
  const options = dataOptions({ ...split, ...dataSourceSettings(flags, fromRun) });
  const { test } = await loadData(data, options);
  const model = await loadModel(flags.model);
  try {
    checkInputShape(model.inputs[0].shape.slice(1), test, flags.model);
    const embeddings = embedDataset(model, test);
    try {
      const comparison = compareWithRaw(embeddings, test, {
        k: flags.k === 'max-bin-count' ? 'maxBinCount' : (flags.k ?? null),
        seed: split.seed,
        embeddingsName: `the embeddings of ${flags.model}`,
        knn: flags.knn ?? 'exact',
      });
      return {
        model: flags.model,
        data,
        split: split.holdoutClasses === null ? 'test' : 'held-out classes',
        settingsFrom:
          fromRun === null ? 'flags' : `${join(dirname(flags.model), CONFIG_JSON)}${overridden ? ' and flags' : ''}`,
        samples: comparison.samples,
        classes: comparison.classes,
        k: comparison.embedding.k,
        knn: flags.knn ?? 'exact',
        embedding: comparison.embedding,
        raw: comparison.raw,
        ...(comparison.approximation === undefined ? {} : { approximation: comparison.approximation }),
      };
    } finally {
      embeddings.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** The text `deepmetric eval` prints: one line per metric, the model next to the raw input. */
export function formatEvalResult(result: EvalResult): string {
  const lines = [
    `${result.model} on ${result.data}, ${result.split === 'test' ? 'test split' : 'held-out classes'}: ${result.samples} samples, ${result.classes} classes (split settings from ${result.settingsFrom})`,
    `${'metric'.padEnd(16)}${'embeddings'.padStart(11)}${'raw input'.padStart(11)}${'difference'.padStart(12)}`,
  ];
  for (const [key, label] of METRIC_LABELS) {
    const diff = result.embedding[key] - result.raw[key];
    lines.push(
      `${label.padEnd(16)}${fixed(result.embedding[key]).padStart(11)}${fixed(result.raw[key]).padStart(11)}${`${diff > 0 ? '+' : ''}${fixed(diff)}`.padStart(12)}`,
    );
  }
  lines.push(
    `retrieval: each sample queries the ${result.k} nearest others (Euclidean${result.knn === 'approximate' ? ', approximate' : ''}); k-means: ${result.classes} clusters`,
  );
  for (const [name, report] of [
    ['embeddings', result.approximation?.embedding],
    ['raw input', result.approximation?.raw],
  ] as const) {
    if (report === undefined) continue;
    const { connectivity, expansionAdd, expansionSearch } = report.settings;
    lines.push(
      `approximate k-NN (${name}): ${report.library} ${report.version} HNSW (${report.metric}, connectivity ${connectivity}, expansion ${expansionAdd}/${expansionSearch}), recall@${report.recall.k} ${fixed(report.recall.recallAtK)} against exact search on ${report.recall.queries} sampled queries`,
    );
    if (report.subset !== null) {
      const d = report.subset.difference;
      lines.push(
        `  on a ${report.subset.rows}-row subset, approximate - exact: precision@1 ${signed(d.precisionAt1)}, R-precision ${signed(d.rPrecision)}, MAP@R ${signed(d.meanAveragePrecisionAtR)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function evalCommandSpec(run: (flags: EvalFlags) => Promise<void>): Command {
  return withDataSourceFlags(
    new Command('eval')
      .description(
        'Evaluate a saved model on held-out data: retrieval and clustering metrics of its embeddings next to the raw input features.',
      )
      .requiredOption('--model <dir>', 'a saved model folder, e.g. RUN_DIR/model')
      .option(
        '--data <spec>',
        "'fashion-mnist', a folder of IDX files, an image folder, a .npy or a .csv (default: the run's data, read as the run read it)",
      ),
  )
    .option(
      '--holdout-classes [classes]',
      "evaluate on held-out classes: these (count, fraction or names), or alone the run's",
    )
    .option(
      '--test-fraction <f>',
      "share of each class in the test split, for data without one (default: the run's)",
      float,
    )
    .option('--seed <n>', "seed of the split and of k-means (default: the run's, else 0)", int)
    .option('--k <n>', "neighbours per query: a count or 'max-bin-count' (default: every other sample)", kFlag)
    .addOption(
      new Option(
        '--knn <method>',
        'neighbour search: every pair, or a USearch HNSW index (reports its recall against exact search)',
      )
        .choices(KNN_METHODS)
        .default('exact'),
    )
    .option('--json', 'print the result as JSON')
    .addOption(backendOption())
    .action(async (flags: EvalFlags) => run(flags));
}

function runHoldout(run: TrainConfig | null, modelDir: string): string {
  if (run === null || run.holdoutClasses === null) {
    throw invalidArgument(
      `--holdout-classes without a value evaluates on the classes the run held out, but ${run === null ? `${modelDir} is not inside a run directory with the run's data` : 'the run held out no classes'}; name them: --holdout-classes <count, fraction or names>`,
    );
  }
  return run.holdoutClasses;
}

function kFlag(value: string): number | 'max-bin-count' {
  if (value === 'max-bin-count') return value;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError("expected an integer >= 1 or 'max-bin-count'.");
  return Number(value);
}

/** The run directory's settings when the model folder is inside one (RUN_DIR/model), else null. */
async function runConfigBeside(modelDir: string): Promise<TrainConfig | null> {
  const path = join(dirname(modelDir), CONFIG_JSON);
  try {
    await access(path);
  } catch {
    return null;
  }
  return resolveConfig(await readJsonObject(path, 'the JSON object of settings `deepmetric train` writes'), {}, path);
}

function checkInputShape(modelShape: Array<number | null>, data: Dataset, modelDir: string): void {
  const expected = modelShape.map((d) => (d === null ? '?' : String(d))).join(', ');
  const fits =
    modelShape.length === data.sampleShape.length &&
    modelShape.every((d, i) => d === null || d === data.sampleShape[i]);
  if (!fits) {
    throw invalidInput(
      data.source,
      `has samples of shape [${data.sampleShape.join(', ')}], but the model ${modelDir} takes [${expected}]: evaluate it on data like the data it was trained on`,
    );
  }
}

function signed(x: number): string {
  return `${x > 0 ? '+' : ''}${fixed(x)}`;
}

function fixed(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : 'n/a';
}
