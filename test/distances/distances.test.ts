import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { CosineSimilarity, DotProductSimilarity, LpDistance } from '../../src/distances/index.js';
import { assertAllClose, loadOracle, type Spec } from '../helpers/oracle.js';
import { distanceFromSpec } from '../helpers/pml.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { dotMatrix, lpMatrix, normalizeRows } from '../reference/distances.js';

const cases = loadOracle('distances', 'distance');

describeBackends(['cpu', 'wasm'], 'distances against PML', () => {
  it(`has the oracle cases`, () => assert.ok(cases.length >= 40, `${cases.length} cases`));

  for (const c of cases) {
    it(c.name, () => {
      const query = c.inputs.query as number[][];
      const ref = c.inputs.ref as number[][] | null;
      const distance = distanceFromSpec((c.params as { distance: Spec }).distance);
      const q = matrix(query);
      const r = ref === null ? undefined : matrix(ref);
      const mat = distance.pairwise(q, r);
      assert.deepEqual(mat.shape, c.expected.shape);
      assert.equal(distance.isInverted, c.expected.is_inverted);
      const got = mat.dataSync();
      const want32 = (c.expected.matrix as number[][]).flat();
      const want64 = (c.expected.matrix_float64 as number[][]).flat();
      // float32 agrees to ~1e-5 relative; an entry that is 0 in exact arithmetic carries the
      // rounding of the squares, so it gets an absolute allowance scaled to the inputs' magnitude.
      const scale = Math.max(1, ...query.flat().filter(Number.isFinite).map(Math.abs)) ** 2;
      assertAllClose(got, want64, 1e-5, 2e-6 * scale, 'vs float64');
      // Above 25 rows torch itself used the Gram form, whose float32 rounding is its own (README note 6).
      if (Math.max(query.length, ref?.length ?? 0) <= 25) {
        assertAllClose(got, want32, 1e-5, 2e-6 * scale, 'vs float32');
      }
      tf.dispose([q, r, mat]);
    });
  }

  it('leaks no tensor', () => {
    const x = matrix([
      [1, 2],
      [3, 4],
      [0, 0],
    ]);
    const big = tf.randomNormal([300, 16]) as tf.Tensor2D;
    for (const d of [
      new LpDistance(),
      new LpDistance({ power: 2 }),
      new LpDistance({ p: 1 }),
      new CosineSimilarity(),
      new DotProductSimilarity(),
    ]) {
      for (const input of [x, big]) {
        expectNoLeak(() => d.pairwise(input), 'pairwise');
        expectNoLeak(() => d.pairwise(input, input), 'pairwise with ref');
        expectNoLeak(() => tf.grad((v: tf.Tensor) => tf.sum(d.pairwise(v as tf.Tensor2D)))(input), 'gradient');
      }
    }
    tf.dispose([x, big]);
  });

  it('computes large matrices (Gram form) like the explicit loop, also for a huddled cluster', () => {
    const rows = Array.from({ length: 80 }, (_, i) =>
      Array.from({ length: 12 }, (_, k) => Math.sin(i * 7.1 + k * 1.3)),
    );
    // Embeddings near collapse: without centering, the Gram form loses these small distances.
    const huddled = rows.map((row) => row.map((v) => 5 + 1e-3 * v));
    for (const data of [rows, huddled]) {
      const x = matrix(data);
      const y = matrix(data.slice(0, 30));
      const checks: Array<[LpDistance, number[][], tf.Tensor2D | undefined]> = [
        [new LpDistance({ normalizeEmbeddings: false }), lpMatrix(data, data), undefined],
        [new LpDistance({ normalizeEmbeddings: false }), lpMatrix(data, data.slice(0, 30)), y],
        [new LpDistance({ normalizeEmbeddings: false, power: 2 }), lpMatrix(data, data, 2, 2), undefined],
        [new LpDistance(), lpMatrix(normalizeRows(data), normalizeRows(data)), undefined],
      ];
      for (const [distance, expected, ref] of checks) {
        const mat = distance.pairwise(x, ref);
        const largest = expected.flat().reduce((a, b) => Math.max(a, b), 0);
        assertAllClose(mat.dataSync(), expected.flat(), 1e-3, 1e-3 * largest, 'gram');
        mat.dispose();
      }
      tf.dispose([x, y]);
    }
  });

  it('has a finite gradient where rows coincide (collapse, duplicates, zeros)', () => {
    const x = matrix([
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
      [1, 0, 0],
    ]);
    const zeros = tf.zeros([3, 2]) as tf.Tensor2D;
    const big = tf.tile(x, [10, 1]) as tf.Tensor2D; // 40 rows: the Gram form
    for (const d of [new LpDistance(), new LpDistance({ normalizeEmbeddings: false }), new LpDistance({ p: 1 })]) {
      for (const input of [x, zeros, big]) {
        const g = tf.grad((v: tf.Tensor) => tf.sum(d.pairwise(v as tf.Tensor2D)))(input);
        assert.ok(g.dataSync().every(Number.isFinite), `gradient ${Array.from(g.dataSync()).slice(0, 12)}`);
        g.dispose();
      }
    }
    tf.dispose([x, zeros, big]);
  });

  it('has the gradient of the explicit formula (central differences)', () => {
    const data = [
      [0.3, -1.2, 0.8],
      [1.1, 0.4, -0.2],
      [-0.5, 0.9, 1.4],
      [0.2, 0.25, -0.9],
    ];
    const refData = [
      [0.1, 0.2, 0.3],
      [-1, 0.5, 0.25],
    ];
    const weights = [
      [1, -2],
      [0.5, 3],
      [-1, 1],
      [2, 0.7],
    ];
    const selfWeights = data.map((_, i) => data.map((__, j) => Math.cos(i + 2 * j)));
    const distances = [
      new LpDistance(),
      new LpDistance({ normalizeEmbeddings: false }),
      new LpDistance({ normalizeEmbeddings: false, power: 2 }),
      new LpDistance({ p: 1, normalizeEmbeddings: false }),
      new CosineSimilarity(),
    ];
    for (const distance of distances) {
      for (const withRef of [true, false]) {
        const w = withRef ? weights : selfWeights;
        const explicit = (x: number[][]) => {
          const xs = distance.normalizeEmbeddings ? normalizeRows(x) : x;
          const rs = withRef ? (distance.normalizeEmbeddings ? normalizeRows(refData) : refData) : xs;
          const m = distance.isInverted
            ? dotMatrix(xs, rs)
            : lpMatrix(xs, rs, (distance as LpDistance).p, distance.power);
          return m.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * w[i][j], 0), 0);
        };
        const wt = matrix(w);
        const r = withRef ? matrix(refData) : undefined;
        const xt = matrix(data);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(distance.pairwise(v as tf.Tensor2D, r), wt)))(xt);
        const analytic = g.dataSync();
        const h = 1e-6;
        data.forEach((row, i) =>
          row.forEach((_, k) => {
            const plus = data.map((rr) => rr.slice());
            const minus = data.map((rr) => rr.slice());
            plus[i][k] += h;
            minus[i][k] -= h;
            const numeric = (explicit(plus) - explicit(minus)) / (2 * h);
            assert.ok(
              Math.abs(analytic[i * 3 + k] - numeric) <= 1e-3 * Math.max(1, Math.abs(numeric)),
              `${distance.constructor.name} ref=${withRef} [${i},${k}]: ${analytic[i * 3 + k]} vs ${numeric}`,
            );
          }),
        );
        tf.dispose([wt, r, xt, g]);
      }
    }
  });

  it('rejects bad input with a clear error', () => {
    const d = new LpDistance();
    const v = tf.tensor1d([1, 2]);
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([2, 4]) as tf.Tensor2D;
    assert.throws(() => d.pairwise(v as unknown as tf.Tensor2D), /`query` must be 2-D.*shape \[2\]/);
    assert.throws(() => d.pairwise(empty), /must not be empty/);
    assert.throws(() => d.pairwise(a, b), /same number of columns/);
    assert.throws(() => new LpDistance({ p: 0 }), /`p` must be a finite number >= 1\. Received: p=0/);
    assert.throws(() => new LpDistance({ power: -1 }), /`power` must be/);
    assert.throws(
      () => new CosineSimilarity({ normalizeEmbeddings: 'yes' as unknown as boolean }),
      /normalizeEmbeddings/,
    );
    tf.dispose([v, empty, a, b]);
  });
});
