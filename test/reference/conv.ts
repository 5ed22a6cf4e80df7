/**
 * Plain-loop references for the gradients of 2-D convolutions and for segment sums, in doubles,
 * independent of tfjs. Tensors are flat row-major arrays in NHWC order with their shapes.
 */

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
export type Rounding = 'floor' | 'round' | 'ceil';

export interface ConvSpec {
  /** [batch, height, width, channels] */
  xShape: [number, number, number, number];
  /** [fH, fW, inChannels, outChannels], or [fH, fW, inChannels, multiplier] when depthwise */
  filterShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  dimRoundingMode?: Rounding;
  depthwise: boolean;
}

interface Axis {
  out: number;
  before: number;
}

function roundBy(v: number, mode: Rounding | undefined): number {
  if (mode === undefined) return Math.trunc(v);
  return mode === 'ceil' ? Math.ceil(v) : mode === 'floor' ? Math.floor(v) : Math.round(v);
}

/** Output size and padding in front along one axis, as TensorFlow defines them. */
function axis(
  size: number,
  filter: number,
  stride: number,
  dilation: number,
  pad: Pad,
  dim: 1 | 2,
  mode?: Rounding,
): Axis {
  const eff = (filter - 1) * dilation + 1;
  if (pad === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + eff - size);
    return { out, before: Math.floor(total / 2) };
  }
  if (pad === 'valid') return { out: Math.ceil((size - eff + 1) / stride), before: 0 };
  // tfjs sizes both axes of a numeric padding with the height's filter and stride; the tests use
  // square filters and strides with it.
  if (typeof pad === 'number') return { out: roundBy((size - eff + 2 * pad) / stride + 1, mode), before: pad };
  const [before, after] = pad[dim];
  return { out: roundBy((size - eff + before + after) / stride + 1, mode), before };
}

/** Shape of the convolution's output, [batch, outH, outW, outChannels]. */
export function convOutShape(s: ConvSpec): [number, number, number, number] {
  const [batch, height, width, channels] = s.xShape;
  const [fH, fW, , k] = s.filterShape;
  const rows = axis(height, fH, s.strides[0], s.dilations[0], s.pad, 1, s.dimRoundingMode);
  const cols = axis(width, fW, s.strides[1], s.dilations[1], s.pad, 2, s.dimRoundingMode);
  return [batch, rows.out, cols.out, s.depthwise ? channels * k : k];
}

/**
 * Calls `visit(xPixel, fTap, yPixel)` once for every (sample, output pixel, filter tap) whose
 * input pixel lies inside x, with the flat offsets of that input pixel's first channel, of the
 * tap's `f[r, q, 0, 0]` and of the output pixel's first channel.
 */
function forEachTap(s: ConvSpec, visit: (xPixel: number, fTap: number, yPixel: number) => void): void {
  const [batch, height, width, channels] = s.xShape;
  const [fH, fW, , k] = s.filterShape;
  const [, outH, outW, outChannels] = convOutShape(s);
  const rows = axis(height, fH, s.strides[0], s.dilations[0], s.pad, 1, s.dimRoundingMode);
  const cols = axis(width, fW, s.strides[1], s.dilations[1], s.pad, 2, s.dimRoundingMode);
  for (let b = 0; b < batch; b++) {
    for (let oi = 0; oi < outH; oi++) {
      for (let oj = 0; oj < outW; oj++) {
        for (let r = 0; r < fH; r++) {
          const i = oi * s.strides[0] + r * s.dilations[0] - rows.before;
          if (i < 0 || i >= height) continue;
          for (let q = 0; q < fW; q++) {
            const j = oj * s.strides[1] + q * s.dilations[1] - cols.before;
            if (j < 0 || j >= width) continue;
            visit(
              ((b * height + i) * width + j) * channels,
              (r * fW + q) * channels * k,
              ((b * outH + oi) * outW + oj) * outChannels,
            );
          }
        }
      }
    }
  }
}

/** `conv(x, f)` itself (not depthwise). */
export function convForward(s: ConvSpec, x: ArrayLike<number>, filter: ArrayLike<number>): Float64Array {
  const [, , , channels] = s.xShape;
  const k = s.filterShape[3];
  const y = new Float64Array(convOutShape(s).reduce((a, b) => a * b, 1));
  forEachTap(s, (xPixel, fTap, yPixel) => {
    for (let c = 0; c < channels; c++) {
      for (let m = 0; m < k; m++) y[yPixel + m] += x[xPixel + c] * filter[fTap + c * k + m];
    }
  });
  return y;
}

/**
 * Both gradients of `sum(conv(x, f) · dy)`: visits every (sample, output pixel, filter tap, channel
 * pair) once and adds its product where the tap lands inside x.
 */
export function convGradients(
  s: ConvSpec,
  x: ArrayLike<number>,
  filter: ArrayLike<number>,
  dy: ArrayLike<number>,
): { dx: Float64Array; dW: Float64Array } {
  const [batch, height, width, channels] = s.xShape;
  const [fH, fW, , k] = s.filterShape;
  const dx = new Float64Array(batch * height * width * channels);
  const dW = new Float64Array(fH * fW * channels * k);
  forEachTap(s, (xPixel, fTap, yPixel) => {
    for (let c = 0; c < channels; c++) {
      for (let m = 0; m < k; m++) {
        const g = dy[yPixel + (s.depthwise ? c * k + m : m)];
        const fAt = fTap + c * k + m;
        dW[fAt] += x[xPixel + c] * g;
        dx[xPixel + c] += filter[fAt] * g;
      }
    }
  });
  return { dx, dW };
}

/** `out[s, j] = Σ_{i : ids[i] = s} x[i, j]` for j < inner, ids outside [0, numSegments) dropped. */
export function segmentSum(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  numSegments: number,
  inner: number,
): Float64Array {
  const out = new Float64Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    for (let j = 0; j < inner; j++) out[id * inner + j] += x[i * inner + j];
  }
  return out;
}
