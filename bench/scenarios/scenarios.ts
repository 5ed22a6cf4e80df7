/**
 * The runs of the collapse scenario suite (`npm run scenarios`): real trainings on the bundled
 * Fashion-MNIST sample, each set up so that it stays healthy or collapses for one known reason.
 * The settings that collapse were found by experiment (docs/collapse.md lists the trials).
 */
import type { CauseId } from '../../src/health/index.js';
import type { TrainConfig } from '../../src/run/index.js';

export interface Scenario {
  name: string;
  /** What the run is set up to show. */
  about: string;
  settings: Partial<TrainConfig>;
  /** The cause the detector should name (first or with confidence >= 0.5); null for a healthy run. */
  expectedCause: CauseId | null;
  /** Also acceptable as the named cause (a run set up for one reason that also has another). */
  alsoAcceptable?: CauseId[];
  /** A recover variant: its final precision@1 should come within a few points of the healthy baseline. */
  recoverOf?: string;
}

/** What every scenario shares: a 2-layer MLP, 600 steps of 80-image P x K batches, probes every 25 steps. */
export const BASE: Partial<TrainConfig> = {
  data: 'fashion-mnist',
  model: 'mlp:256,128',
  embeddingDim: 64,
  steps: 600,
  stepsPerEpoch: 100,
  probeEvery: 25,
  logEvery: 10,
  guard: 'warn',
  seed: 0,
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'healthy',
    about: 'the defaults: semi-hard mining, Adam lr 1e-3, L2-normalized (the healthy baseline)',
    settings: {},
    expectedCause: null,
  },
  { name: 'healthy-lr3e-3', about: 'a 3x larger lr, still sound', settings: { lr: 0.003 }, expectedCause: null },
  {
    name: 'healthy-all-triplets',
    about: 'every margin-violating triplet (miner all)',
    settings: { miner: 'all' },
    expectedCause: null,
  },
  {
    name: 'healthy-raw-distance',
    about: 'no normalization anywhere, every triplet of the batch: raw norms drift down by half, harmlessly',
    settings: { normalize: false, normalizeEmbeddings: false, distance: 'euclidean', miner: 'none' },
    expectedCause: null,
  },
  {
    name: 'healthy-convnet',
    about: 'a small ConvNet, 300 steps',
    settings: { model: 'convnet:16,32,128', steps: 300 },
    expectedCause: null,
  },
  {
    name: 'lr-too-high',
    about: 'SGD at lr 200: the first step moves the weights ~7x their norm and kills most ReLUs',
    settings: { optimizer: 'sgd', lr: 200 },
    expectedCause: 'lr-too-high',
    alsoAcceptable: ['dead-units'],
  },
  {
    name: 'batch-hard-from-scratch',
    about: 'batch-hard mining from the first step: everything is pulled to one point',
    settings: { miner: 'batch-hard' },
    expectedCause: 'mining-too-hard',
  },
  {
    name: 'no-normalization-shrinking',
    about: 'raw squared distances, no normalization, hard triplets: the norms shrink towards 0',
    settings: { normalize: false, normalizeEmbeddings: false, distance: 'squared-euclidean', miner: 'hard' },
    expectedCause: 'no-normalization',
    alsoAcceptable: ['mining-too-hard'],
  },
  {
    name: 'bottleneck',
    about: 'a 2-unit hidden layer (mlp:256,2) before the 64-d embedding',
    settings: { model: 'mlp:256,2' },
    expectedCause: 'low-capacity',
  },
  {
    name: 'easy-mining',
    about: 'the easy miner: only triplets that already meet the margin, so the loss is 0 from the start',
    settings: { miner: 'easy' },
    expectedCause: 'mining-too-easy',
  },
  {
    name: 'semihard-raw-blowup',
    about:
      'raw squared distances at lr 1e-2 with semi-hard mining: the norms explode, directions collapse, the miner finds nothing',
    settings: {
      normalize: false,
      normalizeEmbeddings: false,
      distance: 'squared-euclidean',
      miner: 'semihard',
      lr: 0.01,
    },
    expectedCause: 'no-normalization',
    alsoAcceptable: ['lr-too-high', 'mining-too-easy'],
  },
  {
    name: 'healthy-contrastive',
    about: "PML's ContrastiveLoss (pos margin 0, neg margin 1) on the semi-hard triplets' pairs",
    settings: { loss: 'contrastive' },
    expectedCause: null,
  },
  {
    name: 'contrastive-batch-hard',
    about: 'ContrastiveLoss on the batch-hard pairs from the first step: everything is pulled to one point',
    settings: { loss: 'contrastive', miner: 'batch-hard' },
    expectedCause: 'mining-too-hard',
  },
  {
    name: 'healthy-multi-similarity',
    about: "PML's MultiSimilarityLoss with its MultiSimilarityMiner (cosine, alpha 2, beta 50, base 0.5)",
    settings: { loss: 'multi-similarity', miner: 'multi-similarity' },
    expectedCause: null,
  },
  {
    name: 'multi-similarity-lr-too-high',
    about: 'MultiSimilarityLoss with SGD at lr 200',
    settings: { loss: 'multi-similarity', miner: 'multi-similarity', optimizer: 'sgd', lr: 200 },
    expectedCause: 'lr-too-high',
    alsoAcceptable: ['dead-units'],
  },
  {
    name: 'lr-too-high+recover',
    about: 'lr-too-high with --guard recover',
    settings: { optimizer: 'sgd', lr: 200, guard: 'recover' },
    expectedCause: null,
    recoverOf: 'lr-too-high',
  },
  {
    name: 'batch-hard+recover',
    about: 'batch-hard-from-scratch with --guard recover',
    settings: { miner: 'batch-hard', guard: 'recover' },
    expectedCause: null,
    recoverOf: 'batch-hard-from-scratch',
  },
  {
    name: 'easy-mining+recover',
    about: 'easy-mining with --guard recover',
    settings: { miner: 'easy', guard: 'recover' },
    expectedCause: null,
    recoverOf: 'easy-mining',
  },
];
