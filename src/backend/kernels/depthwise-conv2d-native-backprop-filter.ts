import { tf } from '../../tf.js';
import { convAxes, filterGradientAxis } from './conv-axis.js';
import { wasmKernelConfig } from './wasm-kernel-scope.js';

/**
 * `DepthwiseConv2dNativeBackpropFilter` for the wasm backend (the gradient of
 * `tf.depthwiseConv2d` with respect to its filter), which tfjs-backend-wasm 4.22 lacks:
 * `dW[r, q, c, m] = Σ_{b, i, j} x[b, i·sH + r·dH − padTop, j·sW + q·dW − padLeft, c] · dy[b, i, j, c·M + m]`.
 *
 * Each (sample, channel) pair is its own correlation of x with dy, so one depthwise convolution of
 * the backend's XNNPACK computes them all: x transposed to `[1, H, W, batch·C]` is the input, dy
 * transposed to `[outH, outW, batch·C, M]` the filter, dilated by the forward strides and stepped
 * by the forward dilations (tfjs keeps one of them 1); a sum over the batch axis finishes it.
 * Depthwise kernels are NHWC by definition in tfjs.
 *
 * @example
 * tf.registerKernel(depthwiseConv2dNativeBackpropFilterConfig); // done by registerWasmKernels()
 * tf.grad((f: tf.Tensor4D) => tf.depthwiseConv2d(x, f, 2, 'same').sum())(filter);
 */
export const depthwiseConv2dNativeBackpropFilterConfig = wasmKernelConfig<
  tf.DepthwiseConv2dNativeBackpropFilterInputs,
  tf.DepthwiseConv2dNativeBackpropFilterAttrs
>(
  tf.DepthwiseConv2dNativeBackpropFilter,
  (scope, { x, dy }, { strides, dilations, pad, dimRoundingMode, filterShape }) => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      true,
    );
    const [rows, cols] = convAxes(info, dy.shape, 'DepthwiseConv2dNativeBackpropFilter');
    const gr = filterGradientAxis(rows);
    const gc = filterGradientAxis(cols);
    const [batch, height, width, channels] = x.shape;
    const [fH, fW, , multiplier] = filterShape;
    const input = scope.reshape(scope.transpose(x, [1, 2, 0, 3]), [1, height, width, batch * channels]);
    const filter = scope.reshape(scope.transpose(dy, [1, 2, 0, 3]), [
      rows.outSize,
      cols.outSize,
      batch * channels,
      multiplier,
    ]);
    const full = scope.run(
      'DepthwiseConv2dNative',
      { x: input, filter },
      {
        strides: [rows.dilation, cols.dilation],
        dilations: [rows.stride, cols.stride],
        pad: [
          [0, 0],
          [gr.padBefore, gr.padAfter],
          [gc.padBefore, gc.padAfter],
          [0, 0],
        ],
      },
    );
    const perSample = scope.reshape(scope.crop(full, [0, 0, 0, 0], [1, fH, fW, full.shape[3]]), [
      fH * fW,
      batch,
      channels * multiplier,
    ]);
    const dW = scope.run('Sum', { x: perSample }, { axis: [1], keepDims: false });
    return scope.reshape(dW, filterShape);
  },
);
