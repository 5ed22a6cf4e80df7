export { embeddingHealth, DEFAULT_PAIR_SAMPLE } from './embedding-health.js';
export type {
  EmbeddingMatrix,
  EmbeddingsInput,
  HealthMetrics,
  HealthOptions,
  NonFiniteCount,
  PairSample,
  NormMetrics,
  SeparationMetrics,
  SeparationStandardErrors,
  ShapeMetrics,
  SpreadMetrics,
} from './health-metrics.js';
export { effectiveRank } from './effective-rank.js';
export { healthSnapshot, parseHealthSnapshot, HEALTH_SNAPSHOT_FIELDS } from './health-snapshot.js';
export type { HealthSnapshot } from './health-snapshot.js';
export { diagnose } from './diagnose.js';
export { suggestedLr } from './find-causes.js';
export { historyFeatures, nonFiniteStep } from './history-features.js';
export type { HistoryFeatures, Recorded } from './history-features.js';
export { VERDICTS, CAUSE_IDS } from './health-report.js';
export type {
  Cause,
  CauseId,
  DiagnoseInput,
  Finding,
  HealthReport,
  RemedyTerms,
  RunSettings,
  TrainingStep,
  Verdict,
} from './health-report.js';
// Every named threshold of the detector (docs/collapse.md explains each).
export * from './thresholds.js';
export { formatHealthReport } from './format-health-report.js';
export type { FormatHealthReportOptions } from './format-health-report.js';
export { logHistory, LOSS_TAGS, LR_TAGS, MINED_TAGS } from './log-history.js';
export type { LogHistory, LogTagOptions } from './log-history.js';
export { StreamingHealth } from './streaming-health.js';
export type { StreamingHealthOptions, RowRange } from './streaming-health.js';
export { healthPartial, parseHealthPartial, HEALTH_PARTIAL_FORMAT, HEALTH_PARTIAL_VERSION } from './health-partial.js';
export type { HealthPartial } from './health-partial.js';
export { mergeHealthPartials } from './merge-health-partials.js';
export { MomentSums } from './moment-sums.js';
export type { MomentSumsState } from './moment-sums.js';
export { PairReservoir } from './pair-reservoir.js';
export type { ReservoirRows } from './pair-reservoir.js';
export { rowPriority } from './row-priority.js';
export { shapeMetrics } from './shape-metrics.js';
