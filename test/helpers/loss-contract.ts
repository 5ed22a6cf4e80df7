import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import type { BaseMetricLossFunction } from '../../src/losses/index.js';
import type { PairIndices, TripletIndices } from '../../src/miners/index.js';
import { expectNoLeak, matrix } from './tensors.js';

export interface LossContractOptions {
  /** The tuples the loss forms by itself from `labels`; passing them explicitly must change nothing. */
  internalTuples?: (labels: Int32Array) => TripletIndices | PairIndices;
}

/** 8 rows in 4 classes of 2, with distinct, well-spread values. */
const LABELS = Int32Array.of(0, 0, 1, 1, 2, 2, 3, 3);
const ROWS = Array.from({ length: 8 }, (_, i) =>
  Array.from({ length: 5 }, (_, k) => Math.sin(1.7 * i + 0.9 * k + 0.3 * i * k)),
);

function lossAndGradient(
  loss: BaseMetricLossFunction<unknown>,
  rows: number[][],
  labels: ArrayLike<number>,
  indices?: TripletIndices | PairIndices,
): { value: number; grad: Float32Array } {
  const x = matrix(rows);
  const { value, grad } = tf.valueAndGrad((v: tf.Tensor) =>
    loss.compute(v as tf.Tensor2D, Array.from(labels), indices),
  )(x);
  const out = { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
  tf.dispose([x, value, grad]);
  return out;
}

/**
 * The contract every metric loss keeps (PML's loss-compatibility suites), declared as tests:
 * no valid tuple gives 0 with a zero gradient; collapsed embeddings give finite gradients; tuples
 * given explicitly equal those formed internally; NaN embeddings give NaN as PML does; nothing
 * leaks. Call inside a `describeBackends` block; `make` returns a fresh loss each time.
 */
export function lossContract(
  name: string,
  make: () => BaseMetricLossFunction<unknown>,
  options: LossContractOptions = {},
): void {
  describe(`loss contract: ${name}`, () => {
    it('gives 0 with a zero gradient when there is no valid tuple', () => {
      const cases: Array<[string, number[][], number[], (TripletIndices | PairIndices)?]> = [
        ['all labels distinct', ROWS, [0, 1, 2, 3, 4, 5, 6, 7]],
        ['one label', ROWS, [4, 4, 4, 4, 4, 4, 4, 4]],
        ['a batch of 2', ROWS.slice(0, 2), [0, 1]],
        [
          'empty triplets',
          ROWS,
          Array.from(LABELS),
          { anchors: new Int32Array(0), positives: new Int32Array(0), negatives: new Int32Array(0) },
        ],
        [
          'empty pairs',
          ROWS,
          Array.from(LABELS),
          { a1: new Int32Array(0), p: new Int32Array(0), a2: new Int32Array(0), n: new Int32Array(0) },
        ],
      ];
      for (const [what, rows, labels, indices] of cases) {
        const { value, grad } = lossAndGradient(make(), rows, labels, indices);
        assert.equal(value, 0, `${what}: loss`);
        assert.ok(
          grad.every((g) => g === 0),
          `${what}: gradient ${Array.from(grad).slice(0, 6)}`,
        );
      }
    });

    it('has a finite loss and gradient on collapsed embeddings', () => {
      for (const [what, value] of [
        ['identical rows', 0.5],
        ['all zeros', 0],
      ] as const) {
        const rows = ROWS.map((row) => row.map(() => value));
        const result = lossAndGradient(make(), rows, LABELS);
        assert.ok(Number.isFinite(result.value), `${what}: loss ${result.value}`);
        assert.ok(result.grad.every(Number.isFinite), `${what}: gradient ${Array.from(result.grad).slice(0, 6)}`);
      }
    });

    if (options.internalTuples !== undefined) {
      const tuples = options.internalTuples;
      it('gives the same loss and gradient with its own tuples passed explicitly', () => {
        const internal = lossAndGradient(make(), ROWS, LABELS);
        const explicit = lossAndGradient(make(), ROWS, LABELS, tuples(LABELS));
        assert.ok(internal.value > 0, `a loss to compare: ${internal.value}`);
        assert.equal(explicit.value, internal.value);
        assert.deepEqual(explicit.grad, internal.grad);
      });
    }

    it('gives NaN when the embeddings hold NaN and nothing else decides (PML point 3)', () => {
      const oneNaN = ROWS.map((row, i) => row.map((v, k) => (i === 3 && k === 1 ? NaN : v)));
      const noTuples = lossAndGradient(make(), oneNaN, [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.ok(Number.isNaN(noTuples.value), `no tuples + NaN row: ${noTuples.value}`);
      const allNaN = lossAndGradient(
        make(),
        ROWS.map((row) => row.map(() => NaN)),
        LABELS,
      );
      assert.ok(Number.isNaN(allNaN.value), `all NaN: ${allNaN.value}`);
    });

    it('leaks no tensor, forward or backward', () => {
      const x = matrix(ROWS);
      const loss = make();
      expectNoLeak(() => loss.compute(x, LABELS), 'compute');
      expectNoLeak(() => loss.compute(x, [0, 1, 2, 3, 4, 5, 6, 7]), 'compute without tuples');
      expectNoLeak(() => tf.grad((v: tf.Tensor) => loss.compute(v as tf.Tensor2D, LABELS))(x), 'gradient');
      expectNoLeak(
        () => tf.grad((v: tf.Tensor) => loss.compute(v as tf.Tensor2D, [1, 1, 1, 1, 1, 1, 1, 1]))(x),
        'zero-loss gradient',
      );
      x.dispose();
    });
  });
}
