export { embeddingHealth } from './embedding-health.js';
export type {
  EmbeddingMatrix,
  EmbeddingsInput,
  HealthMetrics,
  HealthOptions,
  NonFiniteCount,
  NormMetrics,
  SeparationMetrics,
  ShapeMetrics,
  SpreadMetrics,
} from './health-metrics.js';
export { effectiveRank } from './effective-rank.js';
export { symmetricEigen } from './symmetric-eigen.js';
export type { SymmetricEigen, SymmetricEigenOptions } from './symmetric-eigen.js';
export { healthSnapshot, parseHealthSnapshot, HEALTH_SNAPSHOT_FIELDS } from './health-snapshot.js';
export type { HealthSnapshot } from './health-snapshot.js';
export { diagnose } from './diagnose.js';
export { suggestedLr } from './find-causes.js';
export { historyFeatures, nonFiniteStep } from './history-features.js';
export type { HistoryFeatures } from './history-features.js';
export { VERDICTS, CAUSE_IDS } from './health-report.js';
export type { Cause, CauseId, DiagnoseInput, Finding, HealthReport, RunSettings, TrainingStep, Verdict } from './health-report.js';
export {
  COLLAPSED_NEAR_ZERO_SHARE,
  COLLAPSED_NORMALIZED_DISTANCE,
  COLLAPSED_RAW_SPREAD_RATIO,
  COLLAPSED_STD,
  COLLAPSING_RAW_SPREAD_RATIO,
  COLLAPSING_SPREAD_RATIO,
  DEAD_DIMENSION_SHARE,
  DIMENSIONAL_FIRST_COMPONENT_SHARE,
  DIMENSIONAL_MIN_RANK,
  DIMENSIONAL_RANK_FRACTION,
  LOSS_AT_MARGIN,
  LR_FLOOR_FRACTION,
  NORM_GROWTH_RATIO,
  NORM_SHRINK_RATIO,
  RECENT_STEPS,
  SPIKE_FACTOR,
  STALLED_ACTIVE_FRACTION,
  UNSEPARATED_VIOLATION_FRACTION,
  UPDATE_RATIO_TARGET,
  UPDATE_RATIO_TOO_HIGH,
  VANISHED_GRADIENT_RATIO,
} from './thresholds.js';
export { formatHealthReport } from './format-health-report.js';
export type { FormatHealthReportOptions } from './format-health-report.js';
