import { tf } from '../tf.js';

/**
 * `fn(...inputs)` computed off the gradient tape, with a zero gradient for every input. For masks
 * built from differentiable values: tfjs has no gradient for comparisons, and backprop stops with
 * an error when one lies between the variables and the loss, even under a `tf.where`.
 */
export function noGradient<T extends tf.Tensor>(fn: (...inputs: tf.Tensor[]) => T, ...inputs: tf.Tensor[]): T {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return { value: fn(...xs), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
  });
  return f(...inputs) as T;
}
