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
  distanceWeights,
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
  MiningBatch,
} from './miners/index.js';
export {
  BaseMetricLossFunction,
  TripletMarginLoss,
  allTripletIndices,
  convertToTriplets,
  pairsToTriplets,
  randomTripletIndices,
} from './losses/index.js';
export type { BaseMetricLossOptions, LossSpec, LossTerms, TripletLossStats, TripletMarginLossOptions } from './losses/index.js';

export { MPerClassSampler, sampleWithoutReplacement } from './samplers/index.js';
export type { MPerClassSamplerOptions, MPerClassSamplerState } from './samplers/index.js';
export { ReduceLROnPlateau, StepLR, CosineAnnealingLR, LinearWarmup, DEFAULT_START_FACTOR } from './schedulers/index.js';
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
  parseHealthSnapshot,
  HEALTH_SNAPSHOT_FIELDS,
  historyFeatures,
  suggestedLr,
  formatHealthReport,
  VERDICTS,
  CAUSE_IDS,
} from './health/index.js';
// The detector's named thresholds (docs/collapse.md).
export * from './health/thresholds.js';
export type {
  HealthMetrics,
  HealthOptions,
  EmbeddingsInput,
  EmbeddingMatrix,
  NonFiniteCount,
  SpreadMetrics,
  NormMetrics,
  ShapeMetrics,
  SeparationMetrics,
  SymmetricEigen,
  SymmetricEigenOptions,
  HealthReport,
  HealthSnapshot,
  HistoryFeatures,
  Cause,
  CauseId,
  Finding,
  DiagnoseInput,
  RunSettings,
  TrainingStep,
  Verdict,
  FormatHealthReportOptions,
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
  bundledFashionMnistDir,
  readIdx,
  parseIdx,
  writeIdx,
  encodeIdx,
  readIdxDataset,
  readNpy,
  parseNpy,
  writeNpy,
  encodeNpy,
  readNpyDataset,
  readCsvDataset,
  readImageFolder,
  readLabelsFile,
  stratifiedSplit,
  classDisjointSplit,
  holdoutClassIds,
  subset,
  batchTensor,
  createDataset,
  sampleSize,
} from './data/index.js';
export type { Dataset, DatasetSplit, LoadDataOptions } from './data/index.js';
export { buildModel, parseModelSpec, L2Normalize, saveModel, loadModel, embedDataset } from './models/index.js';
export type { BuildModelOptions, ModelSpec, L2NormalizeArgs } from './models/index.js';
export {
  createOptimizer,
  Optimizer,
  optimizerState,
  restoreOptimizer,
  gradientNorm,
  getLearningRate,
  setLearningRate,
} from './optimizers/index.js';
export type { OptimizerOptions, OptimizerConfig, OptimizerState } from './optimizers/index.js';

export {
  Trainer,
  ParallelTrainer,
  runTraining,
  resolveConfig,
  DEFAULT_CONFIG,
  ProgressCallback,
  LogCallback,
  CheckpointCallback,
  ScheduleCallback,
  RunLog,
  readRunLog,
  saveCheckpoint,
  loadCheckpoint,
  HealthProbeCallback,
  GuardCallback,
  collapseWatch,
  finalHealth,
  GradientWorkers,
  resolveWorkers,
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
  Stateful,
  TrainingState,
  HealthProbeOptions,
  GuardOptions,
  GuardSummary,
  CollapseWatch,
  CollapseWatchOptions,
  ParallelTrainerOptions,
  GradientWorkersOptions,
  EmbedDatasetParallelOptions,
} from './training/index.js';
export { writeReport, buildReport, readRun, compareWithRaw } from './report/index.js';
export type { BuildReportOptions, ReportPage, SectionId, SectionBody, RunFiles, RawComparison, EvaluationMetrics } from './report/index.js';
