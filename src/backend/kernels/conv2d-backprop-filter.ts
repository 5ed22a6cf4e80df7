import { invalidArgument } from '../../errors.js';
import { tf } from '../../tf.js';
import { convAxes, filterGradientAxis } from './conv-axis.js';
import { heapOffset } from './heap-offset.js';
import { simdKernels } from './simd-kernels.js';
import { winogradFilterGradient, winogradFits } from './winograd.js';
import { wasmKernelConfig, type WasmKernelScope } from './wasm-kernel-scope.js';

/**
 * `Conv2DBackpropFilter` for the wasm backend (the gradient of `tf.conv2d` with respect to its
 * filter), which tfjs-backend-wasm 4.22 lacks:
 * `dW[r, q, c, k] = Σ_{b, i, j} x[b, i·sH + r − padTop, j·sW + q − padLeft, c] · dy[b, i, j, k]`.
 *
 * A 3 x 3 or 5 x 5 stride-1 filter over enough channels (`winogradFits`) gets its gradient by
 * the Winograd algorithm F(r, m) (`winogradFilterGradient`), 2.8–4× fewer multiplications.
 * Otherwise the sum is read as a convolution, run by the backend's XNNPACK `Conv2D`: x transposed to
 * `[inChannels, H, W, batch]` is the input, dy transposed to `[outH, outW, batch, outChannels]` is
 * the filter, dilated by the forward strides (tfjs conv2d gradients require dilation 1), with
 * explicit padding; the `[inChannels, fH, fW, outChannels]` result is transposed into place.
 * When a window holds few values (`fH·fW·inChannels <= 32`, a first layer on grey images), that
 * convolution has almost no output pixels to spread over XNNPACK's tiles; there the windows of x
 * are written out as the rows of a `[fH·fW·inChannels, pixels]` matrix P (im2col, transposed) and
 * `dW = P · dy` is one matrix product, 4× faster on the default ConvNet's first layer.
 * NHWC only: an NCHW call throws instead of computing on a misread layout.
 *
 * @example
 * tf.registerKernel(conv2DBackpropFilterConfig); // done by registerWasmKernels()
 * tf.grad((f: tf.Tensor4D) => tf.conv2d(x, f, 1, 'same').sum())(filter);
 */
export const conv2DBackpropFilterConfig = wasmKernelConfig<tf.Conv2DBackpropFilterInputs, tf.Conv2DBackpropFilterAttrs>(
  tf.Conv2DBackpropFilter,
  (scope, { x, dy }, { strides, pad, dataFormat, dimRoundingMode, filterShape }) => {
    if (dataFormat !== 'NHWC') {
      throw invalidArgument(
        `Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only. Received: dataFormat=${String(dataFormat)}`,
      );
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const [rows, cols] = convAxes(info, dy.shape, 'Conv2DBackpropFilter');
    if (winogradFits(info))
      return winogradFilterGradient(scope, x, dy, filterShape, info.padInfo.top, info.padInfo.left);
    const [fH, fW, inChannels, outChannels] = filterShape;
    if (fH * fW * inChannels <= MAX_PATCH_ROWS) {
      const pixels = info.batchSize * info.outHeight * info.outWidth;
      const patches = scope.output([fH * fW * inChannels, pixels], 'float32');
      fillPatchRows(scope, info, x, patches);
      const dW = scope.run(
        'BatchMatMul',
        { a: patches, b: scope.reshape(dy, [pixels, outChannels]) },
        { transposeA: false, transposeB: false },
      );
      return scope.reshape(dW, filterShape);
    }
    const gr = filterGradientAxis(rows);
    const gc = filterGradientAxis(cols);
    const full = scope.run(
      'Conv2D',
      { x: scope.transpose(x, [3, 1, 2, 0]), filter: scope.transpose(dy, [1, 2, 0, 3]) },
      {
        strides: [rows.dilation, cols.dilation],
        dilations: [rows.stride, cols.stride],
        pad: [
          [0, 0],
          [gr.padBefore, gr.padAfter],
          [gc.padBefore, gc.padAfter],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    const dW = scope.crop(full, [0, 0, 0, 0], [inChannels, fH, fW, outChannels]);
    return scope.transpose(dW, [1, 2, 0, 3]);
  },
);

/** The largest window (`fH·fW·inChannels`) written out as matrix rows: 32 rows cost 32 copies of x. */
const MAX_PATCH_ROWS = 32;

/**
 * Row `(r·fW + q)·C + c` of `patches` holds, for every output pixel `(b, i, j)` in order,
 * `x[b, i·sH + r − padTop, j·sW + q − padLeft, c]`, 0 outside x: a WebAssembly SIMD loop
 * (`fillPatchRows`, assembly/kernels.ts) copying contiguous runs of x where it can.
 */
function fillPatchRows(
  scope: WasmKernelScope,
  info: tf.backend_util.Conv2DInfo,
  x: tf.TensorInfo,
  patches: tf.TensorInfo,
): void {
  const { backend } = scope;
  simdKernels(backend).fillPatchRows(
    heapOffset(backend, x),
    heapOffset(backend, patches),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.filterHeight,
    info.filterWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
}
