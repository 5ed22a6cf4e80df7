import { invalidArgument } from '../errors.js';
import { checkNumber } from '../validation.js';
import { ClosedFormScheduler } from './closed-form-scheduler.js';

export interface CosineAnnealingLROptions {
  /** The initial (largest) learning rate. */
  lr: number;
  /** The number of steps from `lr` down to `etaMin`. */
  tMax: number;
  /** The smallest learning rate. */
  etaMin?: number;
}

/** The state of a CosineAnnealingLR, for checkpoints. */
export interface CosineAnnealingLRState {
  kind: 'cosine-annealing-lr';
  stepCount: number;
}

/**
 * Anneals the learning rate along half a cosine, in torch's closed form:
 * `lr_t = etaMin + (lr - etaMin) * (1 + cos(pi * t / tMax)) / 2` after `t` calls of `step()`.
 *
 * One `step()` is one optimizer step (`interval = 'step'`): set `tMax` to the number of steps
 * of the run. As in torch, the formula goes on past `tMax`: the lr rises again towards `lr`
 * (reached at `2 * tMax`); there are no warm restarts.
 *
 * Options: `lr` (required), `tMax` (required, integer >= 1), `etaMin = 0` (in [0, lr]).
 *
 * @example
 * const scheduler = new dm.CosineAnnealingLR({ lr: 0.1, tMax: epochs * batchesPerEpoch });
 * scheduler.step();   // after each optimizer step
 */
export class CosineAnnealingLR extends ClosedFormScheduler {
  protected readonly kind = 'cosine-annealing-lr' as const;
  readonly initialLr: number;
  readonly tMax: number;
  readonly etaMin: number;

  constructor(options: CosineAnnealingLROptions) {
    super();
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `Argument \`options\` must be an object with \`lr\` and \`tMax\`. Received: ${String(options)}`,
      );
    }
    this.initialLr = checkNumber('lr', options.lr, { minExclusive: 0 });
    this.tMax = checkNumber('tMax', options.tMax, { integer: true, min: 1 });
    this.etaMin = checkNumber('etaMin', options.etaMin ?? 0, {
      min: 0,
      max: this.initialLr,
      why: 'the lr anneals from lr down to etaMin',
    });
  }

  // The order of operations is torch's, so the doubles agree with it up to the libm's cos.
  protected lrAt(t: number): number {
    return this.etaMin + ((this.initialLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}
