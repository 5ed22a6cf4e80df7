import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { CosineSimilarity, LpDistance } from '../../src/distances/index.js';
import { PairMarginMiner } from '../../src/miners/index.js';
import { camelKwargs, loadOracle, type OracleCase } from '../helpers/oracle.js';
import { distanceFromSpec } from '../helpers/pml.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { lpMatrix, normalizeRows } from '../reference/distances.js';

/** The loss cases whose tuple PML's PairMarginMiner mined (on the float32 embeddings). */
const cases: OracleCase[] = [
  'contrastive_loss',
  'multi_similarity_loss',
  'ntxent_loss',
  'supcon_loss',
  'circle_loss',
  'margin_loss',
  'arcface_loss',
  'proxy_anchor_loss',
]
  .flatMap((file) => loadOracle(file))
  .filter((c) => (c.params as { miner: { class: string } | null }).miner?.class === 'PairMarginMiner');

describeBackends(['cpu', 'wasm'], 'PairMarginMiner', () => {
  it(`reproduces PML's pairs, in PML's order, on every oracle case mined with it (${cases.length})`, () => {
    assert.ok(cases.length >= 10, `${cases.length} cases`);
    for (const c of cases) {
      const spec = (c.params as { miner: { kwargs: Record<string, unknown>; distance: never } }).miner;
      const miner = new PairMarginMiner({ ...camelKwargs(spec.kwargs), distance: distanceFromSpec(spec.distance) });
      const x = matrix(c.inputs.embeddings as number[][]);
      const got = miner.mine(x, c.inputs.labels as number[]);
      const want = c.inputs.indices_tuple as Record<string, number[]>;
      for (const key of ['a1', 'p', 'a2', 'n'] as const)
        assert.deepEqual(Array.from(got[key]), want[key], `${c.name}: ${key}`);
      x.dispose();
    }
  });

  it('keeps positives beyond posMargin and negatives within negMargin; for a similarity the other way round', () => {
    const rows = [
      [1, 0],
      [0.8, 0.6],
      [0, 1],
      [-1, 0.1],
      [0.6, -0.8],
    ];
    const labels = [0, 0, 0, 1, 1];
    const unit = normalizeRows(rows);
    const dist = lpMatrix(unit, unit);
    const sim = unit.map((a) => unit.map((b) => a[0] * b[0] + a[1] * b[1]));
    const x = matrix(rows);
    for (const [miner, mat, keepPos, keepNeg] of [
      [new PairMarginMiner({ posMargin: 0.7, negMargin: 1.5 }), dist, (v: number) => v > 0.7, (v: number) => v < 1.5],
      [
        new PairMarginMiner({ posMargin: 0.5, negMargin: -0.5, distance: new CosineSimilarity() }),
        sim,
        (v: number) => v < 0.5,
        (v: number) => v > -0.5,
      ],
    ] as const) {
      const pos: number[][] = [];
      const neg: number[][] = [];
      labels.forEach((a, i) =>
        labels.forEach((b, j) => {
          if (a === b && i !== j && keepPos(mat[i][j])) pos.push([i, j]);
          if (a !== b && keepNeg(mat[i][j])) neg.push([i, j]);
        }),
      );
      const pairs = miner.mine(x, labels);
      assert.ok(pos.length > 0 && neg.length > 0 && pos.length < 8 && neg.length < 12, `${pos.length} ${neg.length}`);
      assert.deepEqual(
        Array.from(pairs.a1, (a, k) => [a, pairs.p[k]]),
        pos,
      );
      assert.deepEqual(
        Array.from(pairs.a2, (a, k) => [a, pairs.n[k]]),
        neg,
      );
    }
    x.dispose();
  });

  it("mines against a reference set, where a row's copy is one of its positives", () => {
    const x = matrix([
      [1, 0],
      [0, 1],
      [0.9, 0.1],
    ]);
    const miner = new PairMarginMiner({ posMargin: -1, negMargin: 10 });
    const got = miner.mineAgainst(x, [0, 1, 0], x, [0, 1, 0]);
    assert.deepEqual(Array.from(got.a1), [0, 0, 1, 2, 2]);
    assert.deepEqual(Array.from(got.p), [0, 2, 1, 0, 2]);
    assert.equal(miner.lastStats?.batchSize, 3);
    assert.equal(miner.lastStats?.numPosPairs, 5);
    expectNoLeak(() => miner.mineAgainst(x, [0, 1, 0], x, [0, 1, 0]), 'mineAgainst');
    expectNoLeak(() => miner.mine(x, [0, 1, 0]), 'mine');
    x.dispose();
  });

  it('refuses bad options and inputs', () => {
    assert.throws(
      () => new PairMarginMiner({ posMargin: NaN }),
      /Option `posMargin` must be a finite number\. Received: posMargin=NaN/,
    );
    assert.throws(
      () => new PairMarginMiner({ negMargin: '1' as never }),
      /Option `negMargin` must be a finite number\. Received: negMargin=1/,
    );
    assert.throws(() => new PairMarginMiner({ distance: 'cos' as never }), /Option `distance` must be a BaseDistance/);
    const x = matrix([
      [1, 0],
      [0, 1],
    ]);
    assert.throws(
      () => new PairMarginMiner().mineAgainst(x, [0, 1], x, [0]),
      /`refLabels` must have one label per embedding row \(2\)/,
    );
    assert.ok(new PairMarginMiner().distance instanceof LpDistance);
    assert.deepEqual([new PairMarginMiner().posMargin, new PairMarginMiner().negMargin], [0.2, 0.8]);
    tf.dispose(x);
  });
});
