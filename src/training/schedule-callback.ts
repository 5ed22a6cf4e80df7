import type { Optimizer } from '../optimizers/index.js';
import type { Scheduler, SchedulerState } from '../schedulers/index.js';
import type { Callback } from './callback.js';
import type { StepRecord } from './step-record.js';

interface Scheduled {
  readonly optimizer: Optimizer;
  readonly step: number;
}

/**
 * A change to the schedule's learning rates, made by the collapse guard's remedies: every lr is
 * multiplied by `scale`, ramped up linearly from `warmupFrom` x to 1 x over `warmupSteps` steps
 * starting at `warmupStart`, and kept at or above `floor`.
 */
export interface LrAdjustment {
  scale: number;
  floor: number;
  warmupStart: number;
  warmupSteps: number;
  warmupFrom: number;
}

const NO_ADJUSTMENT: LrAdjustment = { scale: 1, floor: 0, warmupStart: 0, warmupSteps: 0, warmupFrom: 1 };

/**
 * Drives the learning rate: a per-step schedule (step, cosine, warmup) after every optimizer step,
 * and ReduceLROnPlateau at the end of each epoch on the epoch's mean training loss. `warmup` ramps
 * the first `steps` steps' lr linearly up from `from` x, on top of the schedule: the warmup of an
 * epoch schedule, which `LinearWarmup` (per-step) cannot wrap.
 *
 * @example
 * const schedule = new ScheduleCallback(new ReduceLROnPlateau({ lr: 1e-3 }), { steps: 100, from: 1 / 3 });
 */
export class ScheduleCallback<T extends Scheduled> implements Callback<T> {
  private lossSum = 0;
  private lossCount = 0;
  private adjustment: LrAdjustment;

  constructor(
    readonly scheduler: Scheduler,
    warmup: { steps: number; from: number } | null = null,
  ) {
    this.adjustment =
      warmup === null ? { ...NO_ADJUSTMENT } : { ...NO_ADJUSTMENT, warmupSteps: warmup.steps, warmupFrom: warmup.from };
  }

  /** The guard's change to the learning rates so far. */
  get lrAdjustment(): LrAdjustment {
    return { ...this.adjustment };
  }

  /**
   * Changes every learning rate from now on (a remedy of the collapse guard) and applies it to the
   * optimizer at once: `trainer.step` is the step the next lr is for.
   */
  adjust(trainer: T, change: Partial<LrAdjustment>): void {
    this.adjustment = { ...this.adjustment, ...change };
    trainer.optimizer.learningRate = this.lrAt(trainer.step);
  }

  /** The schedule's lr with the guard's adjustment, for step `step`. */
  private lrAt(step: number): number {
    const { scale, floor, warmupStart, warmupSteps, warmupFrom } = this.adjustment;
    const into = step - warmupStart;
    const ramp =
      warmupSteps > 0 && into >= 0 && into < warmupSteps ? warmupFrom + ((1 - warmupFrom) * into) / warmupSteps : 1;
    return Math.max(floor, this.scheduler.lr * scale * ramp);
  }

  /** The schedule and the epoch's running loss, so a run resumed mid-epoch steps exactly as one that was not stopped. */
  state(): { scheduler: SchedulerState; lossSum: number; lossCount: number; adjustment: LrAdjustment } {
    return {
      scheduler: this.scheduler.state(),
      lossSum: this.lossSum,
      lossCount: this.lossCount,
      adjustment: { ...this.adjustment },
    };
  }

  loadState(state: { scheduler: SchedulerState; lossSum: number; lossCount: number; adjustment?: LrAdjustment }): void {
    this.scheduler.loadState(state.scheduler);
    this.lossSum = state.lossSum;
    this.lossCount = state.lossCount;
    this.adjustment = { ...NO_ADJUSTMENT, ...state.adjustment };
  }

  onTrainBegin(trainer: T): void {
    trainer.optimizer.learningRate = this.lrAt(trainer.step);
  }

  onStepEnd(trainer: T, record: StepRecord): void {
    if (this.scheduler.interval === 'step') {
      this.scheduler.step();
    } else if (Number.isFinite(record.loss)) {
      this.lossSum += record.loss;
      this.lossCount += 1;
    }
    // Every step: a ramp (the warmup, or a remedy's) moves the lr of an epoch schedule too.
    trainer.optimizer.learningRate = this.lrAt(record.step + 1);
  }

  onEpochEnd(trainer: T): void {
    if (this.scheduler.interval !== 'epoch') return;
    // An epoch without a finite loss counts as not improving (NaN is never better in torch).
    const mean = this.lossCount === 0 ? NaN : this.lossSum / this.lossCount;
    this.scheduler.step(mean);
    trainer.optimizer.learningRate = this.lrAt(trainer.step);
    this.lossSum = 0;
    this.lossCount = 0;
  }
}
