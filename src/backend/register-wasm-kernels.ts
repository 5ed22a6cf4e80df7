import { tf } from '../tf.js';
import {
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
} from './kernels/index.js';

/** The gradient kernels tfjs-backend-wasm 4.22 lacks, built from the kernels it has. */
const WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  unsortedSegmentSumConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
];

/**
 * Registers for the wasm backend the gradient kernels it lacks: `Conv2DBackpropFilter`,
 * `UnsortedSegmentSum` (the gradient of gather), `DepthwiseConv2dNativeBackpropFilter` and
 * `DepthwiseConv2dNativeBackpropInput`. Safe to call any number of times: a name that already has a
 * wasm kernel (registered earlier, or shipped by a later tfjs) is left alone. `initBackend('wasm')`
 * calls it; call it yourself only when you start the wasm backend with `tf.setBackend`.
 *
 * @example
 * dm.registerWasmKernels();
 * await dm.tf.setBackend('wasm');
 */
export function registerWasmKernels(): void {
  for (const config of WASM_KERNELS) {
    if ((tf.getKernel(config.kernelName, 'wasm') as tf.KernelConfig | undefined) === undefined) tf.registerKernel(config);
  }
}
