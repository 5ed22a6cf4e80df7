import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import { DEFAULT_PAIR_SAMPLE, embeddingHealth } from '../../src/health/index.js';
import { Random } from '../../src/random.js';

/** n rows of 16-d around 8 class centres. */
function clustered(n: number, seed = 1): { data: Float32Array; labels: Int32Array } {
  const rng = new Random(seed);
  const centres = Array.from({ length: 8 }, () => Array.from({ length: 16 }, () => rng.normal()));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 8);
  const data = new Float32Array(n * 16);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < 16; k++) data[i * 16 + k] = centres[labels[i]][k] + 0.8 * rng.normal();
  return { data, labels };
}

describe('embeddingHealth on a sample of the pairs', () => {
  it('the sampled spread is within its stated error of the exact one, over seeds', async () => {
    await initBackend('cpu');
    const n = 3000;
    const { data, labels } = clustered(n);
    const matrix = { data, rows: n, dim: 16 };
    const exact = embeddingHealth(matrix, labels, { pairSample: Infinity });
    assert.equal(exact.pairSample, undefined);
    const deviations: number[] = [];
    for (let seed = 0; seed < 8; seed++) {
      const sampled = embeddingHealth(matrix, labels, { pairSample: 300, sampleSeed: seed });
      assert.deepEqual([sampled.pairSample?.rows, sampled.pairSample?.of, sampled.pairSample?.seed], [300, n, seed]);
      for (const key of ['meanDistance', 'meanNormalizedDistance'] as const) {
        const se = sampled.pairSample!.standardErrors[key];
        const off = Math.abs(sampled.spread[key] - exact.spread[key]);
        assert.ok(off <= 3 * se, `${key}, seed ${seed}: off by ${off}, standard error ${se}`);
        deviations.push(off / se);
      }
      // The sums use every row: the shape is the exact one.
      assert.deepEqual(sampled.shape, exact.shape);
      assert.deepEqual(sampled.norms, exact.norms);
      assert.ok(Math.abs(sampled.separation!.gap - exact.separation!.gap) < 0.05);
    }
    // The stated error is not a loose bound: the deviations are of its order.
    const rms = Math.sqrt(deviations.reduce((s, d) => s + d * d, 0) / deviations.length);
    assert.ok(rms > 0.2 && rms < 2, `rms deviation ${rms} standard errors`);
  });

  it(`sets up to ${DEFAULT_PAIR_SAMPLE} rows are measured exactly, and a different seed draws other rows`, async () => {
    await initBackend('cpu');
    const { data, labels } = clustered(300);
    const small = embeddingHealth({ data, rows: 300, dim: 16 }, labels);
    assert.equal(small.pairSample, undefined);
    const a = embeddingHealth({ data, rows: 300, dim: 16 }, labels, { pairSample: 100, sampleSeed: 1 });
    const b = embeddingHealth({ data, rows: 300, dim: 16 }, labels, { pairSample: 100, sampleSeed: 2 });
    assert.notEqual(a.spread.meanDistance, b.spread.meanDistance);
    assert.throws(
      () => embeddingHealth({ data, rows: 300, dim: 16 }, labels, { pairSample: 1 }),
      /Option `pairSample` must be an integer >= 2 or Infinity/,
    );
  });

  it('leaks no tensor when it samples', async () => {
    await initBackend('cpu');
    const { data, labels } = clustered(500);
    const x = tf.tensor2d(data, [500, 16]);
    const before = tf.memory().numTensors;
    embeddingHealth(x, labels, { pairSample: 100 });
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });
});
