import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { BaseDistance, CosineSimilarity, DotProductSimilarity, LpDistance } from '../../src/distances/index.js';
import { BatchHardMiner, hardestTriplets, type TripletIndices } from '../../src/miners/index.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { dotMatrix, lpMatrix, normalizeRows } from '../reference/distances.js';
import { hardestRef, type Tuple } from '../reference/miners.js';

/** Euclidean distance through the generic `pairwise` path (not an LpDistance, so no Gram shortcut). */
class PlainEuclidean extends BaseDistance {
  readonly isInverted = false;
  constructor() {
    super({}, false);
  }
  protected computeMatrix(query: tf.Tensor2D, ref: tf.Tensor2D | null): tf.Tensor2D {
    const diff = tf.sub(tf.expandDims(query, 1), tf.expandDims(ref ?? query, 0));
    return tf.sqrt(tf.sum(tf.square(diff), 2)) as tf.Tensor2D;
  }
}

const DISTANCES: Array<[string, () => BaseDistance, (x: number[][]) => number[][]]> = [
  ['LpDistance()', () => new LpDistance(), (x) => lpMatrix(normalizeRows(x), normalizeRows(x))],
  ['Lp unnormalized', () => new LpDistance({ normalizeEmbeddings: false }), (x) => lpMatrix(x, x)],
  [
    'Lp unnormalized squared',
    () => new LpDistance({ normalizeEmbeddings: false, power: 2 }),
    (x) => lpMatrix(x, x, 2, 2),
  ],
  ['CosineSimilarity', () => new CosineSimilarity(), (x) => dotMatrix(normalizeRows(x), normalizeRows(x))],
  ['DotProductSimilarity', () => new DotProductSimilarity(), (x) => dotMatrix(x, x)],
  ['Lp p=1 (pairwise path)', () => new LpDistance({ p: 1, normalizeEmbeddings: false }), (x) => lpMatrix(x, x, 1)],
  ['custom distance (pairwise path)', () => new PlainEuclidean(), (x) => lpMatrix(x, x)],
];

function rowsOf(t: TripletIndices): Tuple[] {
  return Array.from(t.anchors, (a, k) => [a, t.positives[k], t.negatives[k]]);
}

function randomSet(seed: number, n: number, dim: number, classes: number): { data: number[][]; labels: number[] } {
  const rng = new Random(seed);
  const data = Array.from({ length: n }, () => Array.from({ length: dim }, () => Math.fround(rng.normal())));
  return { data, labels: data.map(() => rng.int(classes)) };
}

describeBackends(['cpu', 'wasm'], 'hardestTriplets', () => {
  it('matches the explicit loop, with chunk sizes 1, 7 and n giving identical results', () => {
    let checked = 0;
    for (const [seed, n, dim, classes] of [
      [1, 60, 8, 4],
      [2, 97, 16, 10],
      [3, 40, 3, 2],
    ]) {
      const { data, labels } = randomSet(seed, n, dim, classes);
      labels[n - 1] = 99; // a singleton label: its row is an anchor without positive, and a negative for others
      const x = matrix(data);
      for (const [name, make, reference] of DISTANCES) {
        const distance = make();
        const want = hardestRef(reference(data), labels, distance.isInverted);
        assert.equal(want.length, n - 1, 'every anchor but the singleton has a triplet');
        const byDefault = rowsOf(hardestTriplets(x, labels, { distance }));
        assert.deepEqual(byDefault, want, `${name} n=${n}: default chunk`);
        for (const chunkSize of [1, 7, n]) {
          assert.deepEqual(
            rowsOf(hardestTriplets(x, labels, { distance, chunkSize })),
            byDefault,
            `${name} n=${n} chunk ${chunkSize}`,
          );
        }
        checked++;
      }
      x.dispose();
    }
    assert.equal(checked, 3 * DISTANCES.length);
  });

  it('matches the explicit loop on 1,200 rows, where a chunk meets several row blocks', () => {
    // A chunk of c anchors is multiplied with blocks of floor(2^20 / c) rows: with c = 1000 or
    // 1200 the set spans 2 blocks, and the second chunk of 1000 starts inside the first block.
    const { data, labels } = randomSet(7, 1200, 6, 8);
    const x = matrix(data);
    for (const [name, make, reference] of [DISTANCES[0], DISTANCES[3]]) {
      const distance = make();
      const want = hardestRef(reference(data), labels, distance.isInverted);
      for (const chunkSize of [1000, 1200]) {
        assert.deepEqual(
          rowsOf(hardestTriplets(x, labels, { distance, chunkSize })),
          want,
          `${name} chunk ${chunkSize}`,
        );
      }
    }
    x.dispose();
  });

  it('keeps the lowest index among exactly tied candidates, whatever the chunk size', () => {
    const { data, labels } = randomSet(4, 30, 5, 3);
    // Rows 20 and 5 duplicate row 11, and row 25 duplicates row 2: ties for every other anchor.
    // Row 11 lies far out, so that it is the hardest partner of many anchors for every distance.
    data[11] = data[11].map((v) => Math.fround(3 * v));
    data[20] = data[11].slice();
    data[5] = data[11].slice();
    data[25] = data[2].slice();
    labels[20] = labels[11];
    labels[5] = labels[11];
    labels[25] = labels[2];
    const x = matrix(data);
    for (const [name, make, reference] of DISTANCES) {
      const distance = make();
      const want = hardestRef(reference(data), labels, distance.isInverted);
      // The reference breaks ties by the lowest index; check that the duplicates were in play.
      const tiedPicks = want.filter(
        ([a, p, n]) => ![5, 11, 20, 2, 25].includes(a) && [p, n].some((j) => j === 5 || j === 2),
      );
      assert.ok(tiedPicks.length > 0, `${name}: no anchor picked a duplicated row`);
      for (const chunkSize of [1, 7, 30]) {
        const got = rowsOf(hardestTriplets(x, labels, { distance, chunkSize }));
        assert.deepEqual(got, want, `${name} chunk ${chunkSize}`);
      }
    }
    x.dispose();
  });

  it('stays exact when embeddings huddle far from the origin (centered Gram form)', () => {
    const { data: base, labels } = randomSet(5, 80, 12, 5);
    const data = base.map((row) => row.map((v) => Math.fround(50 + 1e-3 * v)));
    const x = matrix(data);
    for (const distance of [
      new LpDistance({ normalizeEmbeddings: false }),
      new LpDistance({ normalizeEmbeddings: false, power: 2 }),
    ]) {
      const want = hardestRef(lpMatrix(data, data), labels, false);
      assert.deepEqual(rowsOf(hardestTriplets(x, labels, { distance, chunkSize: 13 })), want);
    }
    x.dispose();
  });

  it('equals BatchHardMiner on a batch', () => {
    const { data, labels } = randomSet(6, 64, 10, 6);
    const x = matrix(data);
    for (const distance of [new LpDistance(), new CosineSimilarity()]) {
      assert.deepEqual(
        rowsOf(hardestTriplets(x, labels, { distance })),
        rowsOf(new BatchHardMiner({ distance }).mine(x, labels)),
      );
    }
    x.dispose();
  });

  it('skips anchors without a positive or a negative, and leaks nothing', () => {
    const x = matrix([
      [1, 0],
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    assert.deepEqual(rowsOf(hardestTriplets(x, [0, 1, 2, 3])), []);
    assert.deepEqual(rowsOf(hardestTriplets(x, [7, 7, 7, 7])), []);
    assert.deepEqual(
      rowsOf(hardestTriplets(x, [0, 0, 1, 2])).map(([a]) => a),
      [0, 1],
    );
    for (const [, make] of DISTANCES) {
      expectNoLeak(() => hardestTriplets(x, [0, 0, 1, 1], { distance: make(), chunkSize: 3 }), 'hardestTriplets');
    }
    x.dispose();
  });

  it('rejects bad input with a clear error', () => {
    const x = matrix([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const nan = matrix([
      [1, 0],
      [0, NaN],
      [1, 1],
    ]);
    const v = tf.tensor1d([1, 2, 3]);
    assert.throws(
      () => hardestTriplets(x, [0, 1]),
      /`labels` must have one label per embedding row \(3\)\. Received: 2 labels/,
    );
    assert.throws(() => hardestTriplets(x, [0, 1.5, 1]), /must hold 32-bit integers\. Received: labels\[1\]=1\.5/);
    assert.throws(() => hardestTriplets(v as unknown as tf.Tensor2D, [0, 1, 2]), /must be 2-D/);
    assert.throws(
      () => hardestTriplets(x, [0, 1, 1], { chunkSize: 0 }),
      /`chunkSize` must be an integer >= 1\. Received: chunkSize=0/,
    );
    assert.throws(() => hardestTriplets(x, [0, 1, 1], { chunkSize: 2.5 }), /chunkSize=2\.5/);
    assert.throws(() => hardestTriplets(nan, [0, 1, 1]), /must be finite\. Received: embeddings\[1\]\[1\]=NaN/);
    assert.throws(
      () => hardestTriplets(x, [0, 1, 1], { distance: {} as BaseDistance }),
      /`distance` must be a BaseDistance/,
    );
    tf.dispose([x, nan, v]);
  });
});
