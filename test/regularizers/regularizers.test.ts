import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { LpRegularizer, ZeroMeanRegularizer, type BaseRegularizer } from '../../src/regularizers/index.js';
import { ContrastiveLoss, NTXentLoss, TripletMarginLoss } from '../../src/losses/index.js';
import { DivisorReducer, MeanReducer, SumReducer } from '../../src/reducers/index.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { randomRows } from '../losses/loss-checks.js';
import { numericGradient } from '../losses/reference-losses.js';

const ROWS = randomRows(6, 4, 21);

const lpNorm = (row: number[], p: number) =>
  Math.pow(
    row.reduce((s, v) => s + Math.abs(v) ** p, 0),
    1 / p,
  );
const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;

const CASES: Array<[string, () => BaseRegularizer, (x: number[][]) => number]> = [
  ['Lp p=2', () => new LpRegularizer(), (x) => mean(x.map((r) => lpNorm(r, 2)))],
  ['Lp p=2 power=2', () => new LpRegularizer({ power: 2 }), (x) => mean(x.map((r) => lpNorm(r, 2) ** 2))],
  ['Lp p=1', () => new LpRegularizer({ p: 1 }), (x) => mean(x.map((r) => lpNorm(r, 1)))],
  [
    'Lp p=3 power=0.5 sum',
    () => new LpRegularizer({ p: 3, power: 0.5, reducer: new SumReducer() }),
    (x) => x.map((r) => lpNorm(r, 3) ** 0.5).reduce((s, v) => s + v, 0),
  ],
  ['ZeroMean', () => new ZeroMeanRegularizer(), (x) => mean(x.map((r) => Math.abs(r.reduce((s, v) => s + v, 0))))],
];

function valueAndGrad(reg: BaseRegularizer, rows: number[][]): { value: number; grad: Float32Array } {
  const x = matrix(rows);
  const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => reg.compute(v as tf.Tensor2D))(x);
  const out = { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
  tf.dispose([x, value, grad]);
  return out;
}

describeBackends(['cpu', 'wasm'], 'embedding regularizers', () => {
  it('equal the plain-loop value, with gradients that agree with central differences', () => {
    for (const [name, make, reference] of CASES) {
      const { value, grad } = valueAndGrad(make(), ROWS);
      const want = reference(ROWS);
      assert.ok(Math.abs(value - want) <= 1e-5 * (1 + want), `${name}: ${value} vs ${want}`);
      numericGradient(reference, ROWS).forEach((fd, i) =>
        assert.ok(Math.abs(grad[i] - fd) <= 1e-4 * (1 + Math.abs(fd)), `${name} [${i}]: ${grad[i]} vs ${fd}`),
      );
    }
  });

  it("have torch's zero gradient at a zero row (norm) and at a zero row sum (abs), not NaN", () => {
    const rows = [
      [0, 0, 0],
      [1, -1, 0],
      [0.5, 2, -1],
    ];
    for (const [name, make] of CASES) {
      const { value, grad } = valueAndGrad(make(), rows);
      assert.ok(Number.isFinite(value), name);
      assert.ok(grad.every(Number.isFinite), `${name}: ${Array.from(grad)}`);
      assert.ok(
        grad.slice(0, 3).every((g) => g === 0),
        `${name}: zero row`,
      );
    }
    const { grad } = valueAndGrad(new ZeroMeanRegularizer(), rows);
    assert.ok(
      grad.slice(3, 6).every((g) => g === 0),
      'a row summing to 0',
    );
    const l1 = valueAndGrad(new LpRegularizer({ p: 1, reducer: new SumReducer() }), rows).grad;
    assert.deepEqual(Array.from(l1.slice(3, 9)), [1, -1, 0, 1, 1, -1], 'sign(x), 0 at 0');
  });

  it('are added to any loss as embedding_reg_loss, times embeddingRegWeight, also when there is no tuple', () => {
    const x = matrix(ROWS);
    const labels = [0, 0, 1, 1, 2, 2];
    const reg = new LpRegularizer().compute(x).dataSync()[0];
    for (const [name, make] of [
      ['TripletMarginLoss', (o: object) => new TripletMarginLoss(o)],
      ['ContrastiveLoss', (o: object) => new ContrastiveLoss(o)],
      ['NTXentLoss', (o: object) => new NTXentLoss(o)],
    ] as const) {
      const plain = make({});
      const regularized = make({ embeddingRegularizer: new LpRegularizer(), embeddingRegWeight: 0.25 });
      const a = plain.compute(x, labels).dataSync()[0];
      const b = regularized.compute(x, labels).dataSync()[0];
      assert.ok(Math.abs(b - (a + 0.25 * reg)) < 1e-5, `${name}: ${b} vs ${a} + 0.25 * ${reg}`);
      assert.ok(Math.abs((regularized.lastSubLosses?.embedding_reg_loss ?? NaN) - 0.25 * reg) < 1e-6, name);
      const empty = { a1: new Int32Array(0), p: new Int32Array(0), a2: new Int32Array(0), n: new Int32Array(0) };
      const none = regularized.compute(x, labels, empty).dataSync()[0];
      assert.ok(Math.abs(none - 0.25 * reg) < 1e-6, `${name} without tuples: ${none}`);
    }
    x.dispose();
  });

  it('leak no tensor', () => {
    const x = matrix(ROWS);
    for (const [name, make] of CASES) {
      const reg = make();
      expectNoLeak(() => reg.compute(x), name);
      expectNoLeak(() => tf.grad((v: tf.Tensor) => reg.compute(v as tf.Tensor2D))(x), `${name} gradient`);
    }
    const loss = new TripletMarginLoss({ embeddingRegularizer: new ZeroMeanRegularizer() });
    expectNoLeak(
      () => tf.grad((v: tf.Tensor) => loss.compute(v as tf.Tensor2D, [0, 0, 1, 1, 2, 2]))(x),
      'loss with a regularizer',
    );
    x.dispose();
  });

  it('refuse bad options', () => {
    assert.throws(() => new LpRegularizer({ p: 0.5 }), /Option `p` must be a finite number >= 1\. Received: p=0\.5/);
    assert.throws(
      () => new LpRegularizer({ power: 0 }),
      /Option `power` must be a finite number > 0\. Received: power=0/,
    );
    assert.throws(
      () => new LpRegularizer({ reducer: new DivisorReducer() }),
      /`reducer` of LpRegularizer must be a reducer other than DivisorReducer.*Received: reducer=DivisorReducer/,
    );
    assert.throws(
      () => new ZeroMeanRegularizer({ reducer: 'mean' as never }),
      /`reducer` of ZeroMeanRegularizer must be a reducer/,
    );
    assert.throws(
      () => new ZeroMeanRegularizer({ p: 2 } as never),
      /Unknown option `p` for ZeroMeanRegularizer\. Allowed: reducer/,
    );
    assert.throws(() => new LpRegularizer().compute(tf.tensor1d([1]) as never), /`embeddings` must be 2-D/);
    assert.ok(new LpRegularizer().reducer instanceof MeanReducer);
  });
});
