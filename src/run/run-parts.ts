import { invalidArgument } from '../errors.js';
import { CosineSimilarity, LpDistance, type BaseDistance } from '../distances/index.js';
import {
  ArcFaceLoss,
  CircleLoss,
  ContrastiveLoss,
  MarginLoss,
  MultiSimilarityLoss,
  NTXentLoss,
  ProxyAnchorLoss,
  SupConLoss,
  TripletMarginLoss,
  type BaseMetricLossFunction,
} from '../losses/index.js';
import {
  BatchEasyHardMiner,
  BatchHardMiner,
  DistanceWeightedMiner,
  MultiSimilarityMiner,
  TripletMarginMiner,
  type BaseMiner,
} from '../miners/index.js';
import {
  CosineAnnealingLR,
  DEFAULT_START_FACTOR,
  LinearWarmup,
  ReduceLROnPlateau,
  StepLR,
  type Scheduler,
} from '../schedulers/index.js';
import { Random } from '../random.js';
import { ScheduleCallback } from '../training/schedule-callback.js';
import type { Trainer } from '../training/trainer.js';
import type { MinerName } from '../miners/index.js';
import { totalSteps, type DistanceName, type TrainConfig } from './train-config.js';

/** The distance a run's loss and miner measure with. */
export function distanceFor(name: DistanceName, normalizeEmbeddings: boolean): BaseDistance {
  switch (name) {
    case 'euclidean':
      return new LpDistance({ normalizeEmbeddings });
    case 'squared-euclidean':
      return new LpDistance({ normalizeEmbeddings, power: 2 });
    case 'cosine':
      return new CosineSimilarity({ normalizeEmbeddings });
    default:
      return unreachable(name);
  }
}

/**
 * The loss of a run, with PML's semantics and the run's distance; `numClasses` sizes the class
 * weights of ArcFaceLoss and the proxies of ProxyAnchorLoss (seeded from the run's seed).
 */
export function lossFor(config: TrainConfig, numClasses: number): BaseMetricLossFunction<unknown> {
  const distance = distanceFor(config.distance, config.normalizeEmbeddings);
  const rng = new Random(config.seed + 2);
  const classes = { numClasses, embeddingSize: config.embeddingDim, rng };
  switch (config.loss) {
    case 'triplet':
    case 'soft-triplet':
    case 'selective-triplet':
      return new TripletMarginLoss({
        margin: config.margin,
        smoothLoss: config.loss === 'soft-triplet',
        selectivelyContrastive: config.loss === 'selective-triplet',
        distance,
      });
    case 'contrastive':
      return new ContrastiveLoss({ posMargin: config.posMargin, negMargin: config.negMargin, distance });
    case 'multi-similarity':
      return new MultiSimilarityLoss({ alpha: config.msAlpha, beta: config.msBeta, base: config.msBase, distance });
    case 'ntxent':
      return new NTXentLoss({ ...(config.temperature === null ? {} : { temperature: config.temperature }), distance });
    case 'supcon':
      return new SupConLoss({ ...(config.temperature === null ? {} : { temperature: config.temperature }), distance });
    case 'circle':
      return new CircleLoss({ m: config.circleM, gamma: config.circleGamma, distance });
    case 'margin':
      return new MarginLoss({
        margin: config.margin,
        beta: config.marginBeta,
        nu: config.marginNu,
        learnBeta: config.learnBeta,
        distance,
      });
    case 'arcface':
      return new ArcFaceLoss({ ...classes, margin: config.arcfaceMargin, scale: config.arcfaceScale, distance });
    case 'proxy-anchor':
      return new ProxyAnchorLoss({ ...classes, margin: config.proxyMargin, alpha: config.proxyAlpha, distance });
    default:
      return unreachable(config.loss);
  }
}

/** The miner for a run; null for `none` (every triplet of the batch). Seeded from the run's seed. */
export function minerFor(name: MinerName, config: TrainConfig): BaseMiner | null {
  const distance = distanceFor(config.distance, config.normalizeEmbeddings);
  switch (name) {
    case 'none':
      return null;
    case 'all':
    case 'hard':
    case 'semihard':
    case 'easy':
      return new TripletMarginMiner({ margin: config.minerMargin, typeOfTriplets: name, distance });
    case 'batch-hard':
      return new BatchHardMiner({ distance });
    case 'batch-easy-hard':
      return new BatchEasyHardMiner({ distance });
    case 'multi-similarity':
      return new MultiSimilarityMiner({ distance });
    case 'distance-weighted':
      if (config.distance !== 'euclidean' || !config.normalizeEmbeddings) {
        throw invalidArgument(
          `Setting \`miner\`=distance-weighted needs distance=euclidean with normalizeEmbeddings (it assumes unit-norm embeddings). Received: distance=${config.distance}, normalizeEmbeddings=${config.normalizeEmbeddings}`,
        );
      }
      return new DistanceWeightedMiner({ rng: new Random(config.seed + 1) });
    default:
      return unreachable(name);
  }
}

/**
 * The callback that drives a run's learning rate: its schedule (`schedulerFor`), and for
 * `plateau` the warmup as a ramp of the first `warmupSteps` steps, from LinearWarmup's start factor.
 */
export function scheduleFor(config: TrainConfig): ScheduleCallback<Trainer> {
  const scheduler = schedulerFor(config);
  const rampsPlateau = config.schedule === 'plateau' && config.warmupSteps > 0;
  return new ScheduleCallback(
    scheduler,
    rampsPlateau ? { steps: config.warmupSteps, from: DEFAULT_START_FACTOR } : null,
  );
}

/**
 * The learning-rate schedule of a run, warmup included for the per-step schedules (they count
 * optimizer steps); `plateau` watches the epoch's mean loss, and its warmup is `scheduleFor`'s.
 */
export function schedulerFor(config: TrainConfig): Scheduler {
  const steps = totalSteps(config);
  const afterWarmup = steps - config.warmupSteps;
  if (afterWarmup < 1) {
    throw invalidArgument(
      `Setting \`warmupSteps\` must be smaller than the run's ${steps} steps. Received: warmupSteps=${config.warmupSteps}`,
    );
  }
  let schedule: Scheduler;
  switch (config.schedule) {
    case 'none':
      return new LinearWarmup({ warmupSteps: config.warmupSteps, lr: config.lr });
    case 'step':
      schedule = new StepLR({ lr: config.lr, stepSize: Math.max(1, Math.ceil(afterWarmup / 3)), gamma: 0.1 });
      break;
    case 'cosine':
      schedule = new CosineAnnealingLR({ lr: config.lr, tMax: afterWarmup });
      break;
    case 'plateau':
      // Its warmup is the ScheduleCallback's ramp (scheduleFor): plateau steps once per epoch.
      return new ReduceLROnPlateau({ lr: config.lr, factor: 0.5, patience: 1 });
    default:
      return unreachable(config.schedule);
  }
  return config.warmupSteps > 0 ? new LinearWarmup({ warmupSteps: config.warmupSteps, after: schedule }) : schedule;
}

function unreachable(value: never): never {
  throw invalidArgument(`Unexpected setting value ${String(value)}`);
}
