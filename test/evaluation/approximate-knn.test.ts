import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { knn, knnRecall, retrievalMetrics, sampleRows, type KnnResult } from '../../src/evaluation/index.js';
import { CosineSimilarity, DotProductSimilarity, LpDistance, type BaseDistance } from '../../src/distances/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { Random } from '../../src/random.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { knnReference, pairDistance, type ReferenceDistance } from '../reference/evaluation.js';

const METRIC_KEYS = [
  'precisionAt1',
  'rPrecision',
  'meanAveragePrecisionAtR',
  'meanAveragePrecision',
  'meanReciprocalRank',
] as const;

const DISTANCES: Array<[string, () => BaseDistance, ReferenceDistance]> = [
  ['Euclidean', () => new LpDistance({ normalizeEmbeddings: false }), 'euclidean'],
  ['normalized Euclidean', () => new LpDistance(), 'euclidean-normalized'],
  ['squared Euclidean', () => new LpDistance({ normalizeEmbeddings: false, power: 2 }), 'squared-euclidean'],
  ['cosine', () => new CosineSimilarity(), 'cosine'],
  ['dot product', () => new DotProductSimilarity(), 'dot'],
];

/** An index searched with ef far above the row count visits every node: as exact as brute force. */
const EXHAUSTIVE = { connectivity: 16, expansionAdd: 400, expansionSearch: 400, threads: 1 };

function clustered(rng: Random, rows: number, dim: number, classes: number, spread: number) {
  const centers = Array.from({ length: classes }, () => Array.from({ length: dim }, () => rng.normal()));
  const labels = Array.from({ length: rows }, () => rng.int(classes));
  const data = labels.map((l) => centers[l].map((v) => Math.fround(v + spread * rng.normal())));
  return { data, labels };
}

/** Position by position the reference's index, or (a float32 near-tie) a row at the same distance. */
function assertMatchesReference(
  got: KnnResult,
  query: number[][],
  reference: number[][],
  want: { indices: number[][]; distances: number[][] },
  kind: ReferenceDistance,
): void {
  query.forEach((q, i) => {
    for (let j = 0; j < got.k; j++) {
      const ours = got.indices[i * got.k + j];
      const d = want.distances[i][j];
      const tol = 1e-4 * Math.max(1, Math.abs(d));
      if (ours !== want.indices[i][j]) {
        assert.ok(
          Math.abs(pairDistance(q, reference[ours], kind) - d) <= tol,
          `row ${i} rank ${j}: ${ours} != ${want.indices[i][j]}`,
        );
      }
      assert.ok(
        Math.abs(got.distances[i * got.k + j] - d) <= tol,
        `row ${i} rank ${j}: distance ${got.distances[i * got.k + j]} != ${d}`,
      );
    }
  });
}

describeBackends(['cpu'], 'approximate knn', () => {
  const rng = new Random(11);
  const { data: rows } = clustered(rng, 150, 10, 6, 0.7);
  const { data: others } = clustered(rng, 40, 10, 6, 0.7);

  for (const [name, make, kind] of DISTANCES) {
    it(`${name}: an exhaustive index gives the double-precision loop's neighbours, self excluded or not`, () => {
      const x = matrix(rows);
      const q = matrix(others);
      const self = expectNoLeak(
        () => knn({ query: x, k: 7, distance: make(), search: 'approximate', index: EXHAUSTIVE }),
        'knn',
      );
      assertMatchesReference(self, rows, rows, knnReference(rows, rows, 7, kind, true), kind);
      const cross = expectNoLeak(
        () => knn({ query: q, reference: x, k: 5, distance: make(), search: 'approximate', index: EXHAUSTIVE }),
        'knn',
      );
      assertMatchesReference(cross, others, rows, knnReference(others, rows, 5, kind), kind);
      tf.dispose([x, q]);
    });
  }

  it('orders exact duplicates by the lower index and drops the own row as exact search does', () => {
    // Rows 0, 3 and 5 coincide, 1 and 4 coincide: every tie is exact.
    const base = [
      [0, 0, 1],
      [2, 1, 0],
      [5, 5, 5],
      [0, 0, 1],
      [2, 1, 0],
      [0, 0, 1],
      [1, 1, 1],
      [3, 0, 2],
    ];
    const x = matrix(base);
    for (const k of [1, 2, 3, 5]) {
      const exact = knn({ query: x, k });
      const approximate = knn({ query: x, k, search: 'approximate', index: EXHAUSTIVE });
      assert.deepEqual(Array.from(approximate.indices), Array.from(exact.indices), `k=${k}`);
    }
    x.dispose();
  });

  it('retrievalMetrics: approximate equals exact where the index is exhaustive, and its report says so', () => {
    const { data, labels } = clustered(new Random(3), 300, 8, 5, 1.2);
    const x = matrix(data);
    for (const k of [null, 'maxBinCount', 10] as const) {
      const exact = retrievalMetrics({ query: x, queryLabels: labels, k });
      const approximate = expectNoLeak(
        () =>
          retrievalMetrics({
            query: x,
            queryLabels: labels,
            k,
            knn: 'approximate',
            index: { ...EXHAUSTIVE, expansionSearch: 600 },
            approximation: { recallQueries: 50, compareRows: 120, seed: 4 },
          }),
        'retrievalMetrics',
      );
      // Far down a list of all 299 references, float32 near-ties (USearch's l2sq against the
      // centred matrix product of exact search) may swap: equal to 1e-6, not to the last bit.
      for (const key of METRIC_KEYS) {
        assert.ok(
          Math.abs(approximate[key] - exact[key]) < 1e-6,
          `${key} k=${k}: ${approximate[key]} != ${exact[key]}`,
        );
        assert.ok(Math.abs(approximate.approximation!.subset!.difference[key]) < 1e-6, `subset ${key}`);
      }
      const report = approximate.approximation!;
      assert.deepEqual(
        [report.library, report.metric, report.recall.queries, report.recall.k],
        ['usearch', 'l2sq', 50, exact.k],
      );
      assert.equal(report.recall.recallAtK, 1);
      assert.equal(report.subset?.rows, 120);
    }
    x.dispose();
  });

  it('reports recall@k equal to an explicit count against the double-precision loop on the same sampled rows', () => {
    // A thin graph and a small ef on noisy data: a recall well below 1, so the count is tested.
    const { data, labels } = clustered(new Random(5), 800, 24, 40, 3);
    const x = matrix(data);
    const index = { connectivity: 3, expansionAdd: 8, expansionSearch: 8, threads: 1 };
    const k = 6;
    const got = retrievalMetrics({
      query: x,
      queryLabels: labels,
      k,
      knn: 'approximate',
      index,
      approximation: { recallQueries: 100, compareRows: 0, seed: 9 },
    });
    const approximate = knn({ query: x, k, search: 'approximate', index });
    const rows = sampleRows(800, 100, 9);
    const want = knnReference(
      Array.from(rows, (r) => data[r]),
      data,
      k + 1,
      'euclidean',
    );
    let hits = 0;
    rows.forEach((row, s) => {
      const exactSet = new Set(want.indices[s].filter((j) => j !== row).slice(0, k));
      for (let j = 0; j < k; j++) if (exactSet.has(approximate.indices[row * k + j])) hits++;
    });
    const recall = hits / (rows.length * k);
    assert.ok(recall < 0.95, `the setting should miss neighbours (recall ${recall})`);
    assert.ok(
      Math.abs(got.approximation!.recall.recallAtK - recall) < 1e-12,
      `${got.approximation!.recall.recallAtK} != ${recall}`,
    );
    assert.equal(got.approximation!.subset, null);
    x.dispose();
  });

  it('knnRecall and sampleRows against explicit counts', () => {
    const exact = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const approximate = Int32Array.from([3, 9, 1, 6, 5, 4]);
    assert.equal(knnRecall(approximate, exact, 3), (2 / 3 + 3 / 3) / 2);
    const rows = sampleRows(1000, 50, 2);
    assert.equal(new Set(rows).size, 50);
    assert.ok(rows.every((r, i) => r >= 0 && r < 1000 && (i === 0 || r > rows[i - 1])));
    assert.deepEqual(Array.from(sampleRows(1000, 50, 2)), Array.from(rows));
    assert.notDeepEqual(Array.from(sampleRows(1000, 50, 3)), Array.from(rows));
    assert.deepEqual(Array.from(sampleRows(4, 10, 0)), [0, 1, 2, 3]);
  });

  it('refuses unknown methods and distances the index cannot rank, naming the option', () => {
    const before = tf.memory().numTensors;
    const x = matrix(rows);
    const refuses = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(
        fn,
        (e: unknown) => e instanceof DeepmetricError && e.code === 'invalid-argument' && pattern.test(e.message),
      );
    refuses(
      () => knn({ query: x, k: 2, search: 'fast' as 'exact' }),
      /Option `search` must be 'exact' or 'approximate'. Received: search=fast/,
    );
    refuses(
      () => retrievalMetrics({ query: x, queryLabels: rows.map((_, i) => i % 3), knn: 'hnsw' as 'exact' }),
      /Option `knn` must be 'exact' or 'approximate'. Received: knn=hnsw/,
    );
    refuses(
      () => knn({ query: x, k: 2, search: 'approximate', distance: new LpDistance({ p: 1 }) }),
      /Approximate k-NN supports Euclidean .*p=1.*use knn: 'exact'/,
    );
    refuses(
      () => knn({ query: x, k: 2, search: 'approximate', index: { connectivity: 0 } }),
      /`connectivity` .* integer >= 1. Received: connectivity=0/,
    );
    x.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
