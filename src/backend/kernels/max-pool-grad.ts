import { invalidArgument } from '../../errors.js';
import { tf } from '../../tf.js';
import { wasmKernelReplacement } from './wasm-kernel-scope.js';

/**
 * `MaxPoolGrad` for the wasm backend (the gradient of `tf.maxPool`), replacing
 * tfjs-backend-wasm 4.22's loop, which for every input element scans every window that could
 * hold it. Here each window is visited once: its first maximum (row-major order within the
 * window, as tfjs and TensorFlow pick it) receives the window's dy, added up where windows
 * overlap, in the order the cpu backend adds them. A window without a maximum (all NaN or −∞)
 * passes no gradient. It reads and writes the wasm heap in place, with the channel loop
 * innermost, where NHWC keeps values contiguous. float32 only; other dtypes go to the tfjs
 * kernel.
 *
 * @example
 * registerWasmKernels(); // replaces the tfjs kernel with this one
 * tf.grad((x: tf.Tensor4D) => tf.maxPool(x, 2, 2, 'valid').sum())(x);
 */
export const maxPoolGradReplacement = wasmKernelReplacement<tf.MaxPoolGradInputs, tf.MaxPoolGradAttrs>(
  tf.MaxPoolGrad,
  (scope, { dy, input, output }, attrs, original) => {
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') return scope.runConfig(original, { dy, input, output }, attrs);
    const { filterSize, strides, pad, dimRoundingMode } = attrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const expected = info.outShape;
    if (dy.shape.length !== 4 || expected.some((d, i) => d !== dy.shape[i])) {
      throw invalidArgument(
        `MaxPoolGrad: dy must have the shape of the pooling's output, [${expected.join(', ')}]. Received: dy.shape=[${dy.shape.join(', ')}]`,
      );
    }
    const dx = scope.output(input.shape, 'float32');
    // Views last: the allocation above may grow the heap, which detaches earlier views.
    scatterMaxima(info, scope.view(input) as Float32Array, scope.view(dy) as Float32Array, scope.view(dx) as Float32Array);
    return dx;
  },
);

function scatterMaxima(info: tf.backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const best = new Float64Array(channels);
  const where = new Int32Array(channels);
  dx.fill(0);
  let g = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight;
    for (let i = 0; i < outHeight; i++) {
      const top = i * strideHeight - padTop;
      const rowStart = Math.max(0, top);
      const rowEnd = Math.min(inHeight, top + filterHeight);
      for (let j = 0; j < outWidth; j++, g += channels) {
        const left = j * strideWidth - padLeft;
        const colStart = Math.max(0, left);
        const colEnd = Math.min(inWidth, left + filterWidth);
        best.fill(-Infinity);
        where.fill(-1);
        for (let r = rowStart; r < rowEnd; r++) {
          for (let q = colStart; q < colEnd; q++) {
            const base = ((image + r) * inWidth + q) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          if (where[c] >= 0) dx[where[c]] += dy[g + c];
        }
      }
    }
  }
}
