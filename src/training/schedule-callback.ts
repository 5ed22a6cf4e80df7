import type { Optimizer } from '../optimizers/index.js';
import type { Scheduler, SchedulerState } from '../schedulers/index.js';
import type { Callback } from './callback.js';
import type { StepRecord } from './step-record.js';

interface Scheduled {
  readonly optimizer: Optimizer;
}

/**
 * Drives the learning rate: a per-step schedule (step, cosine, warmup) after every optimizer step,
 * and ReduceLROnPlateau at the end of each epoch on the epoch's mean training loss.
 */
export class ScheduleCallback<T extends Scheduled> implements Callback<T> {
  private lossSum = 0;
  private lossCount = 0;

  constructor(readonly scheduler: Scheduler) {}

  /** The schedule and the epoch's running loss, so a run resumed mid-epoch steps exactly as one that was not stopped. */
  state(): { scheduler: SchedulerState; lossSum: number; lossCount: number } {
    return { scheduler: this.scheduler.state(), lossSum: this.lossSum, lossCount: this.lossCount };
  }

  loadState(state: { scheduler: SchedulerState; lossSum: number; lossCount: number }): void {
    this.scheduler.loadState(state.scheduler);
    this.lossSum = state.lossSum;
    this.lossCount = state.lossCount;
  }

  onTrainBegin(trainer: T): void {
    trainer.optimizer.learningRate = this.scheduler.lr;
  }

  onStepEnd(trainer: T, record: StepRecord): void {
    if (this.scheduler.interval === 'step') {
      trainer.optimizer.learningRate = this.scheduler.step();
    } else if (Number.isFinite(record.loss)) {
      this.lossSum += record.loss;
      this.lossCount += 1;
    }
  }

  onEpochEnd(trainer: T): void {
    if (this.scheduler.interval !== 'epoch') return;
    // An epoch without a finite loss counts as not improving (NaN is never better in torch).
    const mean = this.lossCount === 0 ? NaN : this.lossSum / this.lossCount;
    trainer.optimizer.learningRate = this.scheduler.step(mean);
    this.lossSum = 0;
    this.lossCount = 0;
  }
}
