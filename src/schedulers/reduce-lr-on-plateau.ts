import { invalidArgument } from '../errors.js';
import { checkChoice, checkNumber } from '../validation.js';
import { checkStateKind, type Scheduler, type SchedulerInterval, type SchedulerState } from './scheduler.js';

export interface ReduceLROnPlateauOptions {
  /** The initial learning rate. */
  lr: number;
  /** `'min'`: the metric should fall (a loss); `'max'`: it should rise (an accuracy). */
  mode?: 'min' | 'max';
  /** The lr is multiplied by this on a plateau; must be < 1. */
  factor?: number;
  /** The number of bad epochs tolerated; the lr falls on the next one. */
  patience?: number;
  /** How much better a metric must be to count as an improvement. */
  threshold?: number;
  /** `'rel'`: better than `best * (1 ∓ threshold)`; `'abs'`: better than `best ∓ threshold`. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted. */
  cooldown?: number;
  /** The lr never falls below this. */
  minLr?: number;
  /** A reduction smaller than this is skipped. */
  eps?: number;
}

/**
 * A number of the state that may be infinite: JSON has no Infinity, so those are written as the
 * strings the oracle files use.
 */
export type EncodedNumber = number | 'Infinity' | '-Infinity';

/** The state of a ReduceLROnPlateau, for checkpoints. */
export interface ReduceLROnPlateauState {
  kind: 'reduce-lr-on-plateau';
  lr: number;
  best: EncodedNumber;
  numBadEpochs: number;
  cooldownCounter: number;
  stepCount: number;
}

/**
 * Lowers the learning rate when a monitored metric stops improving, with exactly the semantics
 * (and the same double values) of torch 1.13's `torch.optim.lr_scheduler.ReduceLROnPlateau`.
 * `step(metric)` is called once per epoch with the validation metric (`interval = 'epoch'`).
 *
 * Each step:
 * 1. `metric` is better when (mode/thresholdMode) min/rel: `metric < best * (1 - threshold)`;
 *    min/abs: `metric < best - threshold`; max/rel: `metric > best * (threshold + 1)`;
 *    max/abs: `metric > best + threshold`. Better: `best = metric`, `numBadEpochs = 0`;
 *    otherwise `numBadEpochs += 1`. NaN is never better.
 * 2. During a cooldown (`cooldownCounter > 0`) the counter falls by one and `numBadEpochs = 0`.
 * 3. If `numBadEpochs > patience`: `newLr = max(lr * factor, minLr)`, applied only when
 *    `lr - newLr > eps`; then `cooldownCounter = cooldown`, `numBadEpochs = 0`.
 *
 * Consequences worth knowing (they are torch's): on a plateau the lr falls every
 * `patience + 1 + cooldown` epochs; in `rel` mode with a negative metric, `best * (1 - threshold)`
 * lies above `best`, so an unchanged negative metric counts as improving and the lr never falls;
 * with `minLr = 0` the eps rule stops the decay near `eps`.
 *
 * Options (torch's, camelCase): `lr` (required), `mode = 'min'`, `factor = 0.1`, `patience = 10`,
 * `threshold = 1e-4`, `thresholdMode = 'rel'`, `cooldown = 0`, `minLr = 0`, `eps = 1e-8`.
 *
 * @example
 * const scheduler = new dm.ReduceLROnPlateau({ lr: 0.1, patience: 2 });
 * for (let epoch = 0; epoch < 50; epoch++) {
 *   trainOneEpoch(scheduler.lr);
 *   scheduler.step(validationLoss());   // returns the lr for the next epoch
 * }
 */
export class ReduceLROnPlateau implements Scheduler {
  readonly interval: SchedulerInterval = 'epoch';
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;

  private currentLr: number;
  private bestMetric: number;
  private badEpochs = 0;
  private cooldownLeft = 0;
  private steps = 0;

  constructor(options: ReduceLROnPlateauOptions) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `Argument \`options\` must be an object with at least \`lr\`. Received: ${String(options)}`,
      );
    }
    this.currentLr = checkNumber('lr', options.lr, { minExclusive: 0 });
    this.mode = checkChoice('mode', options.mode ?? 'min', ['min', 'max'] as const);
    this.factor = checkNumber('factor', options.factor ?? 0.1, {
      min: 0,
      maxExclusive: 1,
      why: 'the lr is multiplied by it on a plateau; torch raises for factor >= 1',
    });
    this.patience = checkNumber('patience', options.patience ?? 10, { integer: true, min: 0 });
    this.threshold = checkNumber('threshold', options.threshold ?? 1e-4, { min: 0 });
    this.thresholdMode = checkChoice('thresholdMode', options.thresholdMode ?? 'rel', ['rel', 'abs'] as const);
    this.cooldown = checkNumber('cooldown', options.cooldown ?? 0, { integer: true, min: 0 });
    this.minLr = checkNumber('minLr', options.minLr ?? 0, {
      min: 0,
      max: this.currentLr,
      why: 'the lr never falls below it, so it cannot exceed the initial lr',
    });
    this.eps = checkNumber('eps', options.eps ?? 1e-8, { min: 0 });
    this.bestMetric = this.worst();
  }

  get lr(): number {
    return this.currentLr;
  }

  /** The best metric so far (`Infinity` in min mode, `-Infinity` in max mode before any step). */
  get best(): number {
    return this.bestMetric;
  }

  /** Consecutive epochs without improvement, as torch counts them. */
  get numBadEpochs(): number {
    return this.badEpochs;
  }

  /** Epochs of cooldown left. */
  get cooldownCounter(): number {
    return this.cooldownLeft;
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Records one epoch's `metric` (NaN counts as a bad epoch) and returns the lr for the next epoch. */
  step(metric?: number): number {
    if (typeof metric !== 'number') {
      throw invalidArgument(
        `ReduceLROnPlateau.step needs the monitored metric: call it once per epoch as step(validationMetric). Received: metric=${String(metric)}`,
      );
    }
    this.steps += 1;
    if (this.isBetter(metric)) {
      this.bestMetric = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs += 1;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.patience) {
      const newLr = Math.max(this.currentLr * this.factor, this.minLr);
      if (this.currentLr - newLr > this.eps) this.currentLr = newLr;
      this.cooldownLeft = this.cooldown;
      this.badEpochs = 0;
    }
    return this.currentLr;
  }

  state(): ReduceLROnPlateauState {
    return {
      kind: 'reduce-lr-on-plateau',
      lr: this.currentLr,
      best: encode(this.bestMetric),
      numBadEpochs: this.badEpochs,
      cooldownCounter: this.cooldownLeft,
      stepCount: this.steps,
    };
  }

  loadState(state: SchedulerState): void {
    checkStateKind(state, 'reduce-lr-on-plateau');
    const lr = checkNumber('state.lr', state.lr, { min: 0 }, 'Field');
    const best = decode(state.best);
    const badEpochs = checkNumber('state.numBadEpochs', state.numBadEpochs, { integer: true, min: 0 }, 'Field');
    const cooldownLeft = checkNumber(
      'state.cooldownCounter',
      state.cooldownCounter,
      { integer: true, min: 0 },
      'Field',
    );
    const steps = checkNumber('state.stepCount', state.stepCount, { integer: true, min: 0 }, 'Field');
    this.currentLr = lr;
    this.bestMetric = best;
    this.badEpochs = badEpochs;
    this.cooldownLeft = cooldownLeft;
    this.steps = steps;
  }

  // Each comparison is written as torch writes it, so that ties and roundings fall the same way.
  private isBetter(metric: number): boolean {
    const best = this.bestMetric;
    if (this.mode === 'min') {
      return this.thresholdMode === 'rel' ? metric < best * (1 - this.threshold) : metric < best - this.threshold;
    }
    return this.thresholdMode === 'rel' ? metric > best * (this.threshold + 1) : metric > best + this.threshold;
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }
}

function encode(x: number): EncodedNumber {
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

function decode(x: unknown): number {
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  // best only ever holds a metric that compared better, so it is never NaN.
  return checkNumber('state.best', x, { why: "or the string 'Infinity' or '-Infinity'" }, 'Field');
}
