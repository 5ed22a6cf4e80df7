import { tf } from '../tf.js';
import { noGradient } from '../ops/no-gradient.js';
import { BaseReducer, zeroLoss } from './base-reducer.js';

/**
 * The mean of the losses that are > 0: `L = sum_{l_i > 0} l_i / #{l_i > 0}`. The default reducer
 * of the triplet loss: averaging over active triplets only keeps the gradient from fading as most
 * triplets become satisfied. NaN losses fail `> 0` and are dropped, as in PML. With no positive
 * loss the result is PML's zero loss, `sum(embeddings * 0)`.
 *
 * @example
 * const loss = new dm.TripletMarginLoss({ reducer: new dm.AvgNonZeroReducer() });
 */
export class AvgNonZeroReducer extends BaseReducer {
  protected reduceLosses(losses: tf.Tensor1D, embeddings: tf.Tensor2D): tf.Scalar {
    const active = noGradient((v) => tf.greater(v, 0), losses);
    const count = tf.sum(tf.cast(active, 'float32'));
    // where(), not a multiply by the mask: NaN * 0 would bring the dropped NaN back.
    const mean = tf.div(tf.sum(tf.where(active, losses, tf.zerosLike(losses))), tf.maximum(count, 1));
    // The condition comes from differentiable values too; tfjs has no gradient for Greater.
    const any = noGradient((c) => tf.greater(c, 0), count);
    return tf.where(any, mean, zeroLoss(embeddings)) as tf.Scalar;
  }
}
