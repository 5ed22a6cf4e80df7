import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import {
  ArcFaceLoss,
  CircleLoss,
  ContrastiveLoss,
  CrossBatchMemory,
  MarginLoss,
  MultiSimilarityLoss,
  NTXentLoss,
  SupConLoss,
  TripletMarginLoss,
  mineAgainstMemory,
  type BaseMetricLossFunction,
} from '../../src/losses/index.js';
import {
  BatchHardMiner,
  MultiSimilarityMiner,
  PairMarginMiner,
  TripletMarginMiner,
  type PairIndices,
} from '../../src/miners/index.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { randomRows } from './loss-checks.js';

const D = 4;
const BATCHES = [0, 1, 2].map((k) => ({
  rows: randomRows(6, D, 40 + k),
  labels: [0, 1, 2, 0, 1, 2].map((l) => (l + k) % 3),
}));

/** Every (i, j) of batch x memory, positives without the row's own copy at `slots[i]`, row-major. */
function expectedPairs(labels: number[], memoryLabels: number[], slots: number[]): PairIndices {
  const out = { a1: [] as number[], p: [] as number[], a2: [] as number[], n: [] as number[] };
  labels.forEach((l, i) =>
    memoryLabels.forEach((ml, j) => {
      if (l !== ml) (out.a2.push(i), out.n.push(j));
      else if (j !== slots[i]) (out.a1.push(i), out.p.push(j));
    }),
  );
  return {
    a1: Int32Array.from(out.a1),
    p: Int32Array.from(out.p),
    a2: Int32Array.from(out.a2),
    n: Int32Array.from(out.n),
  };
}

describeBackends(['cpu', 'wasm'], 'CrossBatchMemory', () => {
  it('is the inner loss of the batch against a plain-array queue, batch after batch, for every supported loss', () => {
    const makers: Array<[string, () => BaseMetricLossFunction<unknown>]> = [
      ['TripletMarginLoss', () => new TripletMarginLoss({ margin: 0.3 })],
      ['ContrastiveLoss', () => new ContrastiveLoss()],
      ['MultiSimilarityLoss', () => new MultiSimilarityLoss()],
      ['NTXentLoss', () => new NTXentLoss({ temperature: 0.5 })],
      ['SupConLoss', () => new SupConLoss()],
      ['CircleLoss', () => new CircleLoss({ gamma: 16 })],
      ['MarginLoss', () => new MarginLoss()],
    ];
    for (const [name, make] of makers) {
      const memory = new CrossBatchMemory({ loss: make(), embeddingSize: D, memorySize: 10 });
      const inner = make();
      const queue: Array<{ row: number[]; label: number }> = [];
      let next = 0;
      let filled = false;
      for (const { rows, labels } of BATCHES) {
        const slots = rows.map((_, i) => (next + i) % 10);
        rows.forEach((row, i) => (queue[slots[i]] = { row, label: labels[i] }));
        const previous = next;
        next = (next + rows.length) % 10;
        filled = filled || next <= previous;
        const used: Array<{ row: number[]; label: number }> = filled ? queue : queue.slice(0, next);
        const x = matrix(rows);
        const mem = matrix(used.map((q) => q.row));
        const got = memory.compute(x, labels);
        const want = inner.compute(
          x,
          labels,
          expectedPairs(
            labels,
            used.map((q) => q.label),
            slots,
          ),
          { embeddings: mem, labels: used.map((q) => q.label) },
        );
        const [a, b] = [got.dataSync()[0], want.dataSync()[0]];
        assert.ok(Math.abs(a - b) <= 1e-6 * (1 + Math.abs(b)) && a > 0, `${name}: ${a} vs ${b}`);
        assert.deepEqual(
          [memory.queueIdx, memory.hasBeenFilled, memory.lastStats?.memoryRowsUsed],
          [next, filled, used.length],
          name,
        );
        tf.dispose([x, mem, got, want]);
      }
      memory.loss.dispose();
      inner.dispose();
    }
  });

  it("keeps PML's queue: wrap-around, has_been_filled when the index wraps (a batch as large as the memory too), reset", () => {
    const loss = new ContrastiveLoss();
    const memory = new CrossBatchMemory({ loss, embeddingSize: D, memorySize: 6 });
    const x = matrix(BATCHES[0].rows);
    tf.dispose(memory.compute(x, BATCHES[0].labels));
    assert.deepEqual([memory.queueIdx, memory.hasBeenFilled, memory.lastStats?.memoryRowsUsed], [0, true, 6]);
    const four = matrix(BATCHES[1].rows.slice(0, 4));
    tf.dispose(memory.compute(four, BATCHES[1].labels.slice(0, 4)));
    assert.deepEqual([memory.queueIdx, memory.hasBeenFilled], [4, true]);
    memory.resetQueue();
    tf.dispose(memory.compute(four, BATCHES[1].labels.slice(0, 4)));
    assert.deepEqual([memory.queueIdx, memory.hasBeenFilled, memory.lastStats?.memoryRowsUsed], [4, false, 4]);
    tf.dispose(memory.compute(four, BATCHES[1].labels.slice(0, 4)));
    assert.deepEqual([memory.queueIdx, memory.hasBeenFilled, memory.lastStats?.memoryRowsUsed], [2, true, 6]);
    tf.dispose([x, four]);
  });

  it('removes self-comparisons as PML does, which keeps them for a batch of one row', () => {
    const memory = new CrossBatchMemory({ loss: new ContrastiveLoss(), embeddingSize: D, memorySize: 8 });
    const x = matrix(BATCHES[0].rows);
    tf.dispose(memory.compute(x, [0, 0, 0, 1, 1, 1]));
    assert.deepEqual([memory.lastStats?.numPosPairs, memory.lastStats?.numNegPairs], [12, 18]);
    const one = matrix(BATCHES[0].rows.slice(0, 1));
    tf.dispose(memory.compute(one, [0]));
    // PML maps the memory row back as p - s with 1 added for e <= s: a one-row batch keeps its own copy.
    assert.equal(memory.lastStats?.numPosPairs, 4);
    tf.dispose([x, one]);
  });

  it('with enqueueMask: the marked rows go into the memory, the others are the anchors, with no self-comparison removed', () => {
    const memory = new CrossBatchMemory({ loss: new ContrastiveLoss(), embeddingSize: D, memorySize: 8 });
    const inner = new ContrastiveLoss();
    const rows = BATCHES[0].rows;
    const labels = [0, 0, 1, 1, 2, 2];
    const mask = [true, false, true, false, true, true];
    const x = matrix(rows);
    const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => memory.compute(v as tf.Tensor2D, labels, null, mask))(x);
    assert.equal(memory.queueIdx, 4);
    const queries = matrix([rows[1], rows[3]]);
    const mem = matrix([rows[0], rows[2], rows[4], rows[5]]);
    const want = inner.compute(queries, [0, 1], undefined, { embeddings: mem, labels: [0, 1, 2, 2] });
    assert.ok(Math.abs(value.dataSync()[0] - want.dataSync()[0]) < 1e-6);
    const g = grad.arraySync() as number[][];
    assert.ok(
      [0, 2, 4, 5].every((i) => g[i].every((v) => v === 0)) && g[1].some((v) => v !== 0),
      'the gradient flows through the anchors only',
    );
    assert.throws(
      () =>
        memory.compute(
          x,
          labels,
          { anchors: Int32Array.of(0), positives: Int32Array.of(0), negatives: Int32Array.of(1) },
          mask,
        ),
      /mutually exclusive/,
    );
    assert.throws(
      () => memory.compute(x, labels, null, [true]),
      /`enqueueMask` must have one entry per embedding row \(6\)/,
    );
    tf.dispose([x, value, grad, queries, mem, want]);
  });

  it('mines against the memory: TripletMarginMiner as on the batch and memory appended, PairMarginMiner through mineAgainst', () => {
    const batch = matrix(BATCHES[0].rows);
    const mem = matrix([...BATCHES[1].rows, ...BATCHES[0].rows]);
    const labels = Int32Array.from(BATCHES[0].labels);
    const memLabels = Int32Array.from([...BATCHES[1].labels, ...BATCHES[0].labels]);
    for (const type of ['all', 'hard', 'semihard', 'easy'] as const) {
      const miner = new TripletMarginMiner({ margin: 0.3, typeOfTriplets: type });
      const got = mineAgainstMemory(miner, batch, labels, mem, memLabels);
      const both = tf.concat([batch, mem]);
      const all = miner.mine(both, [...labels, ...memLabels]);
      const want: number[][] = [];
      all.anchors.forEach((a, k) => {
        if (a < 6 && all.positives[k] >= 6 && all.negatives[k] >= 6)
          want.push([a, all.positives[k] - 6, all.negatives[k] - 6]);
      });
      assert.ok('anchors' in got);
      assert.deepEqual(
        Array.from(got.anchors, (a, k) => [a, got.positives[k], got.negatives[k]]),
        want,
        type,
      );
      if (type === 'easy')
        assert.ok(
          want.some(([a, p]) => p === a + 6),
          "a row's own copy is a positive (at distance 0: an easy triplet)",
        );
      assert.ok(want.length > 0, type);
      both.dispose();
    }
    const pmm = new PairMarginMiner({ posMargin: 0.5, negMargin: 1.2 });
    assert.deepEqual(
      mineAgainstMemory(pmm, batch, labels, mem, memLabels),
      pmm.mineAgainst(batch, labels, mem, memLabels),
    );
    assert.throws(
      () => mineAgainstMemory(new BatchHardMiner(), batch, labels, mem, memLabels),
      /must be one of TripletMarginMiner, MultiSimilarityMiner, PairMarginMiner.*Received: miner=BatchHardMiner/,
    );
    tf.dispose([batch, mem]);
  });

  it('leaks no tensor, with each miner, forward and backward', () => {
    const miners = [
      null,
      new TripletMarginMiner({ typeOfTriplets: 'semihard' }),
      new MultiSimilarityMiner(),
      new PairMarginMiner({ posMargin: 0.5, negMargin: 1.3 }),
    ];
    for (const miner of miners) {
      for (const loss of [new TripletMarginLoss(), new MultiSimilarityLoss()]) {
        const memory = new CrossBatchMemory({ loss, embeddingSize: D, memorySize: 10, miner });
        for (const { rows, labels } of BATCHES) {
          const x = matrix(rows);
          expectNoLeak(() => tf.grad((v: tf.Tensor) => memory.compute(v as tf.Tensor2D, labels))(x), 'gradient');
          expectNoLeak(() => memory.compute(x, labels), 'compute');
          x.dispose();
        }
      }
    }
  });

  it('refuses what PML does not support and bad options', () => {
    const make = (options: object) => () =>
      new CrossBatchMemory({ loss: new ContrastiveLoss(), embeddingSize: D, ...options } as never);
    assert.throws(
      make({ loss: new ArcFaceLoss({ numClasses: 2, embeddingSize: D }) }),
      /Option `loss` of CrossBatchMemory must be one of TripletMarginLoss, ContrastiveLoss, .* Received: loss=ArcFaceLoss/,
    );
    assert.throws(make({ loss: new TripletMarginLoss({ swap: true }) }), /must not be a TripletMarginLoss with swap/);
    assert.throws(
      make({ embeddingSize: 0 }),
      /Option `embeddingSize` must be an integer >= 1\. Received: embeddingSize=0/,
    );
    assert.throws(make({ memorySize: 2.5 }), /Option `memorySize` must be an integer >= 1\. Received: memorySize=2\.5/);
    assert.throws(make({ miner: {} }), /Option `miner` of CrossBatchMemory must be a miner/);
    assert.throws(
      make({ memory_size: 4 }),
      /Unknown option `memory_size` for CrossBatchMemory\. Allowed: loss, embeddingSize, memorySize, miner/,
    );
    const memory = new CrossBatchMemory({
      loss: new ContrastiveLoss(),
      embeddingSize: D,
      memorySize: 4,
      miner: new BatchHardMiner(),
    });
    const x = matrix(BATCHES[0].rows);
    assert.throws(
      () =>
        new CrossBatchMemory({ loss: new ContrastiveLoss(), embeddingSize: D, memorySize: 4 }).compute(
          x,
          BATCHES[0].labels,
        ),
      /at most memorySize=4 rows\. Received: 6 rows/,
    );
    assert.throws(
      () => new CrossBatchMemory({ loss: new ContrastiveLoss(), embeddingSize: 3 }).compute(x, BATCHES[0].labels),
      /must have 3 columns \(embeddingSize\)\. Received: 4/,
    );
    assert.throws(() => memory.compute(tf.slice(x, [0, 0], [2, D]), [0, 1]), /must be one of TripletMarginMiner/);
    assert.equal(new CrossBatchMemory({ loss: new ContrastiveLoss(), embeddingSize: D }).memorySize, 1024);
    x.dispose();
  });
});
