import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { DivisorReducer } from '../../src/reducers/index.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';

describeBackends(['cpu', 'wasm'], 'DivisorReducer', () => {
  const reducer = new DivisorReducer();
  let e: tf.Tensor2D;
  before(() => {
    e = matrix([
      [1, 2],
      [3, 4],
    ]);
  });
  after(() => e.dispose());

  it('divides the sum by the divisor, a number or a scalar tensor', () => {
    const l = tf.tensor1d([0.5, 0, 1.5, 2]);
    for (const divisor of [3, tf.scalar(3)]) {
      const got = reducer.reduceWithDivisor(l, e, divisor);
      assert.ok(Math.abs(got.dataSync()[0] - 4 / 3) < 1e-6);
      tf.dispose([got]);
    }
    l.dispose();
  });

  it("gives PML's zero loss for a zero divisor, with a zero (not NaN) gradient", () => {
    const l = tf.tensor1d([0.5, 1]);
    for (const divisor of [0, tf.scalar(0)]) {
      const g = tf.grad((x: tf.Tensor) =>
        reducer.reduceWithDivisor(tf.mul(l, tf.sum(x)) as tf.Tensor1D, x as tf.Tensor2D, divisor),
      )(e);
      assert.ok(g.dataSync().every((v) => v === 0));
      assert.equal(reducer.reduceWithDivisor(l, e, divisor).dataSync()[0], 0);
      const nan = matrix([[NaN, 1]]);
      assert.ok(Number.isNaN(reducer.reduceWithDivisor(l, nan, divisor).dataSync()[0]), 'NaN embeddings give NaN');
      tf.dispose([g, nan]);
    }
    l.dispose();
  });

  it('has the gradient of sum / divisor and leaks nothing', () => {
    const g = tf.grad((x: tf.Tensor) =>
      reducer.reduceWithDivisor(tf.sum(x, 1) as tf.Tensor1D, x as tf.Tensor2D, tf.scalar(4)),
    )(e);
    assert.deepEqual(Array.from(g.dataSync()), [0.25, 0.25, 0.25, 0.25]);
    g.dispose();
    const l = tf.tensor1d([1, 2]);
    const d = tf.scalar(2);
    expectNoLeak(() => reducer.reduceWithDivisor(l, e, d), 'tensor divisor');
    expectNoLeak(() => reducer.reduceWithDivisor(l, e, 0), 'zero divisor');
    tf.dispose([l, d]);
  });

  it('refuses to reduce without a divisor, or with a bad one', () => {
    const l = tf.tensor1d([1, 2]);
    assert.throws(() => reducer.reduce(l, e), /DivisorReducer divides by a divisor that the loss supplies/);
    assert.throws(
      () => reducer.reduceWithDivisor(l, e, NaN),
      /Argument `divisor` must be a finite number\. Received: divisor=NaN/,
    );
    assert.throws(() => reducer.reduceWithDivisor(tf.zeros([1, 2]) as never, e, 1), /`losses` must be 1-D/);
    l.dispose();
  });
});
