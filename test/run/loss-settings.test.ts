import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { CosineSimilarity, LpDistance } from '../../src/distances/index.js';
import {
  ArcFaceLoss,
  CircleLoss,
  ContrastiveLoss,
  MarginLoss,
  MultiSimilarityLoss,
  NTXentLoss,
  ProxyAnchorLoss,
  SupConLoss,
  TripletMarginLoss,
} from '../../src/losses/index.js';
import { COSINE_LOSSES, LOSSES, lossFor, resolveConfig } from '../../src/run/index.js';

describe('the loss settings of a run', () => {
  it("--distance auto is the loss's PML default: cosine for the similarity losses, else Euclidean", () => {
    for (const loss of LOSSES) {
      assert.equal(resolveConfig({}, { loss }).distance, COSINE_LOSSES.includes(loss) ? 'cosine' : 'euclidean', loss);
    }
    assert.equal(resolveConfig({}, {}).distance, 'euclidean');
    assert.equal(resolveConfig({}, { loss: 'ntxent', distance: 'euclidean' }).distance, 'euclidean');
    assert.equal(resolveConfig({ distance: 'auto', loss: 'supcon' }).distance, 'cosine');
  });

  it('lossFor builds the named PML loss with the settings as its options', async () => {
    await initBackend('cpu');
    const build = (overrides: Parameters<typeof resolveConfig>[1]) => lossFor(resolveConfig({}, overrides), 10);
    const triplet = build({ margin: 0.3 }) as TripletMarginLoss;
    assert.ok(triplet instanceof TripletMarginLoss && triplet.margin === 0.3 && !triplet.smoothLoss);
    assert.ok((build({ loss: 'soft-triplet' }) as TripletMarginLoss).smoothLoss);
    const selective = build({ loss: 'selective-triplet' }) as TripletMarginLoss;
    assert.ok(selective.selectivelyContrastive && !selective.smoothLoss && !triplet.selectivelyContrastive);
    const contrastive = build({ loss: 'contrastive', posMargin: 0.1, negMargin: 0.7 }) as ContrastiveLoss;
    assert.ok(contrastive instanceof ContrastiveLoss && contrastive.distance instanceof LpDistance);
    assert.deepEqual([contrastive.posMargin, contrastive.negMargin], [0.1, 0.7]);
    const ms = build({ loss: 'multi-similarity', msAlpha: 3 }) as MultiSimilarityLoss;
    assert.ok(ms instanceof MultiSimilarityLoss && ms.alpha === 3 && ms.distance instanceof CosineSimilarity);
    assert.equal((build({ loss: 'ntxent' }) as NTXentLoss).temperature, 0.07);
    assert.equal((build({ loss: 'supcon' }) as SupConLoss).temperature, 0.1);
    assert.equal((build({ loss: 'supcon', temperature: 0.5 }) as SupConLoss).temperature, 0.5);
    assert.ok(build({ loss: 'circle' }) instanceof CircleLoss);
    const margin = build({ loss: 'margin', learnBeta: true }) as MarginLoss;
    assert.ok(margin instanceof MarginLoss && margin.trainableWeights().length === 1);
    const arcface = build({ loss: 'arcface', embeddingDim: 16 }) as ArcFaceLoss;
    assert.deepEqual(arcface.trainableWeights()[0].shape, [16, 10]);
    const proxies = build({ loss: 'proxy-anchor', embeddingDim: 16 }) as ProxyAnchorLoss;
    assert.deepEqual(proxies.trainableWeights()[0].shape, [10, 16]);
    for (const l of [margin, arcface, proxies]) l.dispose();
  });

  it('a bad loss setting is refused with the setting, the value and the allowed range', () => {
    assert.throws(
      () => resolveConfig({}, { loss: 'arcface', arcfaceMargin: 200 }),
      /Setting `arcfaceMargin` must be a finite number >= 0 <= 180\. Received: arcfaceMargin=200 \(from flag\)/,
    );
    assert.throws(
      () => resolveConfig({}, { temperature: 0 }),
      /Setting `temperature` must be a finite number > 0 or null/,
    );
    assert.throws(
      () => resolveConfig({ loss: 'hinge' }),
      /Setting `loss` must be one of triplet, soft-triplet, selective-triplet, contrastive/,
    );
  });
});
