import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';

/**
 * `out[i] = x.flatten()[indices[i]]`: picks entries of a tensor by their row-major position, with a
 * gradient that scatters the upstream gradient back with `scatterND` (which sums repeated indices).
 *
 * Why not `tf.gather`: its gradient is `UnsortedSegmentSum`, which the cpu backend runs as a loop
 * over every segment (O(size x indices), ruinous for an n x n distance matrix) and the wasm backend
 * lacks. `scatterND` is O(size + indices) on both. The indices are plain integers known before the
 * differentiable part runs, so the op needs no data from the backend and stays synchronous.
 *
 * @param x any tensor; its entries are addressed in row-major order
 * @param indices positions in `[0, x.size)`; repeats are allowed (their gradients add up)
 * @returns a 1-D tensor of `indices.length` entries, with `x`'s dtype
 *
 * @example
 * const mat = tf.tensor2d([[0, 1], [2, 3]]);
 * gatherFlat(mat, Int32Array.of(1 * 2 + 0, 3)); // [2, 3]: entries (1, 0) and (1, 1)
 */
export function gatherFlat(x: tf.Tensor, indices: Int32Array): tf.Tensor1D {
  if (!(x instanceof tf.Tensor)) {
    throw invalidArgument(`Argument \`x\` must be a tf.Tensor. Received: ${String(x)}`);
  }
  if (!(indices instanceof Int32Array)) {
    throw invalidArgument(`Argument \`indices\` must be an Int32Array. Received: ${String(indices)}`);
  }
  const size = x.size;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (v < 0 || v >= size) {
      throw invalidArgument(
        `Argument \`indices\` must hold positions in [0, ${size}) (the size of \`x\`). Received: indices[${i}]=${v}`,
      );
    }
  }
  const shape = x.shape;
  const k = indices.length;
  // The indices stay a JS array captured by the closures: a tensor made in the forward pass would
  // be disposed by the caller's tidy before the backward pass runs.
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xs = args[0] as tf.Tensor;
    const value = k === 0 ? tf.zeros([0], xs.dtype) : tf.gather(tf.reshape(xs, [size]), tf.tensor1d(indices, 'int32'));
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        if (k === 0) return [tf.zeros(shape)];
        const positions = tf.tensor2d(indices, [k, 1], 'int32');
        return [tf.reshape(tf.scatterND(positions, dy, [size]), shape)];
      },
    };
  });
  return op(x) as tf.Tensor1D;
}
