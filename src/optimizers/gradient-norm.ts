import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';

/**
 * The global L2 norm of a set of gradients, as one vector:
 *
 *   ||g|| = sqrt(sum over tensors t, entries i of g_t,i^2)
 *
 * (torch's `clip_grad_norm_` total norm). A scalar the caller disposes; 0 for no gradients.
 *
 * @example
 * const { value, grads } = tf.variableGrads(loss);
 * const norm = gradientNorm(grads); // log it, or clip with it
 */
export function gradientNorm(grads: tf.NamedTensorMap | tf.Tensor[]): tf.Scalar {
  if (typeof grads !== 'object' || grads === null) {
    throw invalidArgument(
      `Argument \`grads\` must be a map of named tensors or a tensor array. Received: grads=${String(grads)}`,
    );
  }
  const tensors = Array.isArray(grads) ? grads : Object.values(grads);
  tensors.forEach((t, i) => {
    if (!(t instanceof tf.Tensor)) {
      throw invalidArgument(`Argument \`grads\` must hold tensors. Received: entry ${i}=${String(t)}`);
    }
  });
  return tf.tidy(() => {
    let sum: tf.Scalar = tf.scalar(0);
    for (const t of tensors) sum = tf.add(sum, tf.sum(tf.square(t)));
    return tf.sqrt(sum);
  });
}
