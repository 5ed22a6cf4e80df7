import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { CosineSimilarity, LpDistance } from '../../src/distances/index.js';
import { embeddingHealth, type EmbeddingMatrix, type HealthMetrics } from '../../src/health/index.js';
import { Random } from '../../src/random.js';
import { close } from '../helpers/oracle.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';
import { dotMatrix } from '../reference/distances.js';
import {
  columnVariances,
  enumerateTriplets,
  firstComponentShare,
  meanPairwiseDistance,
  normalizeRows,
  normalizedDistanceMatrix,
  normalizedEffectiveRank,
  rowNorms,
  rowsOf,
  stdSqrtDim,
} from '../reference/health.js';

function build(rows: number, dim: number, value: (i: number, k: number) => number): EmbeddingMatrix {
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) for (let k = 0; k < dim; k++) data[i * dim + k] = value(i, k);
  return { data, rows, dim };
}

function gaussian(rows: number, dim: number, seed: number): EmbeddingMatrix {
  const rng = new Random(seed);
  return build(rows, dim, () => rng.normal());
}

/** Runs embeddingHealth on a tensor made from `m` and checks that nothing leaks. */
function measure(
  m: EmbeddingMatrix,
  labels?: number[] | null,
  options?: Parameters<typeof embeddingHealth>[2],
): HealthMetrics {
  const x = tf.tensor2d(m.data, [m.rows, m.dim]);
  const metrics = expectNoLeak(() => embeddingHealth(x, labels, options), 'embeddingHealth');
  x.dispose();
  return metrics;
}

function assertClose(actual: number, expected: number, rtol: number, atol: number, what: string): void {
  assert.ok(
    close(actual, expected, rtol, atol),
    `${what}: ${actual} != expected ${expected} (rtol ${rtol}, atol ${atol})`,
  );
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// The explicit references of the large Gaussian case take a few tenths of a second: computed once for both backends.
const GAUSS = gaussian(2000, 64, 2023);
let gaussReference: { std: number; rank: number; share: number; variance: number } | null = null;
function gaussianReference() {
  if (gaussReference === null) {
    const x = rowsOf(GAUSS.data, GAUSS.rows, GAUSS.dim);
    gaussReference = {
      std: stdSqrtDim(x),
      rank: normalizedEffectiveRank(x),
      share: firstComponentShare(x),
      variance: columnVariances(normalizeRows(x)).reduce((s, v) => s + v, 0),
    };
  }
  return gaussReference;
}

describeBackends(['cpu', 'wasm'], 'embeddingHealth', () => {
  it('a constant matrix: no spread, std 0, effective rank 1, every dimension dead, every triplet violated', () => {
    const v = [0.3, -1.2, 0.8, 2.5, 0.1, -0.7, 1.9, 0.05];
    // 40 rows take the direct distance path of src/distances, 600 rows the Gram form.
    for (const rows of [40, 600]) {
      const m = build(rows, v.length, (_, k) => v[k]);
      const labels = range(rows).map((i) => i % 4);
      const h = measure(m, labels);
      const norm = Math.hypot(...v.map(Math.fround));
      assertClose(h.spread.meanDistance, 0, 0, 1e-5 * norm, `${rows}: meanDistance`);
      assertClose(h.spread.meanNormalizedDistance, 0, 0, 1e-5, `${rows}: meanNormalizedDistance`);
      assertClose(h.spread.normalizedStdSqrtDim, 0, 0, 1e-12, `${rows}: std`);
      assertClose(h.shape.effectiveRank, 1, 0, 1e-4, `${rows}: effectiveRank`);
      assert.equal(h.shape.firstComponentShare, 1, 'no variance counts as all of it in one component');
      assert.deepEqual(h.shape.deadDimensions, { count: v.length, indices: range(v.length) });
      assertClose(h.norms.mean, norm, 1e-12, 0, 'norm mean');
      assertClose(h.norms.min, norm, 1e-12, 0, 'norm min');
      assertClose(h.norms.max, norm, 1e-12, 0, 'norm max');
      assert.equal(h.norms.nearZeroShare, 0);
      assert.equal(h.nonFinite.count, 0);
      const s = h.separation!;
      assertClose(s.meanPositive, 0, 0, 1e-5, 'meanPositive');
      assertClose(s.meanNegative, 0, 0, 1e-5, 'meanNegative');
      assert.equal(s.violationFraction, 1, 'd(a,p) = d(a,n): every triplet is inside the margin');
      assert.equal(s.numViolations, s.numTriplets);
    }
  });

  it('an all-zero matrix: norms 0 and all near zero, effective rank 0 (no direction at all)', () => {
    const h = measure(build(30, 5, () => 0));
    assert.deepEqual(h.norms, { mean: 0, min: 0, max: 0, nearZeroShare: 1 });
    assert.equal(h.spread.meanDistance, 0);
    assert.equal(h.spread.meanNormalizedDistance, 0);
    assert.equal(h.spread.normalizedStdSqrtDim, 0);
    assert.equal(h.shape.effectiveRank, 0);
    assert.equal(h.shape.deadDimensions.count, 5);
  });

  it('a rank-1 matrix (rows = varying multiples of one vector): effective rank ~1, first PC share ~1', () => {
    const rng = new Random(5);
    const v = range(128).map(() => rng.normal());
    const scalars = range(512).map((i) => 3 * Math.cos(i * 0.37) + 0.1); // both signs
    const m = build(512, 128, (i, k) => scalars[i] * v[k]);
    const x = rowsOf(m.data, m.rows, m.dim);
    const h = measure(m);
    const rank = normalizedEffectiveRank(x);
    assertClose(rank, 1, 0, 1e-3, 'reference effective rank');
    assertClose(h.shape.effectiveRank, rank, 0, 1e-4, 'effectiveRank');
    assertClose(h.shape.firstComponentShare, 1, 0, 1e-9, 'firstComponentShare');
    assert.equal(h.shape.deadDimensions.count, 0);
    assertClose(h.spread.meanDistance, meanPairwiseDistance(x), 1e-5, 0, 'meanDistance');
    // Pairs of rows 0 apart in exact arithmetic (same sign) come out of the Gram form of src/distances
    // with float32 rounding under the square root: sqrt(~1e-7) ~ 3e-4 each.
    assertClose(
      h.spread.meanNormalizedDistance,
      meanPairwiseDistance(normalizeRows(x)),
      0,
      1e-3,
      'meanNormalizedDistance',
    );
    assertClose(h.spread.normalizedStdSqrtDim, stdSqrtDim(x), 1e-9, 0, 'std');
    // With positive multiples every normalized row is the same: the normalized spread is gone.
    const positive = measure(build(64, 16, (i, k) => (2 + Math.sin(i)) * (k + 1)));
    assertClose(positive.spread.meanNormalizedDistance, 0, 0, 1e-5, 'positive multiples: normalized distance');
    assert.ok(positive.spread.meanDistance > 1, `positive multiples keep raw spread ${positive.spread.meanDistance}`);
    assertClose(positive.shape.effectiveRank, 1, 0, 1e-4, 'positive multiples: effective rank');
  });

  it('clustered data with labels: d(a,p) < d(a,n), and the violations of an explicit triplet enumeration', () => {
    const rng = new Random(31);
    const classes = 5;
    const centers = range(classes).map(() => range(6).map(() => rng.normal()));
    const labels = range(30).map((i) => i % classes);
    const m = build(30, 6, (i, k) => centers[labels[i]][k] + 0.6 * rng.normal());
    const x = rowsOf(m.data, m.rows, m.dim);
    const cases = [
      { options: {}, dist: normalizedDistanceMatrix(x), margin: 0.05, inverted: false },
      { options: { margin: 0.5 }, dist: normalizedDistanceMatrix(x), margin: 0.5, inverted: false },
      {
        options: { margin: 0.3, distance: new LpDistance({ normalizeEmbeddings: false }) },
        dist: normalizedDistanceMatrix(x).map((_, i) => x.map((y) => Math.hypot(...y.map((v, k) => v - x[i][k])))),
        margin: 0.3,
        inverted: false,
      },
      {
        options: { margin: 0.2, distance: new CosineSimilarity() },
        dist: dotMatrix(normalizeRows(x), normalizeRows(x)),
        margin: 0.2,
        inverted: true,
      },
    ];
    for (const c of cases) {
      const ref = enumerateTriplets(c.dist, labels, c.margin, c.inverted);
      // No triplet within float32 reach (~1e-7) of the margin: the exact count is then well defined.
      assert.ok(ref.closestToMargin > 1e-5, `closest ${ref.closestToMargin}`);
      for (const chunkRows of [undefined, 7]) {
        const s = measure(m, labels, { ...c.options, chunkRows }).separation!;
        const what = `${c.options.distance?.constructor.name ?? 'default'} margin ${c.margin} chunk ${chunkRows}`;
        assert.equal(s.numTriplets, ref.numTriplets, `${what}: numTriplets`);
        assert.equal(s.numViolations, ref.numViolations, `${what}: numViolations`);
        assert.equal(s.violationFraction, ref.numViolations / ref.numTriplets);
        assert.ok(s.violationFraction > 0 && s.violationFraction < 1, `${what}: fraction ${s.violationFraction}`);
        assertClose(s.meanPositive, ref.meanPositive, 1e-5, 1e-6, `${what}: meanPositive`);
        assertClose(s.meanNegative, ref.meanNegative, 1e-5, 1e-6, `${what}: meanNegative`);
        assert.equal(s.margin, c.margin);
        assert.equal(s.numPositivePairs, 30 * 5, 'ordered positive pairs: 30 anchors x 5 others');
        assert.equal(s.numNegativePairs, 30 * 24);
        if (c.inverted) assert.ok(s.gap > 0 && s.meanPositive > s.meanNegative, `${what}: similarity gap ${s.gap}`);
        else assert.ok(s.gap > 0 && s.meanPositive < s.meanNegative, `${what}: gap ${s.gap}`);
        assertClose(
          s.gap,
          c.inverted ? s.meanPositive - s.meanNegative : s.meanNegative - s.meanPositive,
          1e-15,
          0,
          'gap',
        );
      }
    }
    // Labels with no positive pair: no triplets, and the means say so with NaN.
    const single = measure(m, range(30)).separation!;
    assert.equal(single.numTriplets, 0);
    assert.ok(Number.isNaN(single.meanPositive) && Number.isNaN(single.violationFraction));
  });

  it('computes the same metrics in row blocks as at once, and from a plain matrix as from a tensor', () => {
    const m = gaussian(45, 7, 9);
    const labels = range(45).map((i) => i % 3);
    const whole = measure(m, labels);
    const blocks = measure(m, labels, { chunkRows: 4 });
    const plain = expectNoLeak(() => embeddingHealth(m, labels), 'plain matrix');
    assertClose(blocks.spread.meanDistance, whole.spread.meanDistance, 1e-5, 0, 'blocks meanDistance');
    assertClose(
      blocks.spread.meanNormalizedDistance,
      whole.spread.meanNormalizedDistance,
      1e-5,
      0,
      'blocks normalized',
    );
    assert.equal(blocks.separation!.numViolations, whole.separation!.numViolations);
    assert.deepEqual(plain, whole);
    const x = rowsOf(m.data, m.rows, m.dim);
    assertClose(whole.spread.meanDistance, meanPairwiseDistance(x), 1e-5, 0, 'meanDistance');
  });

  it('gives the spread ratio to a reference measurement', () => {
    const m = gaussian(50, 8, 4);
    const start = measure(m);
    assert.equal(start.spread.meanDistanceRatio, null);
    assert.equal(start.spread.meanNormalizedDistanceRatio, null);
    const shrunk = measure({ ...m, data: m.data.map((v) => v / 4) }, null, { reference: start });
    assertClose(shrunk.spread.meanDistanceRatio!, 0.25, 1e-5, 0, 'raw ratio of a 4x shrink');
    assertClose(shrunk.spread.meanNormalizedDistanceRatio!, 1, 1e-5, 0, 'normalized ratio unchanged by scale');
    assertClose(shrunk.norms.mean, start.norms.mean / 4, 1e-12, 0, 'norms shrink');
  });

  it('reports norms and the share of rows near zero', () => {
    const m = build(
      5,
      2,
      (i, k) =>
        [
          [3, 4],
          [0, 0],
          [1e-7, 0],
          [0.6, 0.8],
          [-5, 12],
        ][i][k],
    );
    const h = measure(m);
    const norms = rowNorms(rowsOf(m.data, 5, 2));
    assertClose(h.norms.mean, norms.reduce((s, v) => s + v, 0) / 5, 1e-12, 0, 'mean');
    assert.equal(h.norms.min, 0);
    assert.equal(h.norms.max, 13);
    assert.equal(h.norms.nearZeroShare, 2 / 5);
    assert.equal(measure(m, null, { zeroNormTolerance: 0.5 }).norms.nearZeroShare, 2 / 5, 'norm <= tolerance');
    assert.equal(measure(m, null, { zeroNormTolerance: 1.01 }).norms.nearZeroShare, 3 / 5, 'norm <= tolerance');
  });

  it('reports the norms of the rows before normalization when given them, every other metric unchanged', () => {
    const raw = gaussian(40, 6, 21);
    const rows = rowsOf(raw.data, 40, 6);
    const unit = { ...raw, data: Float32Array.from(normalizeRows(rows).flat()) };
    const plain = measure(unit, null);
    const h = measure(unit, null, { preNormalization: raw });
    const norms = rowNorms(rows);
    assertClose(h.norms.mean, norms.reduce((s, v) => s + v, 0) / 40, 1e-6, 0, 'mean of the raw norms');
    assertClose(h.norms.min, Math.min(...norms), 1e-6, 0, 'min');
    assertClose(plain.norms.mean, 1, 1e-6, 0, 'the normalized rows alone read 1');
    assert.deepEqual({ ...h, norms: null }, { ...plain, norms: null });
    assert.throws(
      () => measure(unit, null, { preNormalization: gaussian(39, 6, 21) }),
      /`preNormalization` must hold the same 40 rows/,
    );
  });

  it('finds dead dimensions by their variance over the normalized rows', () => {
    const rng = new Random(12);
    const dead = new Set([1, 4, 5]);
    const m = build(100, 8, (_, k) => (k === 5 ? 0 : dead.has(k) ? 1e-6 : rng.normal() + 3));
    const h = measure(m);
    const variances = columnVariances(normalizeRows(rowsOf(m.data, 100, 8)));
    const expected = range(8).filter((k) => variances[k] <= 1e-8);
    assert.deepEqual(h.shape.deadDimensions.indices, expected);
    assert.deepEqual(expected, [1, 4, 5]);
    assert.deepEqual(
      measure(m, null, { deadTolerance: 0 }).shape.deadDimensions.indices,
      [5],
      'only the exactly constant one',
    );
  });

  it('reports non-finite entries and turns every metric into NaN, never into a healthy number', () => {
    const m = gaussian(20, 4, 1);
    m.data[5] = NaN;
    m.data[6] = Infinity;
    m.data[41] = -Infinity;
    const reference = measure(gaussian(20, 4, 2));
    const labels = range(20).map((i) => i % 2);
    const h = measure(m, labels, { reference });
    assert.deepEqual(h.nonFinite, { count: 3, nan: 1, inf: 2, rows: 2 });
    const numbers = [
      ...Object.values(h.spread),
      ...Object.values(h.norms),
      h.shape.effectiveRank,
      h.shape.firstComponentShare,
      h.shape.deadDimensions.count,
      ...h.shape.spectrum,
      h.separation!.meanPositive,
      h.separation!.meanNegative,
      h.separation!.gap,
      h.separation!.violationFraction,
      h.separation!.numViolations,
    ];
    for (const v of numbers) assert.ok(Number.isNaN(v), `expected NaN, got ${v}`);
    assert.equal(h.shape.spectrum.length, 4);
    assert.deepEqual(h.shape.deadDimensions.indices, []);
    assert.equal(h.separation!.numTriplets, 20 * 9 * 10, 'counts that the labels alone give are kept');
    const healthy = measure(gaussian(20, 4, 1));
    assert.deepEqual(healthy.nonFinite, { count: 0, nan: 0, inf: 0, rows: 0 });
  });

  it('leaks no tensor on any path', () => {
    const m = gaussian(40, 6, 3);
    const labels = range(40).map((i) => i % 4);
    const x = tf.tensor2d(m.data, [40, 6]);
    expectNoLeak(() => embeddingHealth(x), 'no labels');
    expectNoLeak(
      () => embeddingHealth(x, labels, { chunkRows: 9, distance: new CosineSimilarity() }),
      'blocks, cosine',
    );
    expectNoLeak(() => embeddingHealth(m, labels), 'plain matrix');
    expectNoLeak(() => embeddingHealth({ ...m, data: m.data.map((v, i) => (i === 3 ? NaN : v)) }, labels), 'NaN');
    expectNoLeak(() => assert.throws(() => embeddingHealth(x, [1, 2])), 'error');
    assert.equal(x.isDisposed, false, 'the caller keeps its tensor');
    x.dispose();
  });

  it('rejects bad input with a clear error', () => {
    const x = tf.tensor2d(gaussian(4, 3, 1).data, [4, 3]);
    const v = tf.tensor1d([1, 2, 3]);
    const empty = tf.zeros([0, 3]);
    const one = tf.zeros([1, 3]);
    const ints = tf.zeros([4, 3], 'int32');
    const asMatrix = (t: tf.Tensor) => t as tf.Tensor2D;
    assert.throws(
      () => embeddingHealth(x, [0, 1, 0]),
      /`labels` must have one label per embedding row \(4\)\. Received: 3 labels/,
    );
    assert.throws(
      () => embeddingHealth(x, [0, 1, 0.5, 1]),
      /`labels` must hold 32-bit integers\. Received: labels\[2\]=0\.5/,
    );
    assert.throws(
      () => embeddingHealth(asMatrix(v)),
      /`embeddings` must be 2-D \(samples x dimensions\)\. Received: shape \[3\]/,
    );
    assert.throws(() => embeddingHealth(asMatrix(empty)), /`embeddings` must not be empty\. Received: shape \[0, 3\]/);
    assert.throws(() => embeddingHealth(asMatrix(one)), /at least 2 rows.*Received: 1 row/);
    assert.throws(() => embeddingHealth(asMatrix(ints)), /dtype float32\. Received: dtype int32/);
    assert.throws(
      () => embeddingHealth({ data: new Float32Array(5), rows: 2, dim: 3 }),
      /rows \* dim = 2 \* 3 = 6 values\. Received: 5 values/,
    );
    assert.throws(
      () => embeddingHealth({ data: [1, 2, 3, 4] as unknown as Float32Array, rows: 2, dim: 2 }),
      /`embeddings.data` must be a Float32Array\. Received: Array/,
    );
    assert.throws(
      () => embeddingHealth({ data: new Float32Array(0), rows: 0, dim: 3 }),
      /`embeddings.rows` must be an integer >= 1\. Received: rows=0/,
    );
    assert.throws(
      () =>
        embeddingHealth([
          [1, 2],
          [3, 4],
        ] as unknown as tf.Tensor2D),
      /`embeddings` must be a 2-D tf.Tensor or \{ data: Float32Array, rows, dim \}/,
    );
    assert.throws(
      () => embeddingHealth(x, null, { margin: NaN }),
      /`margin` must be a finite number\. Received: margin=NaN/,
    );
    assert.throws(
      () => embeddingHealth(x, null, { chunkRows: 0 }),
      /`chunkRows` must be an integer >= 1\. Received: chunkRows=0/,
    );
    assert.throws(
      () => embeddingHealth(x, null, { deadTolerance: -1 }),
      /`deadTolerance` must be a finite number >= 0\. Received: deadTolerance=-1/,
    );
    assert.throws(() => embeddingHealth(x, null, { distance: {} as LpDistance }), /`distance` must be a distance/);
    assert.throws(
      () => embeddingHealth(x, null, { reference: { spread: {} } as HealthMetrics }),
      /`reference` must be the HealthMetrics/,
    );
    tf.dispose([x, v, empty, one, ints]);
  });
});

// The 2000 x 2000 distance matrices take seconds on the cpu backend; everything this case adds
// beyond the cases above (shape metrics, std) is computed in JavaScript, the same on every backend.
describeBackends(['wasm'], 'embeddingHealth on a large Gaussian', () => {
  it('Gaussian 2000 x 64: std*sqrt(d) ~ 1, effective rank near d as the explicit SVD, small first PC, no dead dims', () => {
    const h = measure(GAUSS);
    const ref = gaussianReference();
    assertClose(h.spread.normalizedStdSqrtDim, ref.std, 1e-9, 0, 'std vs reference');
    assertClose(h.spread.normalizedStdSqrtDim, 1, 0, 0.02, 'std ~ 1 for isotropic');
    assertClose(h.shape.effectiveRank, ref.rank, 1e-9, 0, 'effectiveRank vs reference');
    assert.ok(ref.rank > 0.98 * 64 && ref.rank < 64, `reference rank ${ref.rank}`);
    assertClose(h.shape.firstComponentShare, ref.share, 1e-9, 0, 'firstComponentShare');
    assert.ok(ref.share < 2 / 64, `first PC share ${ref.share}`);
    assert.equal(h.shape.deadDimensions.count, 0);
    assert.equal(h.shape.spectrum.length, 64);
    assertClose(
      h.shape.spectrum.reduce((s, x) => s + x, 0),
      ref.variance,
      1e-9,
      0,
      'spectrum sums to the total variance',
    );
    // Published values: x - y ~ N(0, 2 I), so E||x - y|| = sqrt(2) E[chi_64] ~ sqrt(2) sqrt(64 - 1/2);
    // random directions in 64-D are nearly orthogonal, sqrt(2) apart.
    assertClose(h.spread.meanDistance, Math.SQRT2 * Math.sqrt(63.5), 0.01, 0, 'meanDistance ~ E||x - y||');
    assertClose(h.spread.meanNormalizedDistance, Math.SQRT2, 0.01, 0, 'normalized distance ~ sqrt(2)');
  });
});
