/** deepmetric's public API: `import * as dm from 'deepmetric'`. */
export { tf } from './tf.js';
export { DeepmetricError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { Random } from './random.js';
export type { RandomState } from './random.js';
export { initBackend, registerWasmKernels } from './backend/index.js';
export type { BackendChoice, BackendName } from './backend/index.js';

export { BaseDistance, LpDistance, DotProductSimilarity, CosineSimilarity } from './distances/index.js';
export type { BaseDistanceOptions, LpDistanceOptions } from './distances/index.js';
export { BaseReducer, MeanReducer, AvgNonZeroReducer, SumReducer } from './reducers/index.js';

export {
  BaseMiner,
  TripletMarginMiner,
  BatchHardMiner,
  BatchEasyHardMiner,
  MultiSimilarityMiner,
  DistanceWeightedMiner,
  hardestTriplets,
  isTripletIndices,
  isPairIndices,
} from './miners/index.js';
export type {
  TripletIndices,
  PairIndices,
  MinerStats,
  TripletType,
  BatchStrategy,
  DistanceRange,
  TripletMarginMinerOptions,
  BatchHardMinerOptions,
  BatchEasyHardMinerOptions,
  MultiSimilarityMinerOptions,
  DistanceWeightedMinerOptions,
  HardestTripletsOptions,
} from './miners/index.js';
export { BaseMetricLossFunction, TripletMarginLoss } from './losses/index.js';
export type { BaseMetricLossOptions, TripletLossStats, TripletMarginLossOptions } from './losses/index.js';

export { MPerClassSampler } from './samplers/index.js';
export type { MPerClassSamplerOptions, MPerClassSamplerState } from './samplers/index.js';
export { ReduceLROnPlateau, StepLR, CosineAnnealingLR, LinearWarmup } from './schedulers/index.js';
export type {
  Scheduler,
  SchedulerState,
  ReduceLROnPlateauOptions,
  StepLROptions,
  CosineAnnealingLROptions,
  LinearWarmupOptions,
} from './schedulers/index.js';

export {
  embeddingHealth,
  effectiveRank,
  symmetricEigen,
  diagnose,
  healthSnapshot,
  formatHealthReport,
  VERDICTS,
  CAUSE_IDS,
} from './health/index.js';
export type {
  HealthMetrics,
  HealthOptions,
  EmbeddingsInput,
  HealthReport,
  HealthSnapshot,
  Cause,
  CauseId,
  Finding,
  DiagnoseInput,
  Verdict,
} from './health/index.js';
export { knn, retrievalMetrics, clusteringMetrics, kMeans } from './evaluation/index.js';
export type {
  KnnOptions,
  KnnResult,
  RetrievalMetrics,
  RetrievalMetricsOptions,
  ClusteringMetrics,
  KMeansOptions,
  KMeansResult,
} from './evaluation/index.js';

export {
  loadData,
  readIdxDataset,
  readNpy,
  writeNpy,
  readNpyDataset,
  readCsvDataset,
  readImageFolder,
  readLabelsFile,
  stratifiedSplit,
  classDisjointSplit,
  subset,
  batchTensor,
  createDataset,
} from './data/index.js';
export type { Dataset, DatasetSplit, LoadDataOptions } from './data/index.js';
export { buildModel, L2Normalize, saveModel, loadModel, embedDataset } from './models/index.js';
export type { BuildModelOptions } from './models/index.js';
export { createOptimizer, Optimizer, optimizerState, restoreOptimizer } from './optimizers/index.js';
export type { OptimizerOptions, OptimizerState } from './optimizers/index.js';

export {
  Trainer,
  ParallelTrainer,
  runTraining,
  resolveConfig,
  DEFAULT_CONFIG,
  HealthProbeCallback,
  GuardCallback,
  embedDatasetParallel,
} from './training/index.js';
export type {
  TrainerOptions,
  Callback,
  StepRecord,
  TrainConfig,
  TrainSummary,
  RunTrainingOptions,
  StopRequest,
} from './training/index.js';
export { writeReport, buildReport, compareWithRaw } from './report/index.js';
export type { BuildReportOptions, RawComparison } from './report/index.js';
