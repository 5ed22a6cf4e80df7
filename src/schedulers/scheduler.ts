import { invalidArgument } from '../errors.js';
import type { CosineAnnealingLRState } from './cosine-annealing-lr.js';
import type { LinearWarmupState } from './linear-warmup.js';
import type { ReduceLROnPlateauState } from './reduce-lr-on-plateau.js';
import type { StepLRState } from './step-lr.js';

/**
 * How often the trainer calls `step()`: `'step'` after every optimizer step (StepLR,
 * CosineAnnealingLR, LinearWarmup), `'epoch'` once per epoch with the validation metric
 * (ReduceLROnPlateau).
 */
export type SchedulerInterval = 'step' | 'epoch';

/** The state of any scheduler: plain JSON (no NaN or Infinity), for checkpoints. */
export type SchedulerState = ReduceLROnPlateauState | StepLRState | CosineAnnealingLRState | LinearWarmupState;

/**
 * What every learning-rate schedule offers the trainer. tfjs has no schedulers: the trainer reads
 * `lr` and sets it on the optimizer.
 *
 * - `lr` is the learning rate to use now; before the first `step()` it is the initial one.
 * - `step(metric?)` advances the schedule by one `interval` and returns the new `lr`.
 *   ReduceLROnPlateau requires the metric; the others ignore it.
 * - `state()` / `loadState(s)` save and restore everything that `step()` changes, so that a
 *   scheduler built with the same options and given a saved state continues exactly as the
 *   original would have (the same doubles).
 *
 * @example
 * const scheduler: dm.Scheduler = new dm.CosineAnnealingLR({ lr: 0.1, tMax: 1000 });
 * optimizer.learningRate = scheduler.lr;
 * for (const batch of batches) {
 *   train(batch);
 *   setLearningRate(optimizer, scheduler.step());
 * }
 * const saved = JSON.stringify(scheduler.state());
 */
export interface Scheduler {
  readonly lr: number;
  readonly interval: SchedulerInterval;
  /** The number of `step()` calls so far. */
  readonly stepCount: number;
  step(metric?: number): number;
  state(): SchedulerState;
  loadState(state: SchedulerState): void;
}

/** Throws unless `state` is an object of the expected `kind` (a checkpoint of another scheduler, or corrupt). */
export function checkStateKind<K extends SchedulerState['kind']>(
  state: unknown,
  kind: K,
): asserts state is Extract<SchedulerState, { kind: K }> {
  const got = state !== null && typeof state === 'object' && 'kind' in state ? state.kind : undefined;
  if (got !== kind) {
    throw invalidArgument(
      `Argument \`state\` must be a state saved by the same kind of scheduler ('${kind}'). Received: kind=${String(got)}`,
    );
  }
}
