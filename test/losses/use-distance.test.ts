import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import { CosineSimilarity, LpDistance } from '../../src/distances/index.js';
import { TripletMarginLoss } from '../../src/losses/index.js';
import { MeanReducer } from '../../src/reducers/index.js';

describe('BaseMetricLossFunction.useDistance', () => {
  it('changes only the distance: the loss equals one built with it, reducer and margin kept, no leak', async () => {
    await initBackend('cpu');
    const x = tf.tensor2d([
      [1, 0.2],
      [0.9, 0.1],
      [-0.3, 1],
      [-0.2, 0.8],
      [0.5, 0.5],
      [2, -1],
    ]);
    const labels = [0, 0, 1, 1, 2, 2];
    const reducer = new MeanReducer();
    const loss = new TripletMarginLoss({
      margin: 0.3,
      reducer,
      distance: new LpDistance({ normalizeEmbeddings: false }),
    });
    const before = tf.memory().numTensors;
    loss.useDistance(new CosineSimilarity());
    const changed = loss.compute(x, labels);
    const fresh = new TripletMarginLoss({
      margin: 0.3,
      reducer: new MeanReducer(),
      distance: new CosineSimilarity(),
    }).compute(x, labels);
    assert.equal(changed.dataSync()[0], fresh.dataSync()[0]);
    assert.ok(loss.reducer === reducer && loss.distance instanceof CosineSimilarity);
    tf.dispose([changed, fresh]);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });

  it('refuses what is not a distance', () => {
    assert.throws(() => new TripletMarginLoss().useDistance({} as never), /Option `distance` must be a distance/);
  });
});
