import { tf } from '../../tf.js';
import { wasmKernelReplacement } from './wasm-kernel-scope.js';

/**
 * `BatchMatMul` for the wasm backend with transposed operands made fast: tfjs-backend-wasm 4.22
 * sends a product to XNNPACK only when neither operand is transposed and both have batch 1;
 * otherwise it runs a scalar loop, 15–30× slower. Every backward pass of a dense layer is such a
 * product (`xᵀ·dy` for the kernel, `dy·Wᵀ` for the input). This kernel transposes the operand
 * explicitly (a copy, cheap next to the product) and hands a plain product to the tfjs kernel;
 * other calls (batched products, int32) go to the tfjs kernel unchanged.
 *
 * @example
 * registerWasmKernels(); // replaces the tfjs kernel with this one
 * tf.matMul(a, b, true, false); // aᵀ·b through XNNPACK
 */
export const batchMatMulReplacement = wasmKernelReplacement<tf.BatchMatMulInputs, tf.BatchMatMulAttrs>(
  tf.BatchMatMul,
  (scope, { a, b }, attrs, original) => {
    const { transposeA, transposeB } = attrs;
    const batchOf = (t: tf.TensorInfo) => t.shape.slice(0, -2).reduce((n, d) => n * d, 1);
    if (
      !(transposeA || transposeB) ||
      batchOf(a) !== 1 ||
      batchOf(b) !== 1 ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32'
    ) {
      return scope.runConfig(original, { a, b }, attrs);
    }
    // Batch 1: the matrix is all of the tensor, so a 2-D transpose of it is the swap of its last axes.
    const swapLast = (t: tf.TensorInfo) => scope.transpose(scope.reshape(t, t.shape.slice(-2)), [1, 0]);
    const plainA = transposeA ? swapLast(a) : a;
    const plainB = transposeB ? swapLast(b) : b;
    const out = scope.runConfig(original, { a: plainA, b: plainB }, { ...attrs, transposeA: false, transposeB: false });
    const [m, n] = out.shape.slice(-2);
    const rank = Math.max(a.shape.length, b.shape.length);
    return scope.reshape(out, [...Array.from({ length: rank - 2 }, () => 1), m, n]);
  },
);
