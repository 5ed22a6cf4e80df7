import { tf } from '../tf.js';
import { BaseRegularizer, type BaseRegularizerOptions } from './base-regularizer.js';

/**
 * The absolute sum of each embedding, reduced over the rows (PML's `ZeroMeanRegularizer`):
 *
 *   R = reducer_i( | sum_k x_ik | )             (default reducer: the mean)
 *
 * It pulls every embedding towards zero mean across its dimensions. The gradient of a row whose
 * sum is exactly 0 is 0, as torch's `abs'(0) = 0`.
 *
 * Options (PML's names and defaults): `reducer = new MeanReducer()`.
 *
 * @example
 * const loss = new dm.TripletMarginLoss({ embeddingRegularizer: new dm.ZeroMeanRegularizer(), embeddingRegWeight: 0.1 });
 */
export class ZeroMeanRegularizer extends BaseRegularizer {
  constructor(options: BaseRegularizerOptions = {}) {
    super(options, 'ZeroMeanRegularizer', []);
  }

  protected computeLosses(embeddings: tf.Tensor2D): tf.Tensor1D {
    const sums = tf.sum(embeddings, 1);
    // s * sign(s) is |s| with the gradient sign(s), 0 at 0; tf.abs has the gradient -1 at 0.
    return tf.mul(sums, tf.sign(sums));
  }
}
