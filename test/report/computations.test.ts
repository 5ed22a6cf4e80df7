import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { createDataset, type Dataset } from '../../src/data/index.js';
import { CosineSimilarity, LpDistance } from '../../src/distances/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { kMeans } from '../../src/evaluation/index.js';
import { Random } from '../../src/random.js';
import { compareWithRaw } from '../../src/evaluation/index.js';
import { nearestNeighbourRows, pairDistances, pcaProjection, umapProjection } from '../../src/report/index.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';
import { clusteringReference, knnReference, pairDistance } from '../reference/evaluation.js';
import { orthonormalBasis } from '../reference/report.js';

/** `perClass` Gaussian rows around a different centre per class. */
function blobs(
  classes: number,
  perClass: number,
  dim: number,
  spread: number,
  seed: number,
): { rows: number[][]; labels: number[] } {
  const rng = new Random(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => 4 * rng.normal()));
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      rows.push(centres[c].map((m) => m + spread * rng.normal()));
      labels.push(c);
    }
  }
  return { rows, labels };
}

function dataset(rows: number[][], labels: number[], classNames = ['a', 'b', 'c', 'd']): Dataset {
  return createDataset({
    features: Float32Array.from(rows.flat()),
    sampleShape: [rows[0].length],
    labels: Int32Array.from(labels),
    classNames,
    source: 'blobs.csv',
  });
}

const tensor = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0].length], 'float32');

describeBackends(['cpu', 'wasm'], 'report computations', () => {
  it('pairDistances measures every unordered pair once, split by label, as the plain-loop reference', () => {
    const { rows, labels } = blobs(3, 7, 5, 1, 1);
    const x = tensor(rows);
    for (const [distance, kind] of [
      [new LpDistance(), 'euclidean-normalized'],
      [new LpDistance({ normalizeEmbeddings: false, power: 2 }), 'squared-euclidean'],
      [new CosineSimilarity(), 'cosine'],
    ] as const) {
      const { positive, negative } = expectNoLeak(() => pairDistances(x, labels, distance), 'pairDistances');
      const expected = { positive: [] as number[], negative: [] as number[] };
      for (let i = 0; i < rows.length; i++) {
        for (let j = i + 1; j < rows.length; j++) {
          (labels[i] === labels[j] ? expected.positive : expected.negative).push(pairDistance(rows[i], rows[j], kind));
        }
      }
      assert.equal(positive.length, 3 * 21);
      assert.equal(negative.length, (21 * 20) / 2 - 63);
      const close = (a: Float64Array, b: number[]) =>
        a.every((v, i) => Math.abs(v - b[i]) <= 1e-4 * Math.max(1, Math.abs(b[i])));
      assert.ok(close(positive, expected.positive) && close(negative, expected.negative), kind);
    }
    x.dispose();
  });

  it('pcaProjection recovers the coordinates along the two largest principal axes, up to sign', () => {
    const d = 6;
    const [u, v, w] = orthonormalBasis(d, 3, 7);
    // Columns of coordinates that are exactly centred and uncorrelated, with variances 25, 4 and 0.01,
    // so the principal axes of the rows are exactly u, v and w.
    const ones = new Array<number>(200).fill(1 / Math.sqrt(200));
    const columns = orthonormalBasis(200, 4, 2, [ones]);
    const scales = [5, 2, 0.1].map((s) => s * Math.sqrt(199));
    const coords = ones.map((_, i) => [1, 2, 3].map((k, c) => scales[c] * columns[k][i]));
    const mean = Array.from({ length: d }, (_, j) => j - 2);
    const rows = coords.map(([a, b, c]) => mean.map((m, j) => m + a * u[j] + b * v[j] + c * w[j]));
    const x = tensor(rows);
    const { xy, explained } = expectNoLeak(() => pcaProjection(x), 'pcaProjection');
    x.dispose();
    // The reference: the centred coordinates along u and v, measured directly.
    const centred = (k: number) => {
      const values = coords.map((c) => c[k]);
      const m = values.reduce((s, t) => s + t, 0) / values.length;
      return values.map((t) => t - m);
    };
    for (const k of [0, 1]) {
      const expected = centred(k);
      const sign = Math.sign(xy[k]) === Math.sign(expected[0]) ? 1 : -1;
      const worst = Math.max(...expected.map((e, i) => Math.abs(sign * xy[2 * i + k] - e)));
      assert.ok(worst < 1e-3, `axis ${k}: largest error ${worst}`);
    }
    const variance = (values: number[]) => values.reduce((s, t) => s + t * t, 0) / (values.length - 1);
    const total = variance(centred(0)) + variance(centred(1)) + variance(centred(2));
    assert.ok(
      explained !== null &&
        Math.abs(explained[0] - 25 / 29.01) < 1e-5 &&
        Math.abs(variance(centred(0)) / total - 25 / 29.01) < 1e-9,
      `explained ${explained}`,
    );
    assert.ok(explained !== null && Math.abs(explained[1] - 4 / 29.01) < 1e-5);
  });

  it('umapProjection is reproducible for a seed and keeps well-separated classes apart', () => {
    const { rows, labels } = blobs(3, 20, 8, 0.3, 3);
    const x = tensor(rows);
    const a = expectNoLeak(() => umapProjection(x, { rng: new Random(4) }), 'umapProjection');
    const b = umapProjection(x, { rng: new Random(4) });
    x.dispose();
    assert.deepEqual(a.xy, b.xy);
    assert.equal(a.explained, null);
    const points = Array.from({ length: labels.length }, (_, i) => [a.xy[2 * i], a.xy[2 * i + 1]]);
    const { indices } = knnReference(points, points, 1, 'euclidean', true);
    const correct = indices.filter((row, i) => labels[row[0]] === labels[i]).length;
    assert.ok(correct >= 57, `1-NN on the map: ${correct} of 60 correct`);
  });

  it('nearestNeighbourRows gives one query per class and its nearest other rows, as a brute-force search', () => {
    const { rows, labels } = blobs(4, 6, 3, 1.5, 5);
    const x = tensor(rows);
    const grid = expectNoLeak(
      () => nearestNeighbourRows(x, labels, { queries: 3, k: 4, rng: new Random(0) }),
      'nearestNeighbourRows',
    );
    x.dispose();
    assert.deepEqual(
      grid.map((g) => labels[g.query]),
      [0, 1, 2],
      'the classes with the lowest ids, one query each',
    );
    const { indices } = knnReference(rows, rows, 4, 'euclidean', true);
    for (const g of grid) assert.deepEqual(g.neighbours, indices[g.query]);
  });

  it('compareWithRaw scores the embeddings and the raw features alike: 1-NN and clustering of each', () => {
    const { rows, labels } = blobs(3, 10, 5, 2.5, 6);
    const data = dataset(rows, labels);
    // Embeddings that keep only the first two features: a different geometry from the raw input.
    const kept = rows.map((r) => r.slice(0, 2));
    const x = tensor(kept);
    const result = expectNoLeak(() => compareWithRaw(x, data, { seed: 3 }), 'compareWithRaw');
    x.dispose();
    assert.deepEqual([result.samples, result.classes, result.embedding.k, result.raw.k], [30, 3, 29, 29]);
    const p1 = (vectors: number[][]) => {
      const { indices } = knnReference(vectors, vectors, 1, 'euclidean', true);
      return indices.filter((row, i) => labels[row[0]] === labels[i]).length / labels.length;
    };
    assert.equal(result.embedding.precisionAt1, p1(kept));
    assert.equal(result.raw.precisionAt1, p1(rows));
    const clusters = (vectors: number[][]) => Array.from(kMeans(vectors, 3, { rng: new Random(3) }).labels);
    const expectedRaw = clusteringReference(labels, clusters(rows));
    assert.ok(Math.abs(result.raw.ami - expectedRaw.ami) < 1e-9 && Math.abs(result.raw.nmi - expectedRaw.nmi) < 1e-9);
    const expectedEmb = clusteringReference(labels, clusters(kept));
    assert.ok(Math.abs(result.embedding.ami - expectedEmb.ami) < 1e-9);
  });

  it('compareWithRaw refuses mismatched counts, non-finite embeddings and a single class, naming the data', () => {
    const { rows, labels } = blobs(2, 4, 3, 1, 8);
    const data = dataset(rows, labels);
    const inputError = (pattern: RegExp) => (error: unknown) =>
      error instanceof DeepmetricError && error.code === 'invalid-input' && pattern.test(error.message);
    const short = tensor(rows.slice(1));
    assert.throws(() => compareWithRaw(short, data), inputError(/^blobs\.csv: has 8 labels but embeddings has 7 rows/));
    short.dispose();
    const nan = tensor(rows.map((r, i) => (i === 5 ? [NaN, ...r.slice(1)] : r)));
    assert.throws(
      () => compareWithRaw(nan, data, { embeddingsName: 'the embeddings of m' }),
      inputError(/the embeddings of m hold NaN or Infinity in 1 of 8 rows \(first: sample 5\)/),
    );
    nan.dispose();
    const one = dataset(rows.slice(0, 4), labels.slice(0, 4));
    const x = tensor(rows.slice(0, 4));
    assert.throws(
      () => compareWithRaw(x, one),
      inputError(/all have class 'a'; retrieval and clustering need at least 2 classes/),
    );
    x.dispose();
  });
});
