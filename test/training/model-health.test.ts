import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import { embeddingHealth } from '../../src/health/index.js';
import { buildModel } from '../../src/models/index.js';
import { Random } from '../../src/random.js';
import { modelHealth } from '../../src/training/model-health.js';
import type { Dataset } from '../../src/data/index.js';

function dataset(rows: number, dim: number): Dataset {
  const rng = new Random(2);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % 3);
  const features = Float32Array.from({ length: rows * dim }, (_, k) => rng.normal() + labels[Math.floor(k / dim)]);
  return { features, sampleShape: [dim], labels, classNames: ['a', 'b', 'c'], source: 'memory' };
}

describe('modelHealth', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it("reports the norms before the final L2Normalize layer, and the other metrics of the model's output", () => {
    const data = dataset(30, 5);
    const normalized = buildModel('mlp:8', { inputShape: [5], embeddingDim: 4, normalize: true, seed: 3 });
    const raw = buildModel('mlp:8', { inputShape: [5], embeddingDim: 4, normalize: false, seed: 3 });
    raw.setWeights(normalized.getWeights());
    const x = tf.tensor2d(data.features, [30, 5]);
    const rawOut = raw.predict(x) as tf.Tensor2D;
    const out = normalized.predict(x) as tf.Tensor2D;
    const norms = tf.norm(rawOut, 'euclidean', 1).arraySync() as number[];
    const expected = embeddingHealth(out, data.labels, { margin: 0.2 });
    tf.dispose([x, rawOut, out]);

    const before = tf.memory().numTensors;
    const health = modelHealth(normalized, data, { margin: 0.2 });
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
    const mean = norms.reduce((s, v) => s + v, 0) / norms.length;
    assert.ok(Math.abs(health.norms.mean - mean) < 1e-5 * mean, `${health.norms.mean} vs ${mean}`);
    assert.ok(Math.abs(health.norms.max - Math.max(...norms)) < 1e-5 * mean);
    assert.notEqual(Math.round(mean * 1e3), 1e3, 'the raw norms are not 1');
    assert.deepEqual({ ...health, norms: null }, { ...expected, norms: null });
    // A model without the layer: its own output's norms.
    const plain = modelHealth(raw, data, { margin: 0.2 });
    assert.ok(Math.abs(plain.norms.mean - mean) < 1e-5 * mean);
    normalized.dispose();
    raw.dispose();
  });

  it('measures the rows that embedBody gives it, and embeds them itself when embedBody gives none', () => {
    const data = dataset(30, 5);
    const model = buildModel('mlp:8', { inputShape: [5], embeddingDim: 4, normalize: true, seed: 3 });
    const own = modelHealth(model, data, { margin: 0.2 });
    assert.deepEqual(
      modelHealth(model, data, { margin: 0.2 }, () => undefined),
      own,
    );
    // Rows from elsewhere (as a ParallelTrainer's workers give them): their norms, and their directions.
    const given = Float32Array.from({ length: 30 * 4 }, (_, k) => (k % 4 === k % 3 ? 3 : 0.5));
    const before = tf.memory().numTensors;
    const health = modelHealth(model, data, { margin: 0.2 }, () => tf.tensor2d(given, [30, 4]));
    assert.equal(tf.memory().numTensors, before, 'the given rows are disposed');
    const norms = Array.from({ length: 30 }, (_, i) => Math.hypot(...given.subarray(i * 4, i * 4 + 4)));
    assert.ok(Math.abs(health.norms.mean - norms.reduce((a, b) => a + b) / 30) < 1e-5);
    assert.notDeepEqual(health.shape, own.shape);
    model.dispose();
  });
});
