import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { tf } from '../../src/tf.js';
import type { Random } from '../../src/random.js';
import type { ConvSpec, Pad, Rounding } from '../reference/conv.js';

// Shared by the wasm kernel tests: random cases, running a kernel on a backend, comparing.

// Accuracy measure throughout: max |actual − expected| / max |expected| <= 1e-4 over the tensor.
export const TOLERANCE = 1e-4;

export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'sizes differ');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** The largest relative error seen by `assertClose`, reported per test. */
let worst = 0;

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const err = relativeError(actual, expected);
  worst = Math.max(worst, err);
  assert.ok(err <= TOLERANCE, `${what}: relative error ${err.toExponential(2)} > ${TOLERANCE}`);
}

export function reportWorst(t: TestContext): void {
  t.diagnostic(`largest relative error ${worst.toExponential(2)}`);
  worst = 0;
}

export function normals(rng: Random, shape: number[]): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/** Runs one kernel through the engine; attrs are plain objects (explicit paddings are nested arrays). */
export function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** Values and shape of `fn()` computed on `backend`; wasm is the current backend again afterwards. */
export async function on(
  backend: 'cpu' | 'wasm',
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<Array<{ values: Float32Array; shape: number[] }>> {
  await tf.setBackend(backend);
  try {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const result = list.map((t) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape }));
    tf.dispose(out);
    return result;
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Data kept by the current backend itself: catches intermediates a kernel forgets, which the engine never sees. */
export function backendDataIds(): number {
  return tf.engine().backend.numDataIds();
}

export function randomPad(rng: Random): { pad: Pad; dimRoundingMode?: Rounding } {
  switch (rng.int(4)) {
    case 0:
      return { pad: 'same' };
    case 1:
      return { pad: 'valid' };
    case 2: {
      const p = () => rng.int(5); // up to 4, so beyond small filters: the kernels' crop path
      return {
        pad: [
          [0, 0],
          [p(), p()],
          [p(), p()],
          [0, 0],
        ],
      };
    }
    default: {
      const modes: Array<Rounding | undefined> = [undefined, 'floor', 'round', 'ceil'];
      return { pad: rng.int(3), dimRoundingMode: modes[rng.int(4)] };
    }
  }
}

/** A random convolution: batch 1..8, channels 1..16, filters 1..5, stride 1|2, dilation 1|2 (depthwise; one of them 1), multiplier 1..2. */
export function randomConv(rng: Random, depthwise: boolean): ConvSpec {
  const stride = 1 + rng.int(2);
  const dilation = depthwise && stride === 1 ? 1 + rng.int(2) : 1;
  const padding = randomPad(rng);
  const fH = 1 + rng.int(5);
  // tfjs sizes the width of a numeric padding with the filter's height: keep such filters square.
  const fW = typeof padding.pad === 'number' ? fH : 1 + rng.int(5);
  const channels = 1 + rng.int(16);
  const k = depthwise ? 1 + rng.int(2) : 1 + rng.int(16);
  const size = (f: number) => (f - 1) * dilation + 1 + rng.int(6);
  const height = size(fH);
  return {
    xShape: [1 + rng.int(8), height, typeof padding.pad === 'number' ? height : size(fW), channels],
    filterShape: [fH, fW, channels, k],
    strides: [stride, stride],
    dilations: [dilation, dilation],
    depthwise,
    ...padding,
  };
}

export function describeCase(s: ConvSpec): string {
  return `x=[${s.xShape}] f=[${s.filterShape}] s=${s.strides[0]} d=${s.dilations[0]} pad=${JSON.stringify(s.pad)}${s.dimRoundingMode ? ` ${s.dimRoundingMode}` : ''}`;
}
