export { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
export { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter.js';
export { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input.js';
export { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
export { convAxes, filterGradientAxis, inputGradientAxis } from './conv-axis.js';
export type { ConvAxis } from './conv-axis.js';
export { WasmKernelScope, wasmKernelConfig } from './wasm-kernel-scope.js';
