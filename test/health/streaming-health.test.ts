import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import {
  embeddingHealth,
  healthPartial,
  mergeHealthPartials,
  parseHealthPartial,
  StreamingHealth,
  type HealthMetrics,
  type StreamingHealthOptions,
} from '../../src/health/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { Random } from '../../src/random.js';
import { covariance, normalizeRows, rowsOf } from '../reference/health.js';

/** n rows of dim dimensions around 6 class centres. */
function clustered(n: number, dim: number, seed = 1): { data: Float32Array; labels: Int32Array } {
  const rng = new Random(seed);
  const centres = Array.from({ length: 6 }, () => Array.from({ length: dim }, () => 2 * rng.normal()));
  const labels = Int32Array.from({ length: n }, () => rng.int(6));
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) data[i * dim + k] = centres[labels[i]][k] + rng.normal();
  return { data, labels };
}

/** Every row one point plus noise of 1e-3: complete collapse. */
function collapsed(n: number, dim: number): { data: Float32Array; labels: Int32Array } {
  const rng = new Random(7);
  const point = Array.from({ length: dim }, () => rng.normal());
  const data = Float32Array.from({ length: n * dim }, (_, i) => point[i % dim] + 1e-3 * rng.normal());
  return { data, labels: Int32Array.from({ length: n }, (_, i) => i % 4) };
}

/** The rows start .. end of a matrix fed to `health` in chunks of the given sizes (cycled). */
function feed(
  health: StreamingHealth,
  data: Float32Array,
  labels: Int32Array,
  dim: number,
  start: number,
  end: number,
  sizes: number[],
) {
  for (let row = start, i = 0; row < end; i++) {
    const rows = Math.min(sizes[i % sizes.length], end - row);
    health.add(data.slice(row * dim, (row + rows) * dim), rows, labels.subarray(row, row + rows), row);
    row += rows;
  }
}

function streamed(
  data: Float32Array,
  labels: Int32Array,
  dim: number,
  sizes: number[],
  options: StreamingHealthOptions = {},
) {
  const health = new StreamingHealth(dim, true, options);
  feed(health, data, labels, dim, 0, labels.length, sizes);
  return health;
}

/** |a - b| <= tol * max(|a|, |b|, floor) for every number of two metrics, NaN equal to NaN. */
function assertClose(actual: unknown, expected: unknown, tol: number, path = 'metrics'): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', path);
    const a = actual as number;
    if (Number.isNaN(expected)) return assert.ok(Number.isNaN(a), `${path}: ${a}, expected NaN`);
    const scale = Math.max(Math.abs(a), Math.abs(expected), 1e-6);
    assert.ok(Math.abs(a - expected) <= tol * scale, `${path}: ${a}, expected ${expected}`);
    return;
  }
  if (expected === null || typeof expected !== 'object') return assert.equal(actual, expected, path);
  assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), path);
  for (const key of Object.keys(expected)) {
    assertClose(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      tol,
      `${path}.${key}`,
    );
  }
}

/** The metrics without the spectrum's tail: eigenvalues of rounding size (1e-17) have no relative precision. */
function comparable(m: HealthMetrics): HealthMetrics {
  const top = m.shape.spectrum[0];
  return { ...m, shape: { ...m.shape, spectrum: m.shape.spectrum.map((v) => (v > 1e-9 * top ? v : 0)) } };
}

describe('StreamingHealth', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const [name, make] of [
    ['random clustered', () => clustered(1500, 12)],
    ['collapsed', () => collapsed(1500, 12)],
  ] as const) {
    it(`${name}: chunks of 1, 7, 333 and 64 rows give embeddingHealth of the whole (sums to 1e-9, pairs exactly)`, () => {
      const { data, labels } = make();
      const whole = embeddingHealth({ data, rows: 1500, dim: 12 }, labels);
      const health = streamed(data, labels, 12, [1, 7, 333, 64]);
      const metrics = health.metrics();
      assert.equal(metrics.pairSample, undefined); // 1500 <= 4096 rows: every pair measured
      assert.deepEqual(metrics.spread.meanDistance, whole.spread.meanDistance);
      assert.deepEqual(metrics.separation, whole.separation);
      assertClose(comparable(metrics), comparable(whole), 1e-9);
      assert.deepEqual(Array.from(health.classIds()), [...new Set(labels)].sort());
    });
  }

  it('the covariance of the normalized rows equals a plain double loop over every row', () => {
    const { data, labels } = clustered(400, 6, 3);
    const health = streamed(data, labels, 6, [13, 1, 100]);
    const expected = covariance(normalizeRows(rowsOf(data, 400, 6))).flat();
    assertClose(Array.from(health.sums.covariance()), expected, 1e-10, 'covariance');
  });

  it('a sampled set: the sample, so the pair numbers, are the same whatever the chunks; the sums match the whole', () => {
    const { data, labels } = clustered(1200, 8, 5);
    const options = { pairSample: 200, sampleSeed: 11 };
    const one = streamed(data, labels, 8, [1200], options);
    const chunked = streamed(data, labels, 8, [17, 250, 1], options);
    assert.deepEqual(chunked.sample.sorted(), one.sample.sorted());
    const a = chunked.metrics();
    const b = one.metrics();
    assert.deepEqual(a.pairSample, b.pairSample);
    assert.deepEqual([a.pairSample?.rows, a.pairSample?.of, a.pairSample?.seed], [200, 1200, 11]);
    assert.deepEqual(a.spread.meanNormalizedDistance, b.spread.meanNormalizedDistance);
    assert.deepEqual(a.separation, b.separation);
    const whole = embeddingHealth({ data, rows: 1200, dim: 8 }, labels);
    const { pairSample: _, ...sums } = a;
    assertClose(comparable({ ...sums, spread: whole.spread, separation: whole.separation }), comparable(whole), 1e-9);
  });

  it('merging k = 1..5 partials of uneven shards, through their JSON, equals the whole (sample included)', () => {
    const { data, labels } = clustered(2600, 8, 9);
    const options = { pairSample: 300, sampleSeed: 4 };
    const whole = streamed(data, labels, 8, [2600], options);
    const expected = whole.metrics();
    const cuts = [0, 1, 900, 1000, 2417, 2600];
    for (let k = 1; k <= 5; k++) {
      // k shards: [0, c1), [c1, c2), ... with uneven sizes (1 row, 899, 100, 1417, 183 for k = 5).
      const bounds = k === 1 ? [0, 2600] : [...cuts.slice(0, k), 2600];
      const parts = [];
      for (let s = 0; s < k; s++) {
        const shard = new StreamingHealth(8, true, options);
        feed(shard, data, labels, 8, bounds[s], bounds[s + 1], [97, 5]);
        const json = JSON.parse(JSON.stringify(healthPartial(shard)));
        parts.push({ file: `part-${s}.json`, health: parseHealthPartial(json, `part-${s}.json`) });
      }
      // Merged in another order than the rows': the result does not depend on it.
      const merged = mergeHealthPartials(parts.reverse());
      assert.deepEqual(merged.sample.sorted(), whole.sample.sorted(), `k = ${k}: the same sample`);
      const metrics = merged.metrics();
      assert.deepEqual(metrics.separation, expected.separation, `k = ${k}`);
      assert.deepEqual(metrics.pairSample, expected.pairSample, `k = ${k}`);
      assertClose(comparable(metrics), comparable(expected), 1e-9, `k = ${k}`);
    }
  });

  it('the sampled spread and separation lie within 3 of their stated standard errors of the exact values, over 20 seeds', () => {
    const n = 1500;
    const { data, labels } = clustered(n, 8, 2);
    const exact = embeddingHealth({ data, rows: n, dim: 8 }, labels, { pairSample: Infinity });
    const deviations = new Map<string, number[]>();
    const record = (key: string, sampled: number, whole: number, se: number) =>
      deviations.set(key, [...(deviations.get(key) ?? []), Math.abs(sampled - whole) / se]);
    for (let seed = 0; seed < 20; seed++) {
      const metrics = streamed(data, labels, 8, [400], { pairSample: 150, sampleSeed: seed }).metrics();
      const errors = metrics.pairSample!.standardErrors;
      for (const key of ['meanDistance', 'meanNormalizedDistance'] as const) {
        record(key, metrics.spread[key], exact.spread[key], errors[key]);
      }
      for (const key of ['meanPositive', 'meanNegative', 'gap', 'violationFraction'] as const) {
        record(key, metrics.separation![key], exact.separation![key], errors.separation![key]);
      }
    }
    assert.equal(deviations.size, 6);
    for (const [key, d] of deviations) {
      // 3 stated errors: a normal deviate beyond that is 0.3% likely; allow one of 20.
      assert.ok(
        d.filter((v) => v <= 3).length >= 19,
        `${key}: deviations ${d.map((v) => v.toFixed(2)).join(' ')} standard errors`,
      );
      // ... and the stated error is not loose: the deviations are of its order.
      const rms = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
      assert.ok(rms > 0.2 && rms < 2, `${key}: rms deviation ${rms} standard errors`);
    }
  });

  it('a chunk with NaN or Infinity: counted, every metric NaN, the label counts as embeddingHealth gives them', () => {
    const { data, labels } = clustered(300, 4);
    data[41 * 4 + 2] = NaN;
    data[200 * 4] = Infinity;
    data[200 * 4 + 1] = -Infinity;
    const metrics = streamed(data, labels, 4, [50]).metrics();
    const whole = embeddingHealth({ data, rows: 300, dim: 4 }, labels);
    assert.deepEqual(metrics.nonFinite, { count: 3, nan: 1, inf: 2, rows: 2 });
    assert.deepEqual(metrics, whole);
  });

  it('leaks no tensor', () => {
    const { data, labels } = clustered(500, 4);
    const health = streamed(data, labels, 4, [100]);
    const before = tf.memory().numTensors;
    health.metrics();
    assert.equal(tf.memory().numTensors, before);
  });

  it('refuses partials of another format version, dimensions or labels, and overlapping rows, naming the file', () => {
    const { data, labels } = clustered(200, 4);
    const of = (dim: number, withLabels: boolean, start: number) => {
      const h = new StreamingHealth(dim, withLabels);
      const d = dim === 4 ? data : new Float32Array(200 * dim).fill(1);
      h.add(d.subarray(0, 100 * dim), 100, withLabels ? labels.subarray(0, 100) : null, start);
      return h;
    };
    const invalid = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(
        fn,
        (e: unknown) => e instanceof DeepmetricError && e.code === 'invalid-input' && pattern.test(e.message),
      );
    const json = JSON.parse(JSON.stringify(healthPartial(of(4, true, 0))));
    invalid(
      () => parseHealthPartial({ ...json, version: 2 }, 'p/new.json'),
      /^p\/new\.json: has partial-result format version 2; this deepmetric reads version 1/,
    );
    invalid(
      () => parseHealthPartial({ ...json, format: 'x' }, 'p/x.json'),
      /^p\/x\.json: is not a deepmetric partial result/,
    );
    invalid(
      () => parseHealthPartial({ ...json, sums: { ...json.sums, mean: [1] } }, 'p/m.json'),
      /^p\/m\.json: field `sums\.mean` must be an array of 4 numbers/,
    );
    const first = { file: 'p/0.json', health: of(4, true, 0) };
    invalid(
      () => mergeHealthPartials([first, { file: 'p/1.json', health: of(8, true, 100) }]),
      /^p\/1\.json: has 8 dimensions, but p\/0\.json has 4 dimensions/,
    );
    invalid(
      () => mergeHealthPartials([first, { file: 'p/2.json', health: of(4, false, 100) }]),
      /^p\/2\.json: has no labels, but p\/0\.json has labels/,
    );
    invalid(
      () => mergeHealthPartials([first, { file: 'p/3.json', health: of(4, true, 50) }]),
      /^p\/3\.json: holds global rows 50\.\.149, which overlap rows 0\.\.99 of p\/0\.json: each shard must be measured with its own --row-offset/,
    );
  });
});
