import type { tf } from '../../tf.js';
import type { WasmKernelScope } from './wasm-kernel-scope.js';

/**
 * An NHWC tensor with `stride − 1` zeros after each value along height and width, `zerosBefore`
 * of them moved in front of it: the input of a transposed convolution run as a plain one. Each
 * axis is one `PadV2` of a size-1 axis placed after it (the 4-D pad is a memcpy loop). Returns
 * `x` itself for strides of 1.
 *
 * @example
 * const up = upsample(scope, dy, [2, 2], [0, 0]); // [b, 4, 4, c] -> [b, 8, 8, c], dy at even rows and columns
 */
export function upsample(
  scope: WasmKernelScope,
  x: tf.TensorInfo,
  [sH, sW]: [number, number],
  [zH, zW]: [number, number],
): tf.TensorInfo {
  const [batch, height, width, channels] = x.shape;
  let up = x;
  if (sW > 1) {
    const padded = scope.run(
      'PadV2',
      { x: scope.reshape(up, [batch * height, width, 1, channels]) },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [zW, sW - 1 - zW],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    up = scope.reshape(padded, [batch, height, width * sW, channels]);
  }
  if (sH > 1) {
    const rowSize = up.shape[2] * channels;
    const padded = scope.run(
      'PadV2',
      { x: scope.reshape(up, [batch, height, 1, rowSize]) },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [zH, sH - 1 - zH],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    up = scope.reshape(padded, [batch, height * sH, up.shape[2], channels]);
  }
  return up;
}
