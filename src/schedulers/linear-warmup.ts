import { invalidArgument } from '../errors.js';
import { checkNumber } from '../validation.js';
import { checkStateKind, type Scheduler, type SchedulerInterval, type SchedulerState } from './scheduler.js';

export interface LinearWarmupOptions {
  /** The number of warmup steps; 0 means no warmup. */
  warmupSteps: number;
  /** The fraction of the target lr used at the first step, in [0, 1]. */
  startFactor?: number;
  /** The target lr; required without `after`, not allowed with it (the target is then `after.lr`). */
  lr?: number;
  /** The per-step schedule that takes over after the warmup; without it the lr stays at `lr`. */
  after?: Scheduler;
}

/** The share of the target lr at the first warmup step unless told otherwise: torch's LinearLR default. */
export const DEFAULT_START_FACTOR = 1 / 3;

/** The state of a LinearWarmup (and of the schedule it wraps), for checkpoints. */
export interface LinearWarmupState {
  kind: 'linear-warmup';
  stepCount: number;
  after: SchedulerState | null;
}

/**
 * Ramps the learning rate up linearly over `warmupSteps` optimizer steps, then hands over to
 * `after`, whose own step count starts when the warmup ends. After `t` calls of `step()`:
 *
 * `lr_t = base * (startFactor + (1 - startFactor) * t / warmupSteps)` for `t < warmupSteps`,
 * and afterwards the lr of `after` after `t - warmupSteps` of its steps (or `base`).
 *
 * `base` is `after.lr` when `after` is given (pass a fresh scheduler), else `lr`. This is torch's
 * `SequentialLR([LinearLR(startFactor, 1, warmupSteps), after], milestones=[warmupSteps])`
 * in closed form. One `step()` is one optimizer step (`interval = 'step'`); `after` must be a
 * per-step schedule too, so ReduceLROnPlateau cannot be wrapped (`deepmetric train` ramps its lr
 * with the ScheduleCallback instead).
 *
 * Options: `warmupSteps` (required, integer >= 0), `startFactor = 1/3` (torch's LinearLR default),
 * `lr` or `after`.
 *
 * @example
 * const scheduler = new dm.LinearWarmup({
 *   warmupSteps: 500,
 *   startFactor: 0.1,
 *   after: new dm.CosineAnnealingLR({ lr: 0.1, tMax: 9500 }),
 * });
 * scheduler.step();   // after each optimizer step: 0.01 -> 0.1 over 500 steps, then cosine
 */
export class LinearWarmup implements Scheduler {
  readonly interval: SchedulerInterval = 'step';
  readonly warmupSteps: number;
  readonly startFactor: number;
  /** The lr the warmup ramps up to. */
  readonly baseLr: number;
  readonly after: Scheduler | null;
  private steps = 0;

  constructor(options: LinearWarmupOptions) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `Argument \`options\` must be an object with \`warmupSteps\`. Received: ${String(options)}`,
      );
    }
    this.warmupSteps = checkNumber('warmupSteps', options.warmupSteps, { integer: true, min: 0 });
    this.startFactor = checkNumber('startFactor', options.startFactor ?? DEFAULT_START_FACTOR, { min: 0, max: 1 });
    const after = options.after;
    if (after === undefined) {
      if (options.lr === undefined) {
        throw invalidArgument(
          'LinearWarmup needs `lr` (the lr to ramp up to) or `after` (a schedule to hand over to). Received neither',
        );
      }
      this.baseLr = checkNumber('lr', options.lr, { minExclusive: 0 });
      this.after = null;
    } else {
      if (after === null || typeof after !== 'object' || typeof after.step !== 'function') {
        throw invalidArgument(
          `Option \`after\` must be a scheduler (StepLR, CosineAnnealingLR, ...). Received: after=${String(after)}`,
        );
      }
      if (after.interval !== 'step') {
        throw invalidArgument(
          `Option \`after\` must step once per optimizer step, like the warmup does. Received: a scheduler with interval '${after.interval}' (ReduceLROnPlateau steps once per epoch with a metric; use it without warmup)`,
        );
      }
      if (options.lr !== undefined) {
        throw invalidArgument(
          `Give either \`lr\` or \`after\`: with \`after\` the warmup ramps up to after.lr (${after.lr}). Received: lr=${String(options.lr)}`,
        );
      }
      this.baseLr = after.lr;
      this.after = after;
    }
  }

  get lr(): number {
    const t = this.steps;
    if (t < this.warmupSteps) {
      return this.baseLr * (this.startFactor + ((1 - this.startFactor) * t) / this.warmupSteps);
    }
    return this.after === null ? this.baseLr : this.after.lr;
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Advances one optimizer step and returns the lr for the next one. A metric, if given, is ignored. */
  step(metric?: number): number {
    this.steps += 1;
    if (this.steps > this.warmupSteps && this.after !== null) this.after.step(metric);
    return this.lr;
  }

  state(): LinearWarmupState {
    return { kind: 'linear-warmup', stepCount: this.steps, after: this.after === null ? null : this.after.state() };
  }

  loadState(state: SchedulerState): void {
    checkStateKind(state, 'linear-warmup');
    const steps = checkNumber('state.stepCount', state.stepCount, { integer: true, min: 0 }, 'Field');
    if ((state.after === null) !== (this.after === null)) {
      throw invalidArgument(
        `Argument \`state\` was saved by a LinearWarmup ${state.after === null ? 'without' : 'with'} an \`after\` schedule, but this one has ${this.after === null ? 'none' : 'one'}`,
      );
    }
    if (this.after !== null && state.after !== null) this.after.loadState(state.after);
    this.steps = steps;
  }
}
