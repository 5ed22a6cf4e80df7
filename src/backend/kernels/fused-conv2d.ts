import { tf } from '../../tf.js';
import { winogradInfo } from './conv2d.js';
import { winogradConv2D } from './winograd.js';
import { wasmKernelReplacement } from './wasm-kernel-scope.js';

/**
 * `FusedConv2D` (convolution, bias, activation: what tfjs-layers runs for inference) for the wasm
 * backend: a convolution that runs as Winograd (see `conv2DReplacement`) with no activation or
 * ReLU and a bias of one value per output channel, or none, gets them added as its tiles are
 * written back; every other call goes to the tfjs kernel (XNNPACK) unchanged.
 *
 * @example
 * registerWasmKernels(); // replaces the tfjs kernel with this one
 * tf.fused.conv2d({ x, filter, bias, activation: 'relu' }); // filter [5, 5, 32, 64]: F(2, 5)
 */
export const fusedConv2DReplacement = wasmKernelReplacement<tf.FusedConv2DInputs, tf.FusedConv2DAttrs>(
  tf.FusedConv2D,
  (scope, inputs, attrs, original) => {
    const { x, filter } = inputs;
    // tfjs passes the optional inputs only when the op has them.
    const bias = inputs.bias as tf.TensorInfo | undefined;
    const prelu = inputs.preluActivationWeights as tf.TensorInfo | undefined;
    const info = winogradInfo(x, filter, attrs);
    const outChannels = filter.shape[3];
    const fits =
      info !== null &&
      (attrs.activation === 'linear' || attrs.activation === 'relu') &&
      prelu === undefined &&
      (bias === undefined || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === outChannels));
    if (!fits) return scope.runConfig(original, inputs, attrs);
    return winogradConv2D(scope, x, filter, info, { bias, relu: attrs.activation === 'relu' });
  },
);
