import assert from 'node:assert/strict';
import { it } from 'node:test';
import { batchTensor, createDataset } from '../../src/data/index.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';

describeBackends(['cpu'], 'batchTensor', () => {
  const features = Float32Array.from({ length: 5 * 6 }, (_, i) => i);
  const dataset = createDataset({ features, sampleShape: [2, 3, 1], labels: Int32Array.from([0, 1, 0, 1, 2]), classNames: ['a', 'b', 'c'], source: 'test' });

  it('stacks the chosen rows in order, with the sample shape', () => {
    const x = batchTensor(dataset, [4, 0, 4]);
    assert.deepEqual(x.shape, [3, 2, 3, 1]);
    const want = [4, 0, 4].flatMap((r) => Array.from(features.subarray(r * 6, r * 6 + 6)));
    assert.deepEqual(Array.from(x.dataSync()), want);
    x.dispose();
  });

  it('leaks nothing beyond the tensor it returns', () => {
    expectNoLeak(() => batchTensor(dataset, Int32Array.from([1, 2])), 'batchTensor');
  });

  it('rejects a row outside the dataset', () => {
    assert.throws(() => batchTensor(dataset, [0, 5]), /`rows` must hold row indices in \[0, 5\)\. Received: rows\[1\]=5/);
  });
});
