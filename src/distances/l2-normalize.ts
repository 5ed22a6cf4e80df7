import { tf } from '../tf.js';

/** torch's `F.normalize(x, p=2, dim=1)`: x / max(||x||, 1e-12). */
const EPS = 1e-12;

/**
 * Scales each row to unit L2 norm. An all-zero row stays zero with a finite gradient, because the
 * clamp sits inside the square root (sqrt(max(sum x^2, eps^2)) == max(||x||, eps)).
 */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sumSq = tf.sum(tf.square(x), 1, true);
    return tf.div(x, tf.sqrt(tf.maximum(sumSq, EPS * EPS)));
  });
}
