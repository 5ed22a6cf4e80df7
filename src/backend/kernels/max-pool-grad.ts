import { invalidArgument } from '../../errors.js';
import { tf } from '../../tf.js';
import { heapOffset } from './heap-offset.js';
import { simdKernels } from './simd-kernels.js';
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
    if (input.dtype !== 'float32' || dy.dtype !== 'float32')
      return scope.runConfig(original, { dy, input, output }, attrs);
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
    if (isUnpadded2x2(info)) {
      const { backend } = scope;
      const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
      simdKernels(backend).maxPoolGrad2x2(
        heapOffset(backend, input),
        heapOffset(backend, dy),
        heapOffset(backend, dx),
        batchSize,
        inHeight,
        inWidth,
        inChannels,
        outHeight,
        outWidth,
      );
      return dx;
    }
    // Views last: the allocation above may grow the heap, which detaches earlier views.
    scatterMaxima(
      info,
      scope.view(input) as Float32Array,
      scope.view(dy) as Float32Array,
      scope.view(dx) as Float32Array,
    );
    return dx;
  },
);

/**
 * The default ConvNet's pooling, run by a WebAssembly SIMD loop (`maxPoolGrad2x2`,
 * assembly/kernels.ts): 2 x 2 windows at stride 2 that lie inside x, so none overlaps or is cut.
 */
function isUnpadded2x2(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    2 * info.outHeight <= info.inHeight &&
    2 * info.outWidth <= info.inWidth
  );
}

function scatterMaxima(info: tf.backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
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
        const corner = ((image + rowStart) * inWidth + colStart) * channels;
        const rowStep = inWidth * channels;
        if (rowEnd - rowStart === 2 && colEnd - colStart === 2) {
          scatter2x2(x, dy, dx, corner, rowStep, channels, g);
          continue;
        }
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let where = -1;
          for (let r = rowStart, rowBase = corner + c; r < rowEnd; r++, rowBase += rowStep) {
            for (let q = colStart, at = rowBase; q < colEnd; q++, at += channels) {
              const v = x[at];
              if (v > best) {
                best = v;
                where = at;
              }
            }
          }
          if (where >= 0) dx[where] += dy[g + c];
        }
      }
    }
  }
}

/** The 2 x 2 window unrolled: the default ConvNet's pooling, where the general loop's overhead dominates. */
function scatter2x2(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  corner: number,
  rowStep: number,
  channels: number,
  g: number,
): void {
  for (let c = 0; c < channels; c++) {
    const a = corner + c;
    const b = a + channels;
    const d = a + rowStep;
    const e = d + channels;
    // Strict comparisons in row-major order keep the first maximum; NaN never wins one.
    let best = -Infinity;
    let where = -1;
    if (x[a] > best) ((best = x[a]), (where = a));
    if (x[b] > best) ((best = x[b]), (where = b));
    if (x[d] > best) ((best = x[d]), (where = d));
    if (x[e] > best) where = e;
    if (where >= 0) dx[where] += dy[g + c];
  }
}
