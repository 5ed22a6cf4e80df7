import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { knn, type KnnResult } from '../../src/evaluation/index.js';
import { CosineSimilarity, DotProductSimilarity, LpDistance, type BaseDistance } from '../../src/distances/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { defaultBatchSize } from '../../src/evaluation/neighbour-chunks.js';
import { makeRanking } from '../../src/evaluation/ranking.js';
import { Random } from '../../src/random.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { knnReference, pairDistance, type ReferenceDistance } from '../reference/evaluation.js';

function gaussianRows(rng: Random, rows: number, cols: number, scale = 1, offset = 0): number[][] {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => Math.fround(offset + scale * rng.normal())),
  );
}

const DISTANCES: Array<[string, () => BaseDistance, ReferenceDistance]> = [
  ['Euclidean', () => new LpDistance({ normalizeEmbeddings: false }), 'euclidean'],
  ['normalized Euclidean', () => new LpDistance(), 'euclidean-normalized'],
  ['squared Euclidean', () => new LpDistance({ normalizeEmbeddings: false, power: 2 }), 'squared-euclidean'],
  ['cosine', () => new CosineSimilarity(), 'cosine'],
  ['dot product', () => new DotProductSimilarity(), 'dot'],
  ['Manhattan (through pairwise)', () => new LpDistance({ normalizeEmbeddings: false, p: 1 }), 'manhattan'],
];

/**
 * Our neighbours against the double-precision loop: position by position the same index, or (for a
 * near-tie that float32 may order either way) a reference row at the same distance.
 */
function assertSameNeighbours(
  got: KnnResult,
  query: number[][],
  reference: number[][],
  want: { indices: number[][]; distances: number[][] },
  kind: ReferenceDistance,
): void {
  const k = got.k;
  query.forEach((q, i) => {
    for (let j = 0; j < k; j++) {
      const ours = got.indices[i * k + j];
      const theirs = want.indices[i][j];
      const d = want.distances[i][j];
      const tol = 1e-4 * Math.max(1, Math.abs(d));
      if (ours !== theirs) {
        const dOurs = pairDistance(q, reference[ours], kind);
        assert.ok(Math.abs(dOurs - d) <= tol, `row ${i} rank ${j}: index ${ours} (d=${dOurs}) != ${theirs} (d=${d})`);
      }
      assert.ok(
        Math.abs(got.distances[i * k + j] - d) <= tol,
        `row ${i} rank ${j}: distance ${got.distances[i * k + j]} != ${d}`,
      );
    }
  });
}

describeBackends(['cpu', 'wasm'], 'knn', () => {
  const rng = new Random(7);
  const queryRows = gaussianRows(rng, 37, 12);
  const refRows = gaussianRows(rng, 53, 12);
  // Embeddings huddled far from the origin (near collapse): the Gram form must still rank them.
  const huddled = gaussianRows(rng, 40, 12, 1e-3, 5);

  for (const [name, make, kind] of DISTANCES) {
    it(`${name}: equals the plain loop, for every chunk size`, () => {
      const query = matrix(queryRows);
      const reference = matrix(refRows);
      const want = knnReference(queryRows, refRows, 7, kind);
      let first: KnnResult | null = null;
      for (const batchSize of [1, 5, 16, 37, 1000]) {
        const got = expectNoLeak(() => knn({ query, reference, k: 7, distance: make(), batchSize }), 'knn');
        assertSameNeighbours(got, queryRows, refRows, want, kind);
        // Chunking changes nothing, bit for bit.
        if (first === null) first = got;
        else {
          assert.deepEqual(got.indices, first.indices, `batchSize ${batchSize}: indices`);
          assert.deepEqual(got.distances, first.distances, `batchSize ${batchSize}: distances`);
        }
      }
      tf.dispose([query, reference]);
    });

    it(`${name}: excludes each query's own row when it searches itself`, () => {
      const x = matrix(queryRows);
      const want = knnReference(queryRows, queryRows, 5, kind, true);
      for (const batchSize of [4, 37]) {
        const got = expectNoLeak(() => knn({ query: x, k: 5, distance: make(), batchSize }), 'knn');
        assertSameNeighbours(got, queryRows, queryRows, want, kind);
        for (let i = 0; i < queryRows.length; i++)
          assert.ok(!got.indices.slice(i * 5, i * 5 + 5).includes(i), `row ${i} found itself`);
      }
      x.dispose();
    });
  }

  it('ranks huddled embeddings (all within 1e-3 of a point far from the origin) like the plain loop', () => {
    const x = matrix(huddled);
    for (const [distance, kind] of [
      [new LpDistance({ normalizeEmbeddings: false }), 'euclidean'],
      [new LpDistance({ normalizeEmbeddings: false, power: 2 }), 'squared-euclidean'],
    ] as const) {
      const want = knnReference(huddled, huddled, 4, kind, true);
      const got = knn({ query: x, k: 4, distance, batchSize: 9 });
      const k = 4;
      huddled.forEach((q, i) => {
        for (let j = 0; j < k; j++) {
          const d = want.distances[i][j];
          const dOurs = pairDistance(q, huddled[got.indices[i * k + j]], kind);
          // Distances of ~1e-3 from rows of norm ~17: float32 rounding of the rows themselves is ~5e-7.
          assert.ok(Math.abs(dOurs - d) <= 2e-3 * d + 1e-6, `row ${i} rank ${j}: ${dOurs} vs ${d}`);
          assert.ok(
            Math.abs(got.distances[i * k + j] - d) <= 2e-2 * d + 1e-6,
            `distance ${got.distances[i * k + j]} vs ${d}`,
          );
        }
      });
    }
    x.dispose();
  });

  it('breaks exact ties by the lower index and drops the last neighbour when duplicates push the own row out', () => {
    // Rows 0, 1, 2 are identical; row 3 is far away.
    const rows = [
      [1, 1],
      [1, 1],
      [1, 1],
      [9, 9],
    ];
    const x = matrix(rows);
    // k + 1 = 3 neighbours are rows 0, 1, 2 (tied at 0, in index order) for each of them: each removes itself.
    const got = knn({ query: x, k: 2 });
    assert.deepEqual(Array.from(got.indices), [1, 2, 0, 2, 0, 1, 0, 1]);
    // k + 1 = 2 neighbours of row 2 are rows 0 and 1, without row 2 itself: PML drops the last one instead.
    const one = knn({ query: x, k: 1 });
    assert.deepEqual(Array.from(one.indices), [1, 0, 0, 0]);
    assert.deepEqual(Array.from(one.distances.slice(0, 3)), [0, 0, 0]);
    x.dispose();
  });

  it('keeps memory bounded: every kernel output fits in one chunk of batchSize x references', async () => {
    const local = new Random(3);
    const numQueries = 300;
    const numRefs = 500;
    const query = matrix(gaussianRows(local, numQueries, 16));
    const reference = matrix(gaussianRows(local, numRefs, 16));
    const peaks: number[] = [];
    for (const batchSize of [32, 300]) {
      for (const distance of [
        new LpDistance({ normalizeEmbeddings: false }),
        new CosineSimilarity(),
        new LpDistance({ p: 1 }),
      ]) {
        const info = await tf.profile(() => {
          knn({ query, reference, k: 10, distance, batchSize });
        });
        const largest = Math.max(
          ...info.kernels.flatMap((kernel) => kernel.outputShapes.map((s) => s.reduce((a, b) => a * b, 1))),
        );
        // Manhattan (pairwise) forms batch x refs x dim differences; the matrix-product paths only batch x refs.
        const bound =
          distance instanceof LpDistance && distance.p === 1
            ? batchSize * numRefs * 16
            : Math.max(batchSize * numRefs, 17 * numRefs);
        assert.ok(largest <= bound, `batchSize ${batchSize}: a kernel made ${largest} entries (bound ${bound})`);
        assert.equal(info.newTensors, 0, 'tensors left behind');
        const products = info.kernels.filter((kernel) => kernel.name === 'TopK').length;
        assert.equal(products, Math.ceil(numQueries / batchSize), 'one top-k per chunk');
        if (distance instanceof CosineSimilarity) peaks.push(info.peakBytes);
      }
    }
    assert.ok(peaks[0] < peaks[1] / 3, `peak bytes ${peaks[0]} (batch 32) vs ${peaks[1]} (batch 300)`);
    tf.dispose([query, reference]);
  });

  it('sizes default chunks by the largest intermediate: references, or references x dims for pairwise Lp', () => {
    const reference = tf.zeros([600, 16]) as tf.Tensor2D;
    const cases: Array<[BaseDistance, number]> = [
      [new LpDistance({ normalizeEmbeddings: false }), 600],
      [new CosineSimilarity(), 600],
      [new DotProductSimilarity({ power: 2 }), 600],
      [new LpDistance({ p: 1 }), 600 * 16],
    ];
    for (const [distance, entries] of cases) {
      const ranking = makeRanking(distance, reference);
      assert.equal(ranking.entriesPerQuery, entries, distance.constructor.name);
      ranking.dispose();
    }
    assert.equal(defaultBatchSize(60000, 60000), 139);
    assert.equal(defaultBatchSize(60000, 60000 * 128), 1);
    assert.equal(defaultBatchSize(50, 100), 50);
    reference.dispose();
  });

  it('rejects bad input with a clear error', () => {
    const x = matrix([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const y = matrix([[1, 2, 3]]);
    const nan = matrix([
      [1, 2],
      [NaN, 0],
      [0, 0],
    ]);
    const single = matrix([[1, 2]]);
    const isArgError = (pattern: RegExp) => (e: unknown) =>
      e instanceof DeepmetricError && e.code === 'invalid-argument' && pattern.test(e.message);
    assert.throws(() => knn({ query: x, k: 0 }), isArgError(/`k` must be an integer in \[1, 2\].*Received: k=0/));
    assert.throws(() => knn({ query: x, k: 3 }), isArgError(/`k` must be an integer in \[1, 2\]/));
    assert.throws(() => knn({ query: x, reference: x, k: 4, excludeSelf: false }), isArgError(/\[1, 3\]/));
    assert.throws(() => knn({ query: x, reference: y, k: 1 }), isArgError(/same number of columns/));
    assert.throws(
      () => knn({ query: nan, k: 1 }),
      isArgError(/`query` must hold finite numbers. Received: NaN or Infinity in row 1/),
    );
    assert.throws(() => knn({ query: x, reference: nan, k: 1 }), isArgError(/`reference` must hold finite/));
    assert.throws(() => knn({ query: x, k: 1, batchSize: 0 }), isArgError(/`batchSize` must be an integer >= 1/));
    assert.throws(
      () => knn({ query: x, k: 1, distance: {} as BaseDistance }),
      isArgError(/`distance` must be a deepmetric distance/),
    );
    assert.throws(() => knn({ query: x, reference: single, k: 1, excludeSelf: true }), isArgError(/more queries/));
    tf.dispose([x, y, nan, single]);
  });
});
