export { Trainer } from './trainer.js';
export type { TrainerOptions } from './trainer.js';
export type { Callback } from './callback.js';
export type { StepRecord } from './step-record.js';
export { runTraining, CONFIG_JSON, SUMMARY_JSON, LOG_JSONL, MODEL_DIR, CHECKPOINT_DIR } from './run-training.js';
export type { RunTrainingOptions, TrainSummary } from './run-training.js';
export { resolveConfig, totalSteps, DEFAULT_CONFIG } from './train-config.js';
export type { TrainConfig, LossName, DistanceName, MinerName, OptimizerName, ScheduleName, GuardMode } from './train-config.js';
export { saveCheckpoint, loadCheckpoint, readCheckpointState, checkpointModelDir } from './checkpoint.js';
export type { TrainingState } from './checkpoint.js';
export { CheckpointCallback } from './checkpoint-callback.js';
export type { Stateful } from './checkpoint-callback.js';
export { LogCallback } from './log-callback.js';
export { ProgressCallback } from './progress-callback.js';
export { ScheduleCallback } from './schedule-callback.js';
export { RunLog, readRunLog } from './run-log.js';
export { dataOptions, parseHoldoutClasses } from './data-options.js';
export { distanceFor, lossFor, minerFor, scheduleFor, schedulerFor } from './run-parts.js';
export { HealthProbeCallback, probeRows, DEFAULT_PROBE_ROWS } from './health-probe-callback.js';
export type { HealthProbeOptions } from './health-probe-callback.js';
export { GuardCallback, MAX_RECOVERIES, GUARD_PERSISTENCE, HEALTHY_CHECKPOINT_STEPS } from './guard-callback.js';
export type { GuardOptions, GuardState, GuardSummary } from './guard-callback.js';
export { planRemedy, MIN_REMEDY_CONFIDENCE, REMEDY_WARMUP_STEPS } from './guard-remedy.js';
export type { RemedyPlan, LiveRun } from './guard-remedy.js';
export { collapseWatch, finalHealth, HEALTHY_CHECKPOINT_DIR } from './collapse-watch.js';
export type { CollapseWatch, CollapseWatchOptions } from './collapse-watch.js';
export type { StopKind, StopRequest } from './trainer.js';
export {
  ParallelTrainer,
  GradientWorkers,
  embedDatasetParallel,
  resolveWorkers,
  currentBackendChoice,
} from './parallel/index.js';
export type { ParallelTrainerOptions, GradientWorkersOptions, EmbedDatasetParallelOptions } from './parallel/index.js';
