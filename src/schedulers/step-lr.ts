import { invalidArgument } from '../errors.js';
import { checkNumber } from '../validation.js';
import { ClosedFormScheduler } from './closed-form-scheduler.js';

export interface StepLROptions {
  /** The initial learning rate. */
  lr: number;
  /** The number of steps between two decays. */
  stepSize: number;
  /** The factor applied at each decay. */
  gamma?: number;
}

/** The state of a StepLR, for checkpoints. */
export interface StepLRState {
  kind: 'step-lr';
  stepCount: number;
}

/**
 * Decays the learning rate by `gamma` every `stepSize` steps, in torch's closed form:
 * `lr_t = lr * gamma^floor(t / stepSize)` after `t` calls of `step()`.
 *
 * One `step()` is one optimizer step (`interval = 'step'`); for a decay per epoch, give
 * `stepSize` in steps (epochs x batches per epoch). torch's `StepLR.step()` multiplies the
 * previous lr instead, which can differ from this closed form in the last bit.
 *
 * Options: `lr` (required), `stepSize` (required, integer >= 1), `gamma = 0.1`.
 *
 * @example
 * const scheduler = new dm.StepLR({ lr: 0.05, stepSize: 1000, gamma: 0.5 });
 * scheduler.step();   // after each optimizer step; 0.025 from step 1000 on
 */
export class StepLR extends ClosedFormScheduler {
  protected readonly kind = 'step-lr' as const;
  readonly initialLr: number;
  readonly stepSize: number;
  readonly gamma: number;

  constructor(options: StepLROptions) {
    super();
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `Argument \`options\` must be an object with \`lr\` and \`stepSize\`. Received: ${String(options)}`,
      );
    }
    this.initialLr = checkNumber('lr', options.lr, { minExclusive: 0 });
    this.stepSize = checkNumber('stepSize', options.stepSize, { integer: true, min: 1 });
    this.gamma = checkNumber('gamma', options.gamma ?? 0.1, { minExclusive: 0 });
  }

  protected lrAt(t: number): number {
    return this.initialLr * this.gamma ** Math.floor(t / this.stepSize);
  }
}
