import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { TripletMarginLoss } from '../../src/losses/index.js';
import { CosineSimilarity, LpDistance, type BaseDistance } from '../../src/distances/index.js';
import { lossContract } from '../helpers/loss-contract.js';
import { describeBackends, matrix } from '../helpers/tensors.js';
import {
  referenceAllTriplets,
  referenceMatrix,
  type ReferenceDistance,
  SMALL_LABELS as LABELS,
  SMALL_ROWS as ROWS,
} from '../reference/losses.js';

const DISTANCES: Array<[string, () => BaseDistance, ReferenceDistance, number]> = [
  ['Euclidean (normalized)', () => new LpDistance(), { kind: 'lp', normalize: true, power: 1 }, 0.65],
  ['cosine', () => new CosineSimilarity(), { kind: 'cosine', normalize: true, power: 1 }, 1.05],
];

/**
 * The selectively contrastive loss from its definition, in doubles, AvgNonZero-reduced: every
 * triplet's hinge of d(a,p) - d(a,n) + m (s(a,n) - s(a,p) + m for a similarity), where a triplet
 * whose negative was closer than its positive at `frozen` takes d(a,p) from `frozen`'s matrix.
 */
function selectiveLoss(x: number[][], frozen: number[][], d: ReferenceDistance, margin: number): number {
  const { mat, inverted } = referenceMatrix(x, d);
  const { mat: mat0 } = referenceMatrix(frozen, d);
  const losses = referenceAllTriplets(LABELS).map(([a, p, n]) => {
    const negativeCloser = inverted ? mat0[a][n] > mat0[a][p] : mat0[a][n] < mat0[a][p];
    const ap = negativeCloser ? mat0[a][p] : mat[a][p];
    return Math.max(0, (inverted ? mat[a][n] - ap : ap - mat[a][n]) + margin);
  });
  const active = losses.filter((l) => l > 0);
  return active.reduce((s, l) => s + l, 0) / active.length;
}

describeBackends(['cpu', 'wasm'], 'TripletMarginLoss selectivelyContrastive', () => {
  it("keeps the loss's value and takes the gradient of triplets with a closer negative from d(a,n) alone (central differences of an explicit loop)", () => {
    for (const [name, makeDistance, refDistance, margin] of DISTANCES) {
      const { mat, inverted } = referenceMatrix(ROWS, refDistance);
      const triplets = referenceAllTriplets(LABELS);
      const closer = triplets.filter(([a, p, n]) => (inverted ? mat[a][n] > mat[a][p] : mat[a][n] < mat[a][p]));
      assert.ok(
        closer.length > 0 && closer.length < triplets.length,
        `${name}: ${closer.length} of ${triplets.length}`,
      );
      const x = matrix(ROWS);
      const selective = new TripletMarginLoss({ margin, distance: makeDistance(), selectivelyContrastive: true });
      const plain = new TripletMarginLoss({ margin, distance: makeDistance() });
      const value = (loss: TripletMarginLoss) => {
        const v = loss.compute(x, LABELS);
        const out = v.dataSync()[0];
        v.dispose();
        return out;
      };
      assert.ok(Math.abs(value(selective) - value(plain)) < 1e-6, `${name}: same value`);
      const g = tf.grad((v: tf.Tensor) => selective.compute(v as tf.Tensor2D, LABELS))(x);
      const analytic = g.dataSync();
      const h = 1e-6;
      ROWS.forEach((row, i) =>
        row.forEach((_, k) => {
          const shifted = (delta: number) =>
            ROWS.map((r, ri) => r.map((val, ki) => (ri === i && ki === k ? val + delta : val)));
          const numeric =
            (selectiveLoss(shifted(h), ROWS, refDistance, margin) -
              selectiveLoss(shifted(-h), ROWS, refDistance, margin)) /
            (2 * h);
          const got = analytic[i * row.length + k];
          assert.ok(
            Math.abs(got - numeric) <= 2e-5 + 1e-4 * Math.abs(numeric),
            `${name} [${i},${k}]: ${got} vs ${numeric}`,
          );
        }),
      );
      // And it differs from the plain gradient: the positives of those triplets are no longer pulled.
      const gPlain = tf.grad((v: tf.Tensor) => plain.compute(v as tf.Tensor2D, LABELS))(x);
      assert.ok(
        gPlain.dataSync().some((v, j) => Math.abs(v - analytic[j]) > 1e-4),
        `${name}: the gradient changed`,
      );
      tf.dispose([x, g, gPlain]);
    }
  });

  it('is turned on and off by useSelectiveContrast, and refuses a non-boolean', () => {
    const loss = new TripletMarginLoss();
    assert.equal(loss.selectivelyContrastive, false);
    loss.useSelectiveContrast(true);
    assert.equal(loss.selectivelyContrastive, true);
    assert.throws(
      () => new TripletMarginLoss({ selectivelyContrastive: 1 as never }),
      /`selectivelyContrastive` must be a boolean\. Received: selectivelyContrastive=1/,
    );
  });

  lossContract(
    'TripletMarginLoss selectivelyContrastive',
    () => new TripletMarginLoss({ margin: 0.2, selectivelyContrastive: true }),
  );
});
