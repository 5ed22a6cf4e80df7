import { tf } from '../../tf.js';
import { heapOffset } from './heap-offset.js';
import { simdKernels } from './simd-kernels.js';
import { wasmKernelReplacement } from './wasm-kernel-scope.js';

/**
 * `Sum` for the wasm backend with reductions over leading axes made fast: tfjs-backend-wasm 4.22
 * moves the reduced axes innermost with a `Transpose` (slow when the kept axes are few: a bias
 * gradient `sum(dy, [0, 1, 2])` of a [128, 28, 28, 32] dy spends 10 ms there) and then reduces.
 * Here x is read once in place as the `[R, S]` matrix of its reduced and kept axes,
 * `out[s] = Σ_r x[r, s]`, accumulated in float64 (as the cpu backend does) by a WebAssembly SIMD
 * loop (`sumRows`, assembly/kernels.ts). Other reductions (and int32) go to the tfjs kernel.
 *
 * @example
 * registerWasmKernels(); // replaces the tfjs kernel with this one
 * tf.sum(dy, [0, 1, 2]); // the gradient of a conv2d bias
 */
export const sumReplacement = wasmKernelReplacement<tf.SumInputs, tf.SumAttrs>(
  tf.Sum,
  (scope, { x }, attrs, original) => {
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape);
    const leading =
      axes.length > 0 && axes.length < rank && [...axes].sort((a, b) => a - b).every((axis, i) => axis === i);
    if (!leading || x.dtype !== 'float32') return scope.runConfig(original, { x }, attrs);
    const kept = x.shape.slice(axes.length);
    const out = scope.output(attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    const { backend } = scope;
    const size = tf.util.sizeFromShape(kept);
    simdKernels(backend).sumRows(
      heapOffset(backend, x),
      heapOffset(backend, out),
      size === 0 ? 0 : tf.util.sizeFromShape(x.shape) / size,
      size,
    );
    return out;
  },
);
