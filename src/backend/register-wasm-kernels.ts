import { tf } from '../tf.js';
import {
  batchMatMulReplacement,
  fusedConv2DReplacement,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputReplacement,
  conv2DReplacement,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  maxPoolGradReplacement,
  sumReplacement,
  unsortedSegmentSumConfig,
  type WasmKernelReplacement,
} from './kernels/index.js';

/** The gradient kernels tfjs-backend-wasm 4.22 lacks, built from the kernels it has. */
const MISSING: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  unsortedSegmentSumConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
];

/** Kernels tfjs-backend-wasm 4.22 has but runs as scalar loops, replaced by faster ones. */
const REPLACEMENTS: readonly WasmKernelReplacement[] = [
  conv2DReplacement,
  fusedConv2DReplacement,
  conv2DBackpropInputReplacement,
  batchMatMulReplacement,
  maxPoolGradReplacement,
  sumReplacement,
];

/** The configs this module registered, to recognise them on a later call. */
const registered = new WeakSet<tf.KernelConfig>();

/**
 * Registers deepmetric's kernels for the wasm backend. The gradient kernels it lacks:
 * `Conv2DBackpropFilter`, `UnsortedSegmentSum` (the gradient of gather),
 * `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput`. And faster
 * versions of kernels it runs slowly: `Conv2D` and `FusedConv2D` (3 x 3 and 5 x 5 convolutions over
 * enough channels as Winograd convolutions, which the two convolution gradients use too), `Conv2DBackpropInput` (an XNNPACK convolution),
 * `BatchMatMul` with a transposed operand (an explicit transpose, then XNNPACK), `MaxPoolGrad`
 * (one pass over the windows) and `Sum` over leading axes (a product with ones, through
 * XNNPACK); each delegates to the tfjs kernel for the cases it does not speed up. Together they make a training step of the default ConvNet about 3× faster.
 *
 * Safe to call any number of times: a missing kernel that has a wasm kernel already (registered
 * earlier, or shipped by a later tfjs) is left alone, and a replacement is made once.
 * `initBackend('wasm')` calls it; call it yourself only when you start the wasm backend with
 * `tf.setBackend`, before starting it.
 *
 * @example
 * dm.registerWasmKernels();
 * await dm.tf.setBackend('wasm');
 */
export function registerWasmKernels(): void {
  for (const config of MISSING) {
    if ((tf.getKernel(config.kernelName, 'wasm') as tf.KernelConfig | undefined) === undefined)
      tf.registerKernel(config);
  }
  for (const replacement of REPLACEMENTS) {
    const current = tf.getKernel(replacement.kernelName, 'wasm') as tf.KernelConfig | undefined;
    if (current === undefined || registered.has(current)) continue;
    const config = replacement.replace(current);
    tf.unregisterKernel(replacement.kernelName, 'wasm');
    tf.registerKernel(config);
    registered.add(config);
  }
}
