/**
 * deepmetric's public API: `import * as dm from 'deepmetric'`. Every name is listed: what docs/api.md
 * documents, no internals (kernels, worker machinery, linear algebra, the run's own plumbing).
 */
export { tf } from './tf.js';
export { DeepmetricError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { Random } from './random.js';
export type { RandomState } from './random.js';
export { initBackend, registerWasmKernels } from './backend/index.js';
export type { BackendChoice, BackendName } from './backend/index.js';

export { BaseDistance, LpDistance, DotProductSimilarity, CosineSimilarity } from './distances/index.js';
export type { BaseDistanceOptions, LpDistanceOptions } from './distances/index.js';
export { BaseReducer, MeanReducer, AvgNonZeroReducer, SumReducer, DivisorReducer } from './reducers/index.js';
export { BaseRegularizer, LpRegularizer, ZeroMeanRegularizer } from './regularizers/index.js';
export type { BaseRegularizerOptions, LpRegularizerOptions } from './regularizers/index.js';

export {
  BaseMiner,
  TripletMarginMiner,
  BatchHardMiner,
  BatchEasyHardMiner,
  MultiSimilarityMiner,
  DistanceWeightedMiner,
  SoftmaxHardMiner,
  BatchHardRandomMiner,
  PairMarginMiner,
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
  SoftmaxHardMinerOptions,
  BatchHardRandomMinerOptions,
  RandomTriplets,
  PairMarginMinerOptions,
  HardestTripletsOptions,
  MiningBatch,
} from './miners/index.js';
export {
  BaseMetricLossFunction,
  TripletMarginLoss,
  ContrastiveLoss,
  MultiSimilarityLoss,
  NTXentLoss,
  SupConLoss,
  CircleLoss,
  MarginLoss,
  ArcFaceLoss,
  ProxyAnchorLoss,
  CrossBatchMemory,
  convertToPairs,
  allPairIndices,
  convertToWeights,
  allTripletIndices,
  convertToTriplets,
  pairsToTriplets,
  randomTripletIndices,
} from './losses/index.js';
export type {
  BaseMetricLossOptions,
  LossSpec,
  LossTerms,
  TripletLossStats,
  TripletMarginLossOptions,
  ContrastiveLossOptions,
  ContrastiveLossStats,
  MultiSimilarityLossOptions,
  MultiSimilarityLossStats,
  NTXentLossOptions,
  NTXentLossStats,
  SupConLossOptions,
  SupConLossStats,
  CircleLossOptions,
  CircleLossStats,
  MarginLossOptions,
  MarginLossStats,
  ArcFaceLossOptions,
  ArcFaceLossStats,
  ProxyAnchorLossOptions,
  ProxyAnchorLossStats,
  CrossBatchMemoryOptions,
  CrossBatchMemoryStats,
  ReferenceBatch,
  SubLoss,
  SubLossTerms,
} from './losses/index.js';

export { MPerClassSampler } from './samplers/index.js';
export type { MPerClassSamplerOptions, MPerClassSamplerState } from './samplers/index.js';
export {
  ReduceLROnPlateau,
  StepLR,
  CosineAnnealingLR,
  LinearWarmup,
  DEFAULT_START_FACTOR,
} from './schedulers/index.js';
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
  StreamingHealth,
  healthPartial,
  parseHealthPartial,
  mergeHealthPartials,
  effectiveRank,
  diagnose,
  healthSnapshot,
  suggestedLr,
  formatHealthReport,
  logHistory,
  LOSS_TAGS,
  LR_TAGS,
  MINED_TAGS,
  VERDICTS,
  CAUSE_IDS,
} from './health/index.js';
// The detector's named thresholds (docs/collapse.md).
export {
  COLLAPSED_NORMALIZED_DISTANCE,
  COLLAPSED_STD,
  COLLAPSED_RAW_POINT_RATIO,
  COLLAPSED_RAW_SPREAD_RATIO,
  COLLAPSED_NEAR_ZERO_SHARE,
  COLLAPSING_SPREAD_RATIO,
  COLLAPSING_RAW_SPREAD_RATIO,
  DIMENSIONAL_RANK_FRACTION,
  DIMENSIONAL_FIRST_COMPONENT_SHARE,
  DIMENSIONAL_MIN_RANK,
  DIMENSIONAL_FLOOR_RANK,
  STALLED_ACTIVE_FRACTION,
  VANISHED_GRADIENT_RATIO,
  UNSEPARATED_VIOLATION_FRACTION,
  LOSS_AT_MARGIN,
  UPDATE_RATIO_TOO_HIGH,
  UPDATE_RATIO_TARGET,
  SPIKE_FACTOR,
  LR_FLOOR_FRACTION,
  DEAD_DIMENSION_SHARE,
  NORM_SHRINK_RATIO,
  NORM_GROWTH_RATIO,
  RECENT_STEPS,
} from './health/thresholds.js';
export type {
  HealthMetrics,
  HealthPartial,
  StreamingHealthOptions,
  HealthOptions,
  EmbeddingsInput,
  EmbeddingMatrix,
  NonFiniteCount,
  SpreadMetrics,
  NormMetrics,
  ShapeMetrics,
  SeparationMetrics,
  SeparationStandardErrors,
  HealthReport,
  HealthSnapshot,
  HistoryFeatures,
  Recorded,
  LogHistory,
  LogTagOptions,
  Cause,
  CauseId,
  Finding,
  DiagnoseInput,
  RemedyTerms,
  RunSettings,
  TrainingStep,
  Verdict,
  FormatHealthReportOptions,
} from './health/index.js';
export { knn, retrievalMetrics, clusteringMetrics, kMeans, compareWithRaw } from './evaluation/index.js';
export {
  knnRecall,
  sampleRows,
  KNN_METHODS,
  vectorIndexMetric,
  buildVectorIndex,
  searchVectorIndex,
  resolveIndexSettings,
  DEFAULT_INDEX_SETTINGS,
  loadUsearch,
} from './evaluation/index.js';
export type {
  KnnMethod,
  VectorIndexMetric,
  VectorIndexSettings,
  UsearchIndex,
  ApproximationReport,
  ApproximationCheckOptions,
  MetricValues,
  RetrievalMetricsResult,
} from './evaluation/index.js';
export type {
  KnnOptions,
  KnnResult,
  RetrievalMetrics,
  RetrievalMetricsOptions,
  ClusteringMetrics,
  KMeansOptions,
  KMeansResult,
  CompareWithRawOptions,
  RawComparison,
  EvaluationMetrics,
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
  readNpyChunks,
  readShardChunks,
  expandShardGlob,
  parseNpy,
  writeNpy,
  encodeNpy,
  readNpyDataset,
  readCsvDataset,
  readEmbeddings,
  readNpz,
  readSafetensors,
  readParquetEmbeddings,
  readTrainingLog,
  isTrainingLogDir,
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
export type {
  Dataset,
  DatasetSplit,
  LoadDataOptions,
  EmbeddingsFile,
  NpyChunk,
  ShardChunk,
  ReadShardChunksOptions,
  ReadEmbeddingsOptions,
  TensorArray,
  ParquetEmbeddings,
  TrainingLog,
  ScalarSeries,
  EmbeddingSnapshot,
  ReadTrainingLogOptions,
} from './data/index.js';
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
  ProgressCallback,
  LogCallback,
  CheckpointCallback,
  ScheduleCallback,
  saveCheckpoint,
  loadCheckpoint,
  HealthProbeCallback,
  GuardCallback,
  CurriculumCallback,
  CURRICULA,
  harderMiningReady,
  SEPARATED_VIOLATION_FRACTION,
  embedDatasetParallel,
} from './training/index.js';
export type {
  TrainerOptions,
  Callback,
  StepRecord,
  StopRequest,
  Stateful,
  TrainingState,
  HealthProbeOptions,
  GuardMode,
  GuardOptions,
  GuardRun,
  GuardedTrainer,
  GuardSummary,
  Mining,
  TrainerMining,
  CurriculumName,
  CurriculumOptions,
  CurriculumStage,
  ParallelTrainerOptions,
  EmbedDatasetParallelOptions,
} from './training/index.js';
export { runTraining, resolveConfig, DEFAULT_CONFIG, readRun, runPaths, curriculumStages } from './run/index.js';
export type { TrainConfig, TrainSummary, RunTrainingOptions, RunFiles, RunPaths } from './run/index.js';
export { writeReport, buildReport } from './report/index.js';
export type { BuildReportOptions, ReportPage, SectionId, SectionBody } from './report/index.js';
