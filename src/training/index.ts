export { Trainer } from './trainer.js';
export type { TrainerOptions, TrainerMining, StopKind, StopRequest } from './trainer.js';
export type { Callback } from './callback.js';
export type { StepRecord } from './step-record.js';
export { saveCheckpoint, loadCheckpoint, readCheckpointState, checkpointModelDir } from './checkpoint.js';
export type { TrainingState } from './checkpoint.js';
export { CheckpointCallback } from './checkpoint-callback.js';
export type { Stateful } from './checkpoint-callback.js';
export { LogCallback } from './log-callback.js';
export type { StepLog } from './log-callback.js';
export { ProgressCallback } from './progress-callback.js';
export { ScheduleCallback } from './schedule-callback.js';
export type { LrAdjustment } from './schedule-callback.js';
export { HealthProbeCallback, probeRows, DEFAULT_PROBE_ROWS } from './health-probe-callback.js';
export type { HealthProbeOptions } from './health-probe-callback.js';
export { modelHealth } from './model-health.js';
export {
  GuardCallback,
  GUARDS,
  MAX_RECOVERIES,
  GUARD_PERSISTENCE,
  HEALTHY_CHECKPOINT_STEPS,
} from './guard-callback.js';
export type { GuardMode, GuardOptions, GuardRun, GuardState, GuardSummary, GuardedTrainer } from './guard-callback.js';
export { CurriculumCallback, CURRICULA } from './curriculum-callback.js';
export type { CurriculumName, CurriculumOptions, CurriculumStage } from './curriculum-callback.js';
export { harderMiningReady, SEPARATED_VIOLATION_FRACTION } from './harder-mining-ready.js';
export { planRemedy, MIN_REMEDY_CONFIDENCE, REMEDY_WARMUP_STEPS } from './guard-remedy.js';
export type { RemedyPlan, RemedySettings, LiveRun, Mining } from './guard-remedy.js';
export {
  ParallelTrainer,
  GradientWorkers,
  embedDatasetParallel,
  resolveWorkers,
  currentBackendChoice,
} from './parallel/index.js';
export type { ParallelTrainerOptions, GradientWorkersOptions, EmbedDatasetParallelOptions } from './parallel/index.js';
