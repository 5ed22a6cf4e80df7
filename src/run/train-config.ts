import { invalidArgument } from '../errors.js';
import { numberProblem, type NumberBounds } from '../validation.js';
import { BACKENDS, type BackendChoice } from '../backend/index.js';
import { HARD_MINERS, MINERS, type MinerName } from '../miners/index.js';
import { CURRICULA, GUARDS, type CurriculumName, type GuardMode } from '../training/index.js';

export const LOSSES = [
  'triplet',
  'soft-triplet',
  'selective-triplet',
  'contrastive',
  'multi-similarity',
  'ntxent',
  'supcon',
  'circle',
  'margin',
  'arcface',
  'proxy-anchor',
] as const;
/** The losses whose PML default distance is CosineSimilarity (`--distance auto` picks it for them). */
export const COSINE_LOSSES: readonly LossName[] = [
  'multi-similarity',
  'ntxent',
  'supcon',
  'circle',
  'arcface',
  'proxy-anchor',
];
export const DISTANCES = ['euclidean', 'squared-euclidean', 'cosine'] as const;
export const OPTIMIZERS = ['adam', 'sgd'] as const;
export const SCHEDULES = ['none', 'step', 'cosine', 'plateau'] as const;
export const COLORS = ['grey', 'rgb'] as const;

export type LossName = (typeof LOSSES)[number];
export type DistanceName = (typeof DISTANCES)[number];
/** `auto`: the loss's PML default (cosine for the COSINE_LOSSES, else Euclidean); resolved in `resolveConfig`. */
export type DistanceChoice = DistanceName | 'auto';
export type OptimizerName = (typeof OPTIMIZERS)[number];
export type ScheduleName = (typeof SCHEDULES)[number];

/** Every setting of a training run, resolved: what `config.json` in the run directory records. */
export interface TrainConfig {
  /** `fashion-mnist` (the bundled sample) or a path: a folder of IDX files, a .npy, a .csv or an image folder. */
  data: string;
  /** Classes kept out of training and used only for evaluation: a count, or comma-separated class names or ids. */
  holdoutClasses: string | null;
  /** Share of each class held out for testing when the data has no test split of its own (null: the reader's default, 0.2). */
  testFraction: number | null;
  /** The labels file of `.npy` data: a `.npy` of integers, or text with one label per line. */
  labels: string | null;
  /** The CSV's first line is a header. */
  csvHeader: boolean;
  /** The CSV's label column: an index (negative counts from the end) or, with `csvHeader`, a name; null: the last. */
  labelColumn: string | null;
  /** Resize every image of an image folder: `n` (n x n) or `HxW`; null: keep the size, which must then be the same for all. */
  imageSize: string | null;
  /** Read an image folder's images as grey or RGB; null: RGB. */
  color: 'grey' | 'rgb' | null;
  /** `convnet` or `mlp:<hidden sizes>`, e.g. `mlp:256,128`. */
  model: string;
  embeddingDim: number;
  /** End the model with an L2-normalize layer. */
  normalize: boolean;
  loss: LossName;
  /** The margin of the triplet losses and of MarginLoss. */
  margin: number;
  /** ContrastiveLoss: positive pairs closer than this, negative pairs farther than `negMargin` cost nothing. */
  posMargin: number;
  negMargin: number;
  /** MultiSimilarityLoss's alpha, beta and base. */
  msAlpha: number;
  msBeta: number;
  msBase: number;
  /** NTXentLoss / SupConLoss; null: the loss's PML default (0.07 / 0.1). */
  temperature: number | null;
  /** CircleLoss's relaxation m and scale gamma. */
  circleM: number;
  circleGamma: number;
  /** MarginLoss's initial boundary beta, the regularization nu of beta, and whether beta is learned. */
  marginBeta: number;
  marginNu: number;
  learnBeta: boolean;
  /** ArcFaceLoss's angular margin (degrees) and scale. */
  arcfaceMargin: number;
  arcfaceScale: number;
  /** ProxyAnchorLoss's margin and alpha. */
  proxyMargin: number;
  proxyAlpha: number;
  /** Resolved: `auto` in a config file or flag becomes the loss's default. */
  distance: DistanceName;
  /** The distance L2-normalizes embeddings before measuring (PML's `normalize_embeddings`). */
  normalizeEmbeddings: boolean;
  miner: MinerName;
  /** The margin a TripletMarginMiner selects by. */
  minerMargin: number;
  /** How a hard miner (`batch-hard`, `hard`) is reached from scratch; `none`: mine with it from the first step. */
  curriculum: CurriculumName;
  /** P classes x K samples per batch. */
  classesPerBatch: number;
  samplesPerClass: number;
  /** Length of the run: epochs of `stepsPerEpoch` steps, unless `steps` is set. */
  epochs: number;
  steps: number | null;
  stepsPerEpoch: number;
  lr: number;
  optimizer: OptimizerName;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleName;
  warmupSteps: number;
  seed: number;
  backend: BackendChoice;
  /** The run directory; empty: `runs/<date>-<time>`. */
  out: string;
  guard: GuardMode;
  /** Log a record every this many steps. */
  logEvery: number;
  /** Measure health on the fixed probe batch every this many steps. */
  probeEvery: number;
  /**
   * Threads that run the network, data-parallel (`ParallelTrainer`); 1 trains in this thread.
   * `auto`: every core for a convnet on the wasm or cpu backend, else 1 (see `resolveWorkers`).
   */
  workers: number | 'auto';
}

/** The settings before `resolveConfig`: the distance may still be `auto`. */
export type TrainSettings = Omit<TrainConfig, 'distance'> & { distance: DistanceChoice };

export const DEFAULT_CONFIG: TrainSettings = {
  data: 'fashion-mnist',
  holdoutClasses: null,
  testFraction: null,
  labels: null,
  csvHeader: false,
  labelColumn: null,
  imageSize: null,
  color: null,
  model: 'convnet:16,32,128',
  embeddingDim: 64,
  normalize: true,
  loss: 'triplet',
  margin: 0.2,
  posMargin: 0,
  negMargin: 1,
  msAlpha: 2,
  msBeta: 50,
  msBase: 0.5,
  temperature: null,
  circleM: 0.4,
  circleGamma: 80,
  marginBeta: 1.2,
  marginNu: 0,
  learnBeta: false,
  arcfaceMargin: 28.6,
  arcfaceScale: 64,
  proxyMargin: 0.1,
  proxyAlpha: 32,
  distance: 'auto',
  normalizeEmbeddings: true,
  miner: 'semihard',
  minerMargin: 0.2,
  curriculum: 'none',
  classesPerBatch: 10,
  samplesPerClass: 8,
  epochs: 12,
  steps: null,
  stepsPerEpoch: 150,
  lr: 1e-3,
  optimizer: 'adam',
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'cosine',
  warmupSteps: 0,
  seed: 0,
  backend: 'auto',
  out: '',
  guard: 'warn',
  logEvery: 10,
  probeEvery: 25,
  workers: 'auto',
};

type Check = (value: unknown) => string | null;

const bounded =
  (bounds: NumberBounds): Check =>
  (v) =>
    numberProblem(v, bounds);
const positiveInt = bounded({ integer: true, minExclusive: 0 });
const nonNegativeInt = bounded({ integer: true, min: 0 });
const positiveNumber = bounded({ minExclusive: 0 });
const nonNegativeNumber = bounded({ min: 0 });
const fraction = bounded({ minExclusive: 0, maxExclusive: 1 });
const text: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'a non-empty string');
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const oneOf =
  (allowed: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? null : `one of ${allowed.join(', ')}`;
const orNull =
  (check: Check): Check =>
  (v) =>
    v === null ? null : check(v) && `${check(v)} or null`;

const CHECKS: { [K in keyof TrainConfig]: Check } = {
  data: text,
  holdoutClasses: orNull(text),
  testFraction: orNull(fraction),
  labels: orNull(text),
  csvHeader: bool,
  labelColumn: orNull(text),
  imageSize: orNull((v) =>
    typeof v === 'string' && /^[1-9]\d*(x[1-9]\d*)?$/.test(v)
      ? null
      : "'n' or 'HxW' of positive integers, e.g. '64' or '64x48'",
  ),
  color: orNull(oneOf(COLORS)),
  model: text,
  embeddingDim: positiveInt,
  normalize: bool,
  loss: oneOf(LOSSES),
  margin: nonNegativeNumber,
  posMargin: bounded({}),
  negMargin: bounded({}),
  msAlpha: positiveNumber,
  msBeta: positiveNumber,
  msBase: bounded({}),
  temperature: orNull(positiveNumber),
  circleM: bounded({ min: 0, max: 1 }),
  circleGamma: positiveNumber,
  marginBeta: bounded({}),
  marginNu: nonNegativeNumber,
  learnBeta: bool,
  arcfaceMargin: bounded({ min: 0, max: 180 }),
  arcfaceScale: positiveNumber,
  proxyMargin: bounded({}),
  proxyAlpha: positiveNumber,
  distance: oneOf([...DISTANCES, 'auto']),
  normalizeEmbeddings: bool,
  miner: oneOf(MINERS),
  minerMargin: nonNegativeNumber,
  curriculum: oneOf(CURRICULA),
  classesPerBatch: bounded({ integer: true, min: 2 }),
  samplesPerClass: bounded({ integer: true, min: 2 }),
  epochs: positiveInt,
  steps: orNull(positiveInt),
  stepsPerEpoch: positiveInt,
  lr: positiveNumber,
  optimizer: oneOf(OPTIMIZERS),
  momentum: bounded({ min: 0, maxExclusive: 1 }),
  weightDecay: nonNegativeNumber,
  schedule: oneOf(SCHEDULES),
  warmupSteps: nonNegativeInt,
  seed: bounded({ integer: true }),
  backend: oneOf(BACKENDS),
  out: (v) => (typeof v === 'string' ? null : 'a path'),
  guard: oneOf(GUARDS),
  logEvery: positiveInt,
  probeEvery: positiveInt,
  workers: (v) => (v === 'auto' ? null : positiveInt(v) && `${positiveInt(v)} or 'auto'`),
};

/**
 * The defaults, overridden by a config file's settings, overridden by command-line flags; every
 * field checked. `source` names where `file` came from, for the error message.
 */
export function resolveConfig(
  file: Record<string, unknown> = {},
  flags: Partial<TrainSettings> = {},
  source = 'config file',
): TrainConfig {
  for (const key of Object.keys(file)) {
    if (!(key in CHECKS)) {
      throw invalidArgument(`${source}: unknown setting \`${key}\`. Allowed: ${Object.keys(CHECKS).join(', ')}`);
    }
  }
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG, ...file };
  for (const [key, value] of Object.entries(flags)) {
    if (value !== undefined) merged[key] = value;
  }
  for (const [key, check] of Object.entries(CHECKS)) {
    const problem = check(merged[key]);
    if (problem !== null) {
      const from =
        key in flags && flags[key as keyof TrainSettings] !== undefined ? 'flag' : key in file ? source : 'default';
      throw invalidArgument(
        `Setting \`${key}\` must be ${problem}. Received: ${key}=${JSON.stringify(merged[key])} (from ${from})`,
      );
    }
  }
  if (merged.curriculum !== 'none' && !HARD_MINERS.includes(merged.miner as MinerName)) {
    throw invalidArgument(
      `Setting \`curriculum\`=${String(merged.curriculum)} leads to hardest-triplet mining and needs miner=${HARD_MINERS.join(' or ')}. Received: miner=${String(merged.miner)} (or use curriculum=none)`,
    );
  }
  if (merged.distance === 'auto') {
    merged.distance = COSINE_LOSSES.includes(merged.loss as LossName) ? 'cosine' : 'euclidean';
  }
  return merged as unknown as TrainConfig;
}

/** The number of optimizer steps the run makes. */
export function totalSteps(config: TrainConfig): number {
  return config.steps ?? config.epochs * config.stepsPerEpoch;
}
