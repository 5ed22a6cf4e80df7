import { invalidArgument } from '../../errors.js';
import type { tf } from '../../tf.js';

/**
 * One spatial axis of a forward convolution,
 * `out[o] = Σ_r x[o·stride + r·dilation − padBefore] · f[r]` (x is 0 outside `[0, inSize)`).
 * Both gradients are convolutions again along each axis; the functions below say which.
 */
export interface ConvAxis {
  inSize: number;
  filterSize: number;
  outSize: number;
  stride: number;
  dilation: number;
  padBefore: number;
}

/**
 * The height and width axes of a forward convolution, checked against the `dy` it is the
 * gradient of (`dyShape` is NHWC).
 *
 * @example
 * const info = tf.backend_util.computeConv2DInfo([2, 8, 8, 3], [3, 3, 3, 4], 2, 1, 'same');
 * const [rows, cols] = convAxes(info, [2, 4, 4, 4], 'Conv2DBackpropFilter');
 * // rows: { inSize: 8, filterSize: 3, outSize: 4, stride: 2, dilation: 1, padBefore: 0 }
 */
export function convAxes(info: tf.backend_util.Conv2DInfo, dyShape: number[], kernel: string): [ConvAxis, ConvAxis] {
  const { padInfo } = info;
  if (Math.min(padInfo.top, padInfo.bottom, padInfo.left, padInfo.right) < 0) {
    throw invalidArgument(
      `${kernel}: padding must be >= 0. Received: pad top=${padInfo.top}, bottom=${padInfo.bottom}, left=${padInfo.left}, right=${padInfo.right}`,
    );
  }
  if (info.filterShape[2] !== info.inChannels) {
    throw invalidArgument(
      `${kernel}: the filter's input channels must match x's. Received: filterShape=[${info.filterShape.join(', ')}], x channels=${info.inChannels}`,
    );
  }
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dyShape.length !== 4 || expected.some((d, i) => d !== dyShape[i])) {
    throw invalidArgument(
      `${kernel}: dy must have the shape of the convolution's output, [${expected.join(', ')}]. Received: dy.shape=[${dyShape.join(', ')}]`,
    );
  }
  return [
    {
      inSize: info.inHeight,
      filterSize: info.filterHeight,
      outSize: info.outHeight,
      stride: info.strideHeight,
      dilation: info.dilationHeight,
      padBefore: padInfo.top,
    },
    {
      inSize: info.inWidth,
      filterSize: info.filterWidth,
      outSize: info.outWidth,
      stride: info.strideWidth,
      dilation: info.dilationWidth,
      padBefore: padInfo.left,
    },
  ];
}

/**
 * The filter gradient `dW[r] = Σ_o x[o·stride + r·dilation − padBefore] · dy[o]` read as a
 * convolution of x with dy as the filter: dy dilated by the forward stride, stepped by the forward
 * dilation (so both stay valid only because tfjs keeps one of them 1), x padded by `padBefore`
 * and `padAfter`. It yields `outSize >= filterSize` values of which the first `filterSize` are dW:
 * more only when x has rows past the last window, since a padding cannot be negative.
 *
 * @example
 * filterGradientAxis({ inSize: 8, filterSize: 3, outSize: 4, stride: 2, dilation: 1, padBefore: 0 });
 * // { padBefore: 0, padAfter: 1, outSize: 3 }: dy (4 taps, dilation 2) over x padded to 9
 */
export function filterGradientAxis(a: ConvAxis): { padBefore: number; padAfter: number; outSize: number } {
  const dySpan = (a.outSize - 1) * a.stride + 1;
  const padAfter = Math.max(0, (a.filterSize - 1) * a.dilation + dySpan - a.inSize - a.padBefore);
  const outSize = Math.floor((a.padBefore + a.inSize + padAfter - dySpan) / a.dilation) + 1;
  return { padBefore: a.padBefore, padAfter, outSize };
}

/**
 * The input gradient `dx[i] = Σ_{o,r : o·stride + r·dilation − padBefore = i} dy[o] · f[r]` read as
 * a stride-1 correlation with the flipped filter (same dilation) over dy upsampled by the stride:
 * each dy value followed or preceded by zeros, `zerosBefore` of its `stride − 1` zeros in front.
 * The upsampled dy is padded by `padBefore` / `padAfter`; the result has `outSize` values of which
 * `[cropBefore, cropBefore + inSize)` are dx. `zerosBefore` is chosen so that no crop is needed
 * whenever one exists (every 'same' and 'valid' convolution with filter >= stride).
 *
 * @example
 * inputGradientAxis({ inSize: 8, filterSize: 3, outSize: 4, stride: 2, dilation: 1, padBefore: 0 });
 * // { zerosBefore: 0, padBefore: 2, padAfter: 0, cropBefore: 0, outSize: 8 }
 */
export function inputGradientAxis(a: ConvAxis): {
  zerosBefore: number;
  padBefore: number;
  padAfter: number;
  cropBefore: number;
  outSize: number;
} {
  const span = (a.filterSize - 1) * a.dilation;
  const upsampled = a.outSize * a.stride;
  // Before-padding is span − padBefore − zerosBefore and after-padding inSize + padBefore +
  // zerosBefore − upsampled: the smallest zerosBefore that keeps the latter >= 0 is the best try.
  const zerosBefore = Math.min(a.stride - 1, Math.max(0, upsampled - a.inSize - a.padBefore));
  const before = span - a.padBefore - zerosBefore;
  const after = a.inSize + a.padBefore + zerosBefore - upsampled;
  const padBefore = Math.max(0, before);
  const padAfter = Math.max(0, after);
  return {
    zerosBefore,
    padBefore,
    padAfter,
    cropBefore: padBefore - before,
    outSize: a.inSize + (padBefore - before) + (padAfter - after),
  };
}
