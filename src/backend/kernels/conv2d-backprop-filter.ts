import { invalidArgument } from '../../errors.js';
import { tf } from '../../tf.js';
import { convAxes, filterGradientAxis } from './conv-axis.js';
import { wasmKernelConfig } from './wasm-kernel-scope.js';

/**
 * `Conv2DBackpropFilter` for the wasm backend (the gradient of `tf.conv2d` with respect to its
 * filter), which tfjs-backend-wasm 4.22 lacks:
 * `dW[r, q, c, k] = Σ_{b, i, j} x[b, i·sH + r − padTop, j·sW + q − padLeft, c] · dy[b, i, j, k]`.
 *
 * That sum is itself a convolution, run by the backend's XNNPACK `Conv2D`: x transposed to
 * `[inChannels, H, W, batch]` is the input, dy transposed to `[outH, outW, batch, outChannels]` is
 * the filter, dilated by the forward strides (tfjs conv2d gradients require dilation 1), with
 * explicit padding; the `[inChannels, fH, fW, outChannels]` result is transposed into place.
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
    const gr = filterGradientAxis(rows);
    const gc = filterGradientAxis(cols);
    const full = scope.run(
      'Conv2D',
      { x: scope.transpose(x, [3, 1, 2, 0]), filter: scope.transpose(dy, [1, 2, 0, 3]) },
      {
        strides: [rows.dilation, cols.dilation],
        dilations: [rows.stride, cols.stride],
        pad: [[0, 0], [gr.padBefore, gr.padAfter], [gc.padBefore, gc.padAfter], [0, 0]],
        dataFormat: 'NHWC',
      },
    );
    const [fH, fW, inChannels, outChannels] = filterShape;
    const dW = scope.crop(full, [0, 0, 0, 0], [inChannels, fH, fW, outChannels]);
    return scope.transpose(dW, [1, 2, 0, 3]);
  },
);
