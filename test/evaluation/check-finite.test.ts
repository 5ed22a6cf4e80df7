import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import { checkFinite, nonFiniteRows } from '../../src/evaluation/check-finite.js';

describe('nonFiniteRows and checkFinite', () => {
  it('count the rows and values that hold NaN or an infinity, as a loop over the values does, leaking nothing', async () => {
    await initBackend('cpu');
    const values = [
      [1, 2, 3],
      [NaN, Infinity, 0],
      [0, 0, 0],
      [-Infinity, 1, 1],
    ];
    const x = tf.tensor2d(values);
    const before = tf.memory().numTensors;
    const loopRows = values.filter((row) => row.some((v) => !Number.isFinite(v))).length;
    const loopValues = values.flat().filter((v) => !Number.isFinite(v)).length;
    assert.deepEqual(nonFiniteRows(x), { rows: loopRows, values: loopValues, first: 1 });
    assert.throws(
      () => checkFinite(x, 'query'),
      /Argument `query` must hold finite numbers\. Received: NaN or Infinity in row 1 \(3 value\(s\) in all\)/,
    );
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });

  it('say nothing of a finite matrix', async () => {
    await initBackend('cpu');
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(nonFiniteRows(x), { rows: 0, values: 0, first: -1 });
    assert.doesNotThrow(() => checkFinite(x, 'query'));
    x.dispose();
  });
});
