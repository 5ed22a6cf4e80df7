import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as dm from '../src/index.js';

describe('the public API', () => {
  it('exports every name DESIGN.md promises', () => {
    const names = [
      'initBackend', 'tf', 'LpDistance', 'CosineSimilarity', 'DotProductSimilarity',
      'MeanReducer', 'AvgNonZeroReducer', 'SumReducer',
      'TripletMarginMiner', 'BatchHardMiner', 'BatchEasyHardMiner', 'MultiSimilarityMiner', 'DistanceWeightedMiner',
      'TripletMarginLoss', 'ReduceLROnPlateau', 'retrievalMetrics', 'clusteringMetrics', 'embeddingHealth',
    ];
    for (const name of names) assert.ok(name in dm && (dm as Record<string, unknown>)[name] !== undefined, name);
  });

  it('runs the example of docs/api.md: a small MLP trained with triplet loss and Adam', async () => {
    const { tf } = dm;
    assert.equal(await dm.initBackend('cpu'), 'cpu');
    const rng = new dm.Random(0);
    const x = tf.tensor2d(Array.from({ length: 64 }, (_, i) => Array.from({ length: 10 }, (__, k) => (k === i % 4 ? 2 : 0) + rng.normal())));
    const labels = Int32Array.from({ length: 64 }, (_, i) => i % 4);
    const model = dm.buildModel('mlp:32', { inputShape: [10], embeddingDim: 8, seed: 0 });
    const optimizer = dm.createOptimizer({ name: 'adam', lr: 1e-2 });
    const loss = new dm.TripletMarginLoss({ margin: 0.2 });
    const miner = new dm.TripletMarginMiner({ margin: 0.2, typeOfTriplets: 'semihard' });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const { value, grads } = optimizer.computeGradients(() => {
        const embeddings = model.apply(x) as dm.tf.Tensor2D;
        return loss.compute(embeddings, labels, miner.mine(embeddings, labels));
      });
      optimizer.applyGradients(grads);
      losses.push(value.dataSync()[0]);
      tf.dispose([value, grads]);
    }
    const embeddings = model.predict(x) as dm.tf.Tensor2D;
    const { precisionAt1 } = dm.retrievalMetrics({ query: embeddings, queryLabels: labels });
    assert.ok(precisionAt1 > 0.9, `precision@1 ${precisionAt1}`);
    tf.dispose([x, embeddings]);
    model.dispose();
    optimizer.dispose();
  });
});
