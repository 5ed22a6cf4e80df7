import { tf } from '../tf.js';
import { noGradient } from '../ops/no-gradient.js';
import { checkNumber } from '../validation.js';
import { BaseRegularizer, type BaseRegularizerOptions } from './base-regularizer.js';

export interface LpRegularizerOptions extends BaseRegularizerOptions {
  /** The order of the norm. Default 2. */
  p?: number;
  /** The norm is raised to this power. Default 1. */
  power?: number;
}

/**
 * The Lp norm of each embedding, raised to `power`, reduced over the rows (PML's `LpRegularizer`):
 *
 *   R = reducer_i( ||x_i||_p ^ power )          (default reducer: the mean)
 *
 * It keeps embeddings from growing without bound when the distance does not normalize them. The
 * gradient at a zero row is 0, as torch's (`torch.norm'(0) = 0`), not the NaN of sqrt'(0).
 *
 * Options (PML's names and defaults): `p = 2` (finite, >= 1), `power = 1` (> 0),
 * `reducer = new MeanReducer()`.
 *
 * @example
 * const loss = new dm.ContrastiveLoss({ embeddingRegularizer: new dm.LpRegularizer({ power: 2 }) });
 */
export class LpRegularizer extends BaseRegularizer {
  readonly p: number;
  readonly power: number;

  constructor(options: LpRegularizerOptions = {}) {
    super(options, 'LpRegularizer', ['p', 'power']);
    this.p = checkNumber('p', options.p ?? 2, { min: 1 });
    this.power = checkNumber('power', options.power ?? 1, { minExclusive: 0 });
  }

  protected computeLosses(embeddings: tf.Tensor2D): tf.Tensor1D {
    return rowNorms(embeddings, this.p, this.power);
  }
}

/**
 * ||x_i||_p ^ power per row, with torch's zero gradient where a row (or, for p = 1, an entry) is
 * 0. The power is taken inside the guard: tf.where's gradient multiplies by the mask, so an
 * infinite slope of pow at 0 (power < 1) would come back as NaN through it.
 */
function rowNorms(x: tf.Tensor2D, p: number, power: number): tf.Tensor1D {
  const raise = (t: tf.Tensor1D) => (power === 1 ? t : tf.pow(t, power));
  // x * sign(x) is |x| with the gradient sign(x), 0 at 0; tf.abs has the gradient -1 at 0.
  const sum: tf.Tensor1D =
    p === 1 ? tf.sum(tf.mul(x, tf.sign(x)), 1) : p === 2 ? tf.sum(tf.square(x), 1) : tf.sum(tf.pow(tf.abs(x), p), 1);
  if (p === 1 && power >= 1) return raise(sum) as tf.Tensor1D;
  const positive = noGradient((s) => tf.greater(s, 0), sum);
  const safe = tf.where(positive, sum, tf.onesLike(sum));
  const root = p === 1 ? safe : p === 2 ? tf.sqrt(safe) : tf.pow(safe, 1 / p);
  return tf.where(positive, raise(root as tf.Tensor1D), tf.zerosLike(sum)) as tf.Tensor1D;
}
