import { tf } from '../../tf.js';
import { winogradConv2D, winogradFits } from './winograd.js';
import { wasmKernelReplacement } from './wasm-kernel-scope.js';

/**
 * `Conv2D` for the wasm backend: a 3 x 3 or 5 x 5 stride-1 convolution over enough channels
 * (`winogradFits`) runs as a Winograd convolution, which multiplies 2.8–4× less than XNNPACK's
 * direct one; every other call goes to the tfjs kernel (XNNPACK) unchanged.
 *
 * @example
 * registerWasmKernels(); // replaces the tfjs kernel with this one
 * tf.conv2d(x, filter, 1, 'same'); // filter [5, 5, 32, 64]: F(2, 5)
 */
export const conv2DReplacement = wasmKernelReplacement<tf.Conv2DInputs, tf.Conv2DAttrs>(
  tf.Conv2D,
  (scope, { x, filter }, attrs, original) => {
    const info = winogradInfo(x, filter, attrs);
    return info === null ? scope.runConfig(original, { x, filter }, attrs) : winogradConv2D(scope, x, filter, info);
  },
);

/**
 * The convolution's geometry when it runs as Winograd here (NHWC, float32, `winogradFits`), else null.
 */
export function winogradInfo(
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: tf.Conv2DAttrs,
): tf.backend_util.Conv2DInfo | null {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
  if (dataFormat !== 'NHWC' || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return winogradFits(info) ? info : null;
}
