import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { noGradient } from '../ops/no-gradient.js';
import { BaseReducer, zeroLoss } from './base-reducer.js';

/**
 * The sum of the per-element losses divided by a divisor the loss supplies:
 * `L = sum_i l_i / divisor`, and PML's zero loss `sum(embeddings * 0)` when the divisor is 0.
 * The default reducer of MarginLoss (divisor: the number of positive and negative terms > 0)
 * and ProxyAnchorLoss (divisors: the proxies with a positive in the batch, and `numClasses`).
 *
 * The divisor comes from the loss (PML's `loss_info["divisor"]`), so the reducer only works with
 * a loss that supplies one: a loss that does not refuses it when it is built, and `reduce`
 * without a divisor throws.
 *
 * @example
 * const loss = new dm.MarginLoss({ reducer: new dm.DivisorReducer() }); // the default
 * new dm.DivisorReducer().reduceWithDivisor(losses, embeddings, 4);   // sum(losses) / 4
 */
export class DivisorReducer extends BaseReducer {
  /**
   * `sum(losses) / divisor`, or the zero loss when the divisor is 0. A tensor divisor (counted on
   * the backend, as MarginLoss does) stays on it: nothing is read back.
   */
  reduceWithDivisor(losses: tf.Tensor1D, embeddings: tf.Tensor2D, divisor: number | tf.Scalar): tf.Scalar {
    if (losses.rank !== 1) {
      throw invalidArgument(`Argument \`losses\` must be 1-D. Received: shape [${losses.shape.join(', ')}]`);
    }
    if (typeof divisor === 'number') {
      if (!Number.isFinite(divisor)) {
        throw invalidArgument(`Argument \`divisor\` must be a finite number. Received: divisor=${divisor}`);
      }
      return tf.tidy(() =>
        losses.size === 0 || divisor === 0 ? zeroLoss(embeddings) : tf.div(tf.sum(losses), divisor),
      );
    }
    return tf.tidy(() => {
      if (losses.size === 0) return zeroLoss(embeddings);
      const nonZero = noGradient((d) => tf.notEqual(d, 0), divisor);
      // A safe divisor in the branch that is not taken: 0/0 there would turn its zero gradient into NaN.
      const safe = tf.where(nonZero, divisor, tf.onesLike(divisor));
      return tf.where(nonZero, tf.div(tf.sum(losses), safe), zeroLoss(embeddings)) as tf.Scalar;
    });
  }

  protected reduceLosses(): tf.Scalar {
    throw invalidArgument(
      'DivisorReducer divides by a divisor that the loss supplies: use it with MarginLoss or ProxyAnchorLoss, ' +
        'or call reduceWithDivisor(losses, embeddings, divisor)',
    );
  }
}
