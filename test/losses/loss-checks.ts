/** Shared checks of the loss tests: gradients against central differences, leaks, small random inputs. */
import assert from 'node:assert/strict';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import type { BaseMetricLossFunction } from '../../src/losses/index.js';
import type { PairIndices, TripletIndices } from '../../src/miners/index.js';
import { expectNoLeak, matrix } from '../helpers/tensors.js';
import { numericGradient, type Rows } from './reference-losses.js';

/** n x d standard normal rows from a seed, rounded to float32 so that tfjs and the reference see the same numbers. */
export function randomRows(n: number, d: number, seed: number): Rows {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => Math.fround(rng.normal())));
}

/** The loss's value and gradient with respect to the embeddings (and to `weights`), read back. */
export function valueAndGradients(
  loss: BaseMetricLossFunction<unknown>,
  rows: Rows,
  labels: number[],
  indices?: TripletIndices | PairIndices,
  weights: tf.Variable[] = [],
): { value: number; grad: Float32Array; weightGrads: Float32Array[] } {
  const x = tf.variable(matrix(rows));
  const { value, grads } = tf.variableGrads(() => loss.compute(x as tf.Tensor2D, labels, indices), [x, ...weights]);
  const out = {
    value: value.dataSync()[0],
    grad: grads[x.name].dataSync() as Float32Array,
    weightGrads: weights.map((w) => grads[w.name].dataSync() as Float32Array),
  };
  tf.dispose([x, value, ...Object.values(grads)]);
  return out;
}

/**
 * The float32 value agrees with the double reference, and the float32 gradient with the reference's
 * central differences: |g - fd| <= 1e-4 (1 + |fd|), float32 rounding of terms of size ~1.
 */
export function assertMatchesReference(
  what: string,
  got: { value: number; grad: ArrayLike<number> },
  reference: (x: Rows) => number,
  rows: Rows,
  gradTol = 1e-4,
): void {
  const want = reference(rows);
  assert.ok(
    Math.abs(got.value - want) <= 1e-5 * (1 + Math.abs(want)),
    `${what}: value ${got.value} vs reference ${want}`,
  );
  const numeric = numericGradient(reference, rows);
  const scale = 1 + Math.max(...numeric.map(Math.abs));
  numeric.forEach((fd, i) => {
    assert.ok(
      Math.abs(got.grad[i] - fd) <= gradTol * scale,
      `${what}: gradient[${i}] ${got.grad[i]} vs central difference ${fd}`,
    );
  });
  assert.ok(
    numeric.some((v) => Math.abs(v) > 1e-3),
    `${what}: a gradient to compare`,
  );
}

/** compute, its gradient, with and without tuples: nothing left behind. */
export function assertNoLeaks(
  loss: BaseMetricLossFunction<unknown>,
  rows: Rows,
  labels: number[],
  tuples: Array<TripletIndices | PairIndices | undefined>,
): void {
  const x = matrix(rows);
  for (const indices of tuples) {
    const what = indices === undefined ? 'no tuple' : 'anchors' in indices ? 'triplets' : 'pairs';
    expectNoLeak(() => loss.compute(x, labels, indices), `compute (${what})`);
    expectNoLeak(
      () => tf.grad((v: tf.Tensor) => loss.compute(v as tf.Tensor2D, labels, indices))(x),
      `gradient (${what})`,
    );
  }
  const weights = loss.trainableWeights();
  if (weights.length > 0) {
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => loss.compute(x, labels), weights);
      return [value, ...Object.values(grads)];
    }, 'gradient of the weights');
  }
  x.dispose();
}

export const TRIPLETS: TripletIndices = {
  anchors: Int32Array.of(0, 0, 2, 4, 5, 6),
  positives: Int32Array.of(1, 1, 3, 5, 4, 7),
  negatives: Int32Array.of(2, 4, 6, 0, 3, 1),
};
export const PAIRS: PairIndices = {
  a1: Int32Array.of(0, 2, 3, 6),
  p: Int32Array.of(1, 3, 2, 7),
  a2: Int32Array.of(0, 0, 3, 6, 6, 1),
  n: Int32Array.of(2, 5, 4, 0, 1, 7),
};
export const LABELS = [0, 0, 1, 1, 2, 2, 3, 3];
