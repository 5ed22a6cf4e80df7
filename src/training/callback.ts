import type { StepRecord } from './step-record.js';

/**
 * A hook into the training loop: logging, checkpoints, schedules, progress and the collapse guard
 * plug in here. Every method is optional and may be async; the trainer awaits each in order.
 */
export interface Callback<Trainer> {
  onTrainBegin?(trainer: Trainer): void | Promise<void>;
  onEpochBegin?(trainer: Trainer, epoch: number): void | Promise<void>;
  onStepEnd?(trainer: Trainer, record: StepRecord): void | Promise<void>;
  onEpochEnd?(trainer: Trainer, epoch: number): void | Promise<void>;
  onTrainEnd?(trainer: Trainer): void | Promise<void>;
}
