import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { TripletMarginLoss, allTripletIndices, randomTripletIndices } from '../../src/losses/index.js';
import { CosineSimilarity, LpDistance, type BaseDistance } from '../../src/distances/index.js';
import { AvgNonZeroReducer, MeanReducer } from '../../src/reducers/index.js';
import { Random } from '../../src/random.js';
import type { PairIndices, TripletIndices } from '../../src/miners/index.js';
import { lossContract } from '../helpers/loss-contract.js';
import { describeBackends, matrix } from '../helpers/tensors.js';
import {
  referenceAllTriplets,
  referenceMatrix,
  referencePairsToTriplets,
  referenceTripletLoss,
  type ReferenceDistance,
  type Triplet,
  SMALL_LABELS as LABELS,
  SMALL_ROWS as ROWS,
} from '../reference/losses.js';

/**
 * Each distance with a margin chosen for ROWS so that, for every tuple set and swap setting, some
 * triplets are active and some are not (so Mean and AvgNonZero differ), and no violation lies
 * within 0.03 of the hinge (where central differences would straddle the kink).
 */
const DISTANCES: Array<[string, () => BaseDistance, ReferenceDistance, number]> = [
  ['Euclidean (normalized)', () => new LpDistance(), { kind: 'lp', normalize: true, power: 1 }, 0.65],
  [
    'Euclidean (raw)',
    () => new LpDistance({ normalizeEmbeddings: false }),
    { kind: 'lp', normalize: false, power: 1 },
    0.95,
  ],
  ['squared Euclidean', () => new LpDistance({ power: 2 }), { kind: 'lp', normalize: true, power: 2 }, 2.05],
  ['cosine', () => new CosineSimilarity(), { kind: 'cosine', normalize: true, power: 1 }, 1.05],
];

/** A miner-like selection of triplets and of pairs (with repeated anchors, so pairs join into several triplets). */
const TRIPLETS: TripletIndices = {
  anchors: Int32Array.of(0, 2, 4, 6, 3),
  positives: Int32Array.of(1, 6, 5, 2, 2),
  negatives: Int32Array.of(2, 5, 0, 1, 4),
};
const PAIRS: PairIndices = {
  a1: Int32Array.of(0, 3, 6, 3),
  p: Int32Array.of(1, 2, 3, 6),
  a2: Int32Array.of(0, 0, 3, 6, 3),
  n: Int32Array.of(4, 6, 0, 5, 5),
};

function tripletList(t: TripletIndices): Triplet[] {
  return Array.from(t.anchors, (a, i) => [a, t.positives[i], t.negatives[i]]);
}

describeBackends(['cpu', 'wasm'], 'TripletMarginLoss gradients', () => {
  it('agree with central differences of the plain-loop loss in doubles', () => {
    const tuples: Array<[string, TripletIndices | PairIndices | undefined, Triplet[]]> = [
      ['all triplets', undefined, referenceAllTriplets(LABELS)],
      ['mined triplets', TRIPLETS, tripletList(TRIPLETS)],
      [
        'mined pairs',
        PAIRS,
        referencePairsToTriplets(Array.from(PAIRS.a1), Array.from(PAIRS.p), Array.from(PAIRS.a2), Array.from(PAIRS.n)),
      ],
    ];
    let checked = 0;
    for (const [distanceName, makeDistance, refDistance, margin] of DISTANCES) {
      const { mat, inverted } = referenceMatrix(ROWS, refDistance);
      for (const swap of [false, true]) {
        for (const smooth of [false, true]) {
          for (const reducer of ['mean', 'avgNonZero'] as const) {
            for (const [tupleName, indices, triplets] of tuples) {
              const what = `${distanceName} swap=${swap} smooth=${smooth} ${reducer} ${tupleName}`;
              // Central differences are only valid away from the kinks of the hinge and of min(d_an, d_pn).
              for (const [a, p, n] of triplets) {
                const an = swap
                  ? inverted
                    ? Math.max(mat[a][n], mat[p][n])
                    : Math.min(mat[a][n], mat[p][n])
                  : mat[a][n];
                const v = (inverted ? an - mat[a][p] : mat[a][p] - an) + margin;
                if (!smooth) assert.ok(Math.abs(v) > 1e-2, `${what}: violation ${v} too close to the hinge`);
                if (swap) assert.ok(Math.abs(mat[a][n] - mat[p][n]) > 1e-2, `${what}: swap tie`);
              }
              const options = { margin, swap, smooth, reducer, distance: refDistance };
              const active = referenceTripletLoss(ROWS, triplets, options).perTriplet.filter((l) => l > 0).length;
              assert.ok(
                smooth || (active > 0 && active < triplets.length),
                `${what}: ${active} of ${triplets.length} active`,
              );
              const loss = new TripletMarginLoss({
                margin,
                swap,
                smoothLoss: smooth,
                distance: makeDistance(),
                reducer: reducer === 'mean' ? new MeanReducer() : new AvgNonZeroReducer(),
              });
              const x = matrix(ROWS);
              const g = tf.grad((v: tf.Tensor) => loss.compute(v as tf.Tensor2D, LABELS, indices))(x);
              const analytic = g.dataSync();
              const h = 1e-6;
              ROWS.forEach((row, i) =>
                row.forEach((_, k) => {
                  const shifted = (delta: number) =>
                    ROWS.map((r, ri) => r.map((val, ki) => (ri === i && ki === k ? val + delta : val)));
                  const numeric =
                    (referenceTripletLoss(shifted(h), triplets, options).loss -
                      referenceTripletLoss(shifted(-h), triplets, options).loss) /
                    (2 * h);
                  const got = analytic[i * row.length + k];
                  // float32 gradients: about 1e-6 of the terms that make them up.
                  assert.ok(
                    Math.abs(got - numeric) <= 2e-5 + 1e-4 * Math.abs(numeric),
                    `${what} [${i},${k}]: ${got} vs ${numeric}`,
                  );
                }),
              );
              tf.dispose([x, g]);
              checked++;
            }
          }
        }
      }
    }
    assert.equal(checked, DISTANCES.length * 2 * 2 * 2 * tuples.length);
  });
});

describeBackends(['cpu', 'wasm'], 'TripletMarginLoss', () => {
  for (const [distanceName, makeDistance] of DISTANCES) {
    for (const swap of [false, true]) {
      for (const smoothLoss of [false, true]) {
        for (const [reducerName, makeReducer] of [
          ['AvgNonZero', () => new AvgNonZeroReducer()],
          ['Mean', () => new MeanReducer()],
        ] as const) {
          const base = { swap, smoothLoss, margin: 0.2, distance: makeDistance(), reducer: makeReducer() };
          const name = `${distanceName} swap=${swap} smooth=${smoothLoss} ${reducerName}`;
          lossContract(
            `${name} all triplets`,
            () => new TripletMarginLoss({ ...base, distance: makeDistance(), reducer: makeReducer() }),
            {
              internalTuples: (labels) => allTripletIndices(labels),
            },
          );
          lossContract(
            `${name} 3 random triplets per anchor`,
            () =>
              new TripletMarginLoss({
                ...base,
                distance: makeDistance(),
                reducer: makeReducer(),
                tripletsPerAnchor: 3,
                rng: new Random(11),
              }),
            { internalTuples: (labels) => randomTripletIndices(labels, 3, new Random(11)) },
          );
        }
      }
    }
  }
});
