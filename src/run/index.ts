export {
  CONFIG_JSON,
  SUMMARY_JSON,
  LOG_JSONL,
  MODEL_DIR,
  CHECKPOINT_DIR,
  HEALTHY_CHECKPOINT_DIR,
  REPORT_HTML,
  runPaths,
} from './run-layout.js';
export type { RunPaths } from './run-layout.js';
export {
  resolveConfig,
  totalSteps,
  DEFAULT_CONFIG,
  LOSSES,
  COSINE_LOSSES,
  DISTANCES,
  OPTIMIZERS,
  SCHEDULES,
  COLORS,
} from './train-config.js';
export type {
  TrainConfig,
  TrainSettings,
  LossName,
  DistanceName,
  DistanceChoice,
  OptimizerName,
  ScheduleName,
} from './train-config.js';
export { runTraining } from './run-training.js';
export type { RunTrainingOptions, TrainSummary } from './run-training.js';
export { RunLog, readRunLog } from './run-log.js';
export { dataOptions, parseHoldoutClasses, parseLabelColumn } from './data-options.js';
export type { DataSourceSettings } from './data-options.js';
export { distanceFor, lossFor, minerFor, scheduleFor, schedulerFor } from './run-parts.js';
export { collapseWatch, finalHealth, guardRun } from './collapse-watch.js';
export { AUTO_SEMIHARD_PER_ANCHOR, curriculumStages, SOFTMAX_TEMPERATURES } from './curriculum-stages.js';
export type { CollapseWatch, CollapseWatchOptions } from './collapse-watch.js';
export { readRun } from './read-run.js';
export type { RunFiles } from './read-run.js';
export { collapseLoss, runSettings } from './collapse-loss.js';
export { runVerdict } from './run-verdict.js';
export type { RunVerdict } from './run-verdict.js';
