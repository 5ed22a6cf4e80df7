import { tf } from '../../tf.js';
import { convAxes, inputGradientAxis } from './conv-axis.js';
import { upsample } from './upsample.js';
import { wasmKernelConfig } from './wasm-kernel-scope.js';

/**
 * `DepthwiseConv2dNativeBackpropInput` for the wasm backend (the gradient of `tf.depthwiseConv2d`
 * with respect to its input), which tfjs-backend-wasm 4.22 lacks:
 * `dx[b, y, z, c] = Σ_{i, j, r, q, m : i·sH + r·dH − padTop = y, j·sW + q·dW − padLeft = z} dy[b, i, j, c·M + m] · f[r, q, c, m]`.
 *
 * A transposed convolution is a convolution with the flipped filter over dy upsampled by the
 * stride (zeros between its values, inserted by two `PadV2`s): one depthwise convolution of the
 * backend's XNNPACK with multiplier 1 over the `C·M` channels of dy, then a sum over the M
 * channels that came from each input channel. Depthwise kernels are NHWC by definition in tfjs.
 *
 * @example
 * tf.registerKernel(depthwiseConv2dNativeBackpropInputConfig); // done by registerWasmKernels()
 * tf.grad((x: tf.Tensor4D) => tf.depthwiseConv2d(x, filter, 2, 'same').sum())(x);
 */
export const depthwiseConv2dNativeBackpropInputConfig = wasmKernelConfig<
  tf.DepthwiseConv2dNativeBackpropInputInputs,
  tf.DepthwiseConv2dNativeBackpropInputAttrs
>(
  tf.DepthwiseConv2dNativeBackpropInput,
  (scope, { dy, filter }, { strides, dilations, pad, dimRoundingMode, inputShape }) => {
    const filterShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filterShape,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      true,
    );
    const [rows, cols] = convAxes(info, dy.shape, 'DepthwiseConv2dNativeBackpropInput');
    const gr = inputGradientAxis(rows);
    const gc = inputGradientAxis(cols);
    const [batch, height, width, channels] = inputShape;
    const [fH, fW, , multiplier] = filterShape;
    const upsampled = upsample(scope, dy, [rows.stride, cols.stride], [gr.zerosBefore, gc.zerosBefore]);
    const flipped = scope.reshape(scope.run('Reverse', { x: filter }, { dims: [0, 1] }), [
      fH,
      fW,
      channels * multiplier,
      1,
    ]);
    let dx = scope.run(
      'DepthwiseConv2dNative',
      { x: upsampled, filter: flipped },
      {
        strides: [1, 1],
        dilations: [rows.dilation, cols.dilation],
        pad: [
          [0, 0],
          [gr.padBefore, gr.padAfter],
          [gc.padBefore, gc.padAfter],
          [0, 0],
        ],
      },
    );
    if (multiplier > 1) {
      dx = scope.reshape(dx, [batch, gr.outSize, gc.outSize, channels, multiplier]);
      dx = scope.run('Sum', { x: dx }, { axis: [4], keepDims: false });
    }
    return scope.crop(dx, [0, gr.cropBefore, gc.cropBefore, 0], [batch, height, width, channels]);
  },
);
