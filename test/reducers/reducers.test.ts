import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { AvgNonZeroReducer, MeanReducer, SumReducer } from '../../src/reducers/index.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';

/** PML's reductions as plain loops: mean, mean over > 0 (NaN fails > 0), sum. */
const reference = {
  mean: (l: number[]) => l.reduce((s, v) => s + v, 0) / l.length,
  avgNonZero: (l: number[]) => {
    const kept = l.filter((v) => v > 0);
    return kept.length === 0 ? 0 : kept.reduce((s, v) => s + v, 0) / kept.length;
  },
  sum: (l: number[]) => l.reduce((s, v) => s + v, 0),
};

describeBackends(['cpu', 'wasm'], 'reducers', () => {
  const cases = [[0.5, 0, 1.5, 0, 2], [0, 0, 0], [3], [0.25, -1, NaN, 0.75]];
  const reducers = [
    ['mean', new MeanReducer()],
    ['avgNonZero', new AvgNonZeroReducer()],
    ['sum', new SumReducer()],
  ] as const;

  for (const losses of cases) {
    for (const [name, reducer] of reducers) {
      it(`${name} of [${losses}] equals the explicit loop`, () => {
        const l = tf.tensor1d(losses);
        const e = matrix([[1, 2]]);
        const got = reducer.reduce(l, e);
        const want = reference[name](losses);
        if (Number.isNaN(want)) assert.ok(Number.isNaN(got.dataSync()[0]));
        else assert.ok(Math.abs(got.dataSync()[0] - want) < 1e-6, `${got.dataSync()[0]} vs ${want}`);
        tf.dispose([l, e, got]);
      });
    }
  }

  it("gives PML's zero loss with nothing to reduce: 0, or NaN when the embeddings hold NaN", () => {
    for (const [, reducer] of reducers) {
      const empty = tf.zeros([0]) as tf.Tensor1D;
      const fine = matrix([
        [1, 2],
        [3, 4],
      ]);
      const withNaN = matrix([
        [1, NaN],
        [3, 4],
      ]);
      assert.equal(reducer.reduce(empty, fine).dataSync()[0], 0);
      assert.ok(Number.isNaN(reducer.reduce(empty, withNaN).dataSync()[0]));
      const zeros = tf.zeros([4]) as tf.Tensor1D;
      if (reducer instanceof AvgNonZeroReducer) assert.ok(Number.isNaN(reducer.reduce(zeros, withNaN).dataSync()[0]));
      tf.dispose([empty, fine, withNaN, zeros]);
    }
  });

  it('has the gradient of the explicit reduction; AvgNonZero passes none to zero or NaN losses', () => {
    const losses = tf.tensor1d([0.5, 0, 1.5, NaN, 2]);
    const e = matrix([[1, 2]]);
    const g = tf.grad((l: tf.Tensor) => new AvgNonZeroReducer().reduce(l as tf.Tensor1D, e))(losses);
    assert.deepEqual(Array.from(g.dataSync()), [1 / 3, 0, 1 / 3, 0, 1 / 3].map(Math.fround));
    const m = tf.grad((l: tf.Tensor) => new MeanReducer().reduce(l as tf.Tensor1D, e))(tf.tensor1d([1, 2, 3, 4]));
    assert.deepEqual(Array.from(m.dataSync()), [0.25, 0.25, 0.25, 0.25]);
    const ge = tf.grad((x: tf.Tensor) => new SumReducer().reduce(tf.zeros([0]) as tf.Tensor1D, x as tf.Tensor2D))(e);
    assert.deepEqual(Array.from(ge.dataSync()), [0, 0]);
    tf.dispose([losses, e, g, m, ge]);
  });

  it('leaks no tensor', () => {
    const l = tf.tensor1d([0.5, 0, 2]);
    const e = matrix([[1, 2]]);
    for (const [, reducer] of reducers) {
      expectNoLeak(() => reducer.reduce(l, e), 'reduce');
      expectNoLeak(() => tf.grad((v: tf.Tensor) => reducer.reduce(v as tf.Tensor1D, e))(l), 'gradient');
    }
    tf.dispose([l, e]);
  });

  it('rejects losses that are not a vector', () => {
    const l = tf.zeros([2, 2]);
    const e = matrix([[1]]);
    assert.throws(() => new MeanReducer().reduce(l as unknown as tf.Tensor1D, e), /`losses` must be 1-D/);
    tf.dispose([l, e]);
  });
});
