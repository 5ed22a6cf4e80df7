import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { gatherFlat } from '../../src/ops/gather-flat.js';
import { assertAllClose } from '../helpers/oracle.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';

const ROWS = [
  [0.3, -1.2, 0.8, 2],
  [1.1, 0.4, -0.2, 0.5],
  [-0.5, 0.9, 1.4, -1],
];
// Repeats (5 three times, 0 twice) must add up in the gradient.
const INDICES = Int32Array.of(5, 0, 11, 5, 7, 0, 5, 3);

describeBackends(['cpu', 'wasm'], 'gatherFlat', (backend) => {
  it('picks the same values as tf.gather on the flattened tensor', () => {
    const x = matrix(ROWS);
    const got = gatherFlat(x, INDICES);
    const flat = ROWS.flat();
    assert.deepEqual(got.shape, [INDICES.length]);
    assert.deepEqual(
      Array.from(got.dataSync()),
      Array.from(INDICES, (i) => Math.fround(flat[i])),
    );
    const x3 = tf.reshape(x, [3, 2, 2]);
    assert.deepEqual(Array.from(gatherFlat(x3, INDICES).dataSync()), Array.from(got.dataSync()), 'any rank');
    tf.dispose([x, got, x3]);
  });

  it('has the gradient of central differences, summing repeated indices', () => {
    const weights = Array.from(INDICES, (_, i) => Math.cos(1 + i));
    const f = (rows: number[][]) =>
      Array.from(INDICES).reduce((s, idx, i) => s + Math.sin(rows.flat()[idx]) * weights[i], 0);
    const x = matrix(ROWS);
    const w = tf.tensor1d(weights);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.sin(gatherFlat(v, INDICES)), w)))(x);
    const analytic = g.dataSync();
    const h = 1e-6;
    ROWS.forEach((row, i) =>
      row.forEach((_, k) => {
        const plus = ROWS.map((r) => r.slice());
        const minus = ROWS.map((r) => r.slice());
        plus[i][k] += h;
        minus[i][k] -= h;
        const numeric = (f(plus) - f(minus)) / (2 * h);
        assert.ok(Math.abs(analytic[i * 4 + k] - numeric) < 1e-5, `[${i},${k}] ${analytic[i * 4 + k]} vs ${numeric}`);
      }),
    );
    if (backend === 'cpu') {
      // tf.gather's own gradient (UnsortedSegmentSum) exists on cpu: the two must agree.
      const ref = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.sin(tf.gather(tf.reshape(v, [-1]), tf.tensor1d(INDICES, 'int32'))), w)),
      )(x);
      assertAllClose(analytic, ref.dataSync(), 1e-6, 1e-7, 'vs tf.gather gradient');
      ref.dispose();
    }
    tf.dispose([x, w, g]);
  });

  it('handles no indices, and leaks nothing forward or backward', () => {
    const x = matrix(ROWS);
    const none = gatherFlat(x, new Int32Array(0));
    assert.deepEqual(none.shape, [0]);
    const g = tf.grad((v: tf.Tensor) => tf.add(tf.sum(gatherFlat(v, new Int32Array(0))), tf.sum(tf.mul(v, 0))))(x);
    assert.ok(g.dataSync().every((v) => v === 0));
    expectNoLeak(() => gatherFlat(x, INDICES), 'forward');
    expectNoLeak(() => tf.grad((v: tf.Tensor) => tf.sum(gatherFlat(v, INDICES)))(x), 'gradient');
    expectNoLeak(() => tf.grad((v: tf.Tensor) => tf.sum(gatherFlat(v, new Int32Array(0))))(x), 'empty gradient');
    tf.dispose([x, none, g]);
  });

  it('rejects indices outside the tensor', () => {
    const x = matrix(ROWS);
    assert.throws(
      () => gatherFlat(x, Int32Array.of(0, 12)),
      /`indices` must hold positions in \[0, 12\).*Received: indices\[1\]=12/,
    );
    assert.throws(() => gatherFlat(x, Int32Array.of(-1)), /indices\[0\]=-1/);
    assert.throws(() => gatherFlat(x, [1, 2] as unknown as Int32Array), /`indices` must be an Int32Array/);
    x.dispose();
  });
});
