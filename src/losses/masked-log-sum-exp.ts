import { tf } from '../tf.js';
import { noGradient } from '../ops/no-gradient.js';
import { FLOAT32_MAX } from './float32-limits.js';

/**
 * `log(sum(exp(x)))` along `axis` over the entries where `mask` is true, as PML's
 * `lmu.logsumexp`: masked-out entries are set to float32's lowest value (not -Infinity, so every
 * row stays finite), `addOne` appends a 0 entry (`log(1 + sum(exp(x)))`), and a row (or column)
 * with no kept entry gives 0. torch's formula: `max + log(sum(exp(x - max)))` with the max off
 * the gradient, so the gradient is the softmax of the kept entries.
 *
 * @param x an n x m matrix
 * @param mask n x m booleans
 * @param keep n (axis 1) or m (axis 0) booleans: whether the row (column) has a kept entry
 * @returns one value per row (axis 1) or per column (axis 0)
 *
 * @example
 * maskedLogSumExp(x, mask, keep, true, 1); // MultiSimilarityLoss's log(1 + sum_p e^(alpha (base - s_ap)))
 */
export function maskedLogSumExp(
  x: tf.Tensor2D,
  mask: tf.Tensor2D,
  keep: tf.Tensor1D,
  addOne: boolean,
  axis: 0 | 1,
): tf.Tensor1D {
  return tf.tidy(() => {
    let filled: tf.Tensor2D = tf.where(mask, x, tf.fill(x.shape, -FLOAT32_MAX));
    if (addOne) {
      const zeros = axis === 1 ? tf.zeros([x.shape[0], 1]) : tf.zeros([1, x.shape[1]]);
      filled = tf.concat([filled, zeros as tf.Tensor2D], axis);
    }
    const max = noGradient((v) => tf.max(v, axis, true), filled);
    const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(filled, max)), axis)), tf.reshape(max, [-1]));
    return tf.where(keep, lse, tf.zerosLike(lse)) as tf.Tensor1D;
  });
}
