import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import { collapseLoss, resolveConfig, runSettings } from '../../src/run/index.js';

describe('collapseLoss: what "at the margin" means for each loss', () => {
  it('closed forms on a collapsed batch (every embedding equal, every tuple), leaking nothing', async () => {
    await initBackend('cpu');
    const before = tf.memory().numTensors;
    const at = (overrides: Parameters<typeof resolveConfig>[1]) => collapseLoss(resolveConfig({}, overrides))!;
    // Contrastive: positive pairs at distance 0 cost nothing, every negative pair costs negMargin.
    assert.ok(Math.abs(at({ loss: 'contrastive', negMargin: 0.7 }) - 0.7) < 1e-6);
    // NT-Xent on P x K rows: each positive pair's softmax over its anchor's positive and N - K negatives, all equal.
    const n = 10 * 8;
    assert.ok(Math.abs(at({ loss: 'ntxent' }) - Math.log(1 + (n - 8))) < 1e-4);
    // Margin loss at d = 0: the positive term relu(margin - beta) = 0, the negative beta + margin; over the nonzero terms.
    assert.ok(Math.abs(at({ loss: 'margin', margin: 0.2, marginBeta: 1.2 }) - 1.4) < 1e-5);
    // Multi-similarity (cosine s = 1 everywhere): (1/a) log(1 + (K-1) e^{-a(1-base)}) + (1/b) log(1 + (N-K) e^{b(1-base)}).
    const [a, b, base, k] = [2, 50, 0.5, 8];
    const ms =
      Math.log(1 + (k - 1) * Math.exp(-a * (1 - base))) / a + Math.log(1 + (n - k) * Math.exp(b * (1 - base))) / b;
    assert.ok(Math.abs(at({ loss: 'multi-similarity' }) - ms) < 1e-4, `${at({ loss: 'multi-similarity' })} vs ${ms}`);
    assert.equal(tf.memory().numTensors, before);
  });

  it('triplet losses keep the margin (undefined), class-weight losses are not judged (NaN)', async () => {
    await initBackend('cpu');
    assert.equal(collapseLoss(resolveConfig({}, {})), undefined);
    assert.equal(collapseLoss(resolveConfig({}, { loss: 'soft-triplet' })), undefined);
    assert.ok(Number.isNaN(collapseLoss(resolveConfig({}, { loss: 'arcface' }))!));
    assert.equal('collapseLoss' in runSettings(resolveConfig({}, {})), false);
    assert.ok(runSettings(resolveConfig({}, { loss: 'contrastive' })).collapseLoss! > 0.99);
  });
});
