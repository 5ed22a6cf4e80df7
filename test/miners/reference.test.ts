import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { CosineSimilarity, DotProductSimilarity, LpDistance, type BaseDistance } from '../../src/distances/index.js';
import {
  BatchEasyHardMiner,
  BatchHardMiner,
  MultiSimilarityMiner,
  TripletMarginMiner,
  type BatchStrategy,
  type PairIndices,
  type TripletIndices,
  type TripletType,
} from '../../src/miners/index.js';
import { describeBackends, matrix } from '../helpers/tensors.js';
import { randomBatch, type Batch } from '../helpers/mining-batch.js';
import { dotMatrix, lpMatrix, normalizeRows } from '../reference/distances.js';
import { batchEasyHardRef, multiSimilarityRef, tripletMarginRef, type Range, type Tuple } from '../reference/miners.js';

/** The distance's matrix in doubles, from the plain-loop reference. */
function referenceMatrix(distance: BaseDistance, data: number[][]): number[][] {
  const rows = distance.normalizeEmbeddings ? normalizeRows(data) : data;
  return distance.isInverted ? dotMatrix(rows, rows) : lpMatrix(rows, rows, (distance as LpDistance).p, distance.power);
}

const DISTANCES: Array<[string, () => BaseDistance]> = [
  ['Lp', () => new LpDistance()],
  ['Cosine', () => new CosineSimilarity()],
  ['Lp unnormalized, squared', () => new LpDistance({ normalizeEmbeddings: false, power: 2 })],
  ['DotProduct', () => new DotProductSimilarity()],
];

/** Sizes chosen so that a batch has several labels with several rows each (and one with 30 rows: the Gram form). */
const SHAPES: Array<[number, number, number]> = [
  [10, 3, 3],
  [16, 8, 4],
  [30, 5, 5],
  [12, 2, 2],
];

function sortTuples(t: Tuple[]): Tuple[] {
  return [...t].sort((x, y) => x[0] - y[0] || x[1] - y[1] || (x[2] ?? 0) - (y[2] ?? 0));
}

function triplets(t: TripletIndices): Tuple[] {
  return Array.from(t.anchors, (a, k) => [a, t.positives[k], t.negatives[k]]);
}

function pairs(p: PairIndices): { pos: Tuple[]; neg: Tuple[] } {
  return {
    pos: Array.from(p.a1, (a, k) => [a, p.p[k]]),
    neg: Array.from(p.a2, (a, k) => [a, p.n[k]]),
  };
}

/** Each random batch, with its reference matrix, for each distance. */
function forEachBatch(
  fn: (batch: Batch, x: tf.Tensor2D, distance: BaseDistance, ref: number[][], what: string) => void,
): number {
  let count = 0;
  const rng = new Random(2024);
  for (const [n, dim, classes] of SHAPES) {
    const batch = randomBatch(rng, n, dim, classes);
    const x = matrix(batch.data);
    for (const [name, make] of DISTANCES) {
      const distance = make();
      fn(batch, x, distance, referenceMatrix(distance, batch.data), `${name} n=${n} d=${dim}`);
      count++;
    }
    x.dispose();
  }
  return count;
}

describeBackends(['cpu', 'wasm'], 'miners against explicit loops', () => {
  it('TripletMarginMiner: every type and margin, lexicographic order', () => {
    let checked = 0;
    forEachBatch((batch, x, distance, ref, what) => {
      for (const type of ['all', 'hard', 'semihard', 'easy'] as TripletType[]) {
        for (const margin of [0, 0.1, 0.3, -0.05]) {
          const got = triplets(
            new TripletMarginMiner({ margin, typeOfTriplets: type, distance }).mine(x, batch.labels),
          );
          const want = tripletMarginRef(ref, batch.labels, margin, type, distance.isInverted);
          assert.deepEqual(got, want, `${what} ${type} margin=${margin}`);
          checked++;
        }
      }
    });
    assert.equal(checked, 4 * 4 * 4 * 4);
  });

  it('BatchEasyHardMiner: every valid strategy pair, with and without allowed ranges', () => {
    const strategies: BatchStrategy[] = ['easy', 'semihard', 'hard', 'all'];
    let checked = 0;
    forEachBatch((batch, x, distance, ref, what) => {
      const values = ref.flat().sort((a, b) => a - b);
      // Ranges cut through the batch's own distances (between the 20% and 70% quantiles, or above the median).
      const q = (f: number): number => values[Math.floor(f * (values.length - 1))] + 1e-4;
      const ranges: Array<[Range, Range]> = [
        [null, null],
        [[q(0.2), q(0.7)], null],
        [null, [q(0.5), Infinity]],
        [
          [-Infinity, q(0.6)],
          [q(0.1), q(0.9)],
        ],
      ];
      for (const posStrategy of strategies) {
        for (const negStrategy of strategies) {
          const invalid =
            (posStrategy === 'semihard' && (negStrategy === 'semihard' || negStrategy === 'all')) ||
            (negStrategy === 'semihard' && posStrategy === 'all');
          if (invalid) continue;
          for (const [allowedPosRange, allowedNegRange] of ranges) {
            const miner = new BatchEasyHardMiner({
              posStrategy,
              negStrategy,
              allowedPosRange,
              allowedNegRange,
              distance,
            });
            const got = pairs(miner.mine(x, batch.labels));
            const want = batchEasyHardRef(
              ref,
              batch.labels,
              posStrategy,
              negStrategy,
              allowedPosRange,
              allowedNegRange,
              distance.isInverted,
            );
            const label = `${what} pos=${posStrategy} neg=${negStrategy} ranges=${JSON.stringify([allowedPosRange, allowedNegRange])}`;
            assert.deepEqual(sortTuples(got.pos), sortTuples(want.pos), `${label}: positive pairs`);
            assert.deepEqual(sortTuples(got.neg), sortTuples(want.neg), `${label}: negative pairs`);
            checked++;
          }
        }
      }
    });
    // 13 valid strategy pairs x 4 range settings x 16 batch/distance combinations.
    assert.equal(checked, 13 * 4 * 16);
  });

  it('BatchHardMiner: the farthest positive and closest negative of each anchor', () => {
    let checked = 0;
    forEachBatch((batch, x, distance, ref, what) => {
      const got = triplets(new BatchHardMiner({ distance }).mine(x, batch.labels));
      const { pos, neg } = batchEasyHardRef(ref, batch.labels, 'hard', 'hard', null, null, distance.isInverted);
      assert.deepEqual(
        got,
        pos.map(([a, p], k) => [a, p, neg[k][1]]),
        what,
      );
      assert.ok(got.length > 0, `${what}: some anchors`);
      checked++;
    });
    assert.equal(checked, 16);
  });

  it('MultiSimilarityMiner: both rules for several epsilons, pairs by anchor in order of value', () => {
    let checked = 0;
    forEachBatch((batch, x, distance, ref, what) => {
      for (const epsilon of [0, 0.05, 0.1, 0.5]) {
        const output = new MultiSimilarityMiner({ epsilon, distance }).mine(x, batch.labels);
        const got = pairs(output);
        const want = multiSimilarityRef(ref, batch.labels, epsilon, distance.isInverted);
        assert.deepEqual(sortTuples(got.pos), sortTuples(want.pos), `${what} eps=${epsilon}: positive pairs`);
        assert.deepEqual(sortTuples(got.neg), sortTuples(want.neg), `${what} eps=${epsilon}: negative pairs`);
        // PML's order: anchors ascending, each anchor's pairs by increasing matrix value.
        for (const list of [got.pos, got.neg]) {
          for (let k = 1; k < list.length; k++) {
            const [a0, j0] = list[k - 1];
            const [a1, j1] = list[k];
            assert.ok(a0 < a1 || (a0 === a1 && ref[a0][j0] <= ref[a1][j1] + 1e-6), `${what}: order at ${k}`);
          }
        }
        checked++;
      }
    });
    assert.equal(checked, 64);
  });

  it('lastStats: counts and mean mined distances read off the matrix', () => {
    forEachBatch((batch, x, distance, ref, what) => {
      const tmm = new TripletMarginMiner({ margin: 0.3, distance });
      const t = triplets(tmm.mine(x, batch.labels));
      const stats = tmm.lastStats;
      assert.ok(stats !== null);
      assert.equal(stats.batchSize, batch.labels.length);
      assert.equal(stats.numTriplets, t.length);
      assert.equal(stats.numPosPairs, t.length);
      assert.equal(stats.isInverted, distance.isInverted);
      if (t.length > 0) {
        const meanAP = t.reduce((s, [a, p]) => s + ref[a][p], 0) / t.length;
        const meanAN = t.reduce((s, [a, , n]) => s + ref[a][n], 0) / t.length;
        assert.ok(
          Math.abs((stats.meanAP as number) - meanAP) <= 1e-5 * Math.max(1, Math.abs(meanAP)),
          `${what} meanAP`,
        );
        assert.ok(
          Math.abs((stats.meanAN as number) - meanAN) <= 1e-5 * Math.max(1, Math.abs(meanAN)),
          `${what} meanAN`,
        );
      } else {
        assert.equal(stats.meanAP, undefined);
      }
      const msm = new MultiSimilarityMiner({ distance });
      const { pos, neg } = pairs(msm.mine(x, batch.labels));
      const joined = pos.reduce((s, [a]) => s + neg.filter(([b]) => b === a).length, 0);
      assert.equal(msm.lastStats?.numTriplets, joined, `${what}: joined triplets of a pair miner`);
      assert.equal(msm.lastStats?.numPosPairs, pos.length);
      assert.equal(msm.lastStats?.numNegPairs, neg.length);
    });
  });
});
