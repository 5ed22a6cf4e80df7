import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { CosineSimilarity, LpDistance, type BaseDistance } from '../../src/distances/index.js';
import {
  BatchEasyHardMiner,
  BatchHardMiner,
  BatchHardRandomMiner,
  DistanceWeightedMiner,
  MultiSimilarityMiner,
  SoftmaxHardMiner,
  TripletMarginMiner,
  isPairIndices,
  isTripletIndices,
  type BaseMiner,
  type BatchStrategy,
  type TripletType,
} from '../../src/miners/index.js';
import { Random } from '../../src/random.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';

const MINERS: Array<[string, () => BaseMiner]> = [
  ['TripletMarginMiner', () => new TripletMarginMiner()],
  [
    'TripletMarginMiner cosine semihard',
    () => new TripletMarginMiner({ typeOfTriplets: 'semihard', distance: new CosineSimilarity() }),
  ],
  ['BatchHardMiner', () => new BatchHardMiner()],
  ['BatchEasyHardMiner', () => new BatchEasyHardMiner()],
  ['BatchEasyHardMiner all/hard', () => new BatchEasyHardMiner({ posStrategy: 'all', negStrategy: 'hard' })],
  ['MultiSimilarityMiner', () => new MultiSimilarityMiner()],
  ['DistanceWeightedMiner', () => new DistanceWeightedMiner()],
  ['SoftmaxHardMiner', () => new SoftmaxHardMiner()],
  ['BatchHardRandomMiner', () => new BatchHardRandomMiner()],
];

function rows(n: number, dim: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: dim }, (__, k) => Math.sin(1.7 * i + 0.9 * k + 0.3)));
}

describeBackends(['cpu', 'wasm'], 'miner contract', () => {
  it(`every miner (${MINERS.length}) returns its index type, leaks nothing and accepts number[] or Int32Array labels`, () => {
    const x = matrix(rows(24, 6));
    const labels = rows(24, 1).map((_, i) => i % 4);
    for (const [name, make] of MINERS) {
      const miner = make();
      const out = expectNoLeak(() => miner.mine(x, labels), name);
      assert.ok(isTripletIndices(out) !== isPairIndices(out), `${name}: exactly one index type`);
      const again = make().mine(x, Int32Array.from(labels));
      assert.deepEqual(again, out, `${name}: Int32Array labels`);
      assert.ok(miner.lastStats !== null && miner.lastStats.batchSize === 24, name);
    }
    x.dispose();
  });

  it('mines inside a gradient scope without disturbing the gradient', () => {
    const x = matrix(rows(12, 4));
    const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3];
    for (const [name, make] of MINERS) {
      const miner = make();
      const before = tf.memory().numTensors;
      const g = tf.grad((v: tf.Tensor) => {
        miner.mine(v as tf.Tensor2D, labels);
        return tf.sum(tf.mul(v, 3));
      })(x);
      assert.ok(
        g.dataSync().every((value) => value === 3),
        `${name}: gradient`,
      );
      g.dispose();
      assert.equal(tf.memory().numTensors, before, `${name}: tensors left`);
    }
    x.dispose();
  });

  it('handles batches with nothing to mine (one label, all labels distinct, a single row)', () => {
    const x = matrix(rows(5, 3));
    const one = matrix(rows(1, 3));
    for (const [name, make] of MINERS) {
      for (const [labels, input] of [
        [[1, 1, 1, 1, 1], x],
        [[0, 1, 2, 3, 4], x],
        [[0], one],
      ] as const) {
        const miner = make();
        const out = miner.mine(input, [...labels]);
        const what = `${name} labels ${labels.join(',')}`;
        // BatchEasyHard with `all` on one side still lists that side's pairs, but no triplet can form.
        assert.equal(miner.lastStats?.numTriplets, 0, what);
        if (isTripletIndices(out)) assert.equal(out.anchors.length, 0, what);
        if (miner.lastStats?.numPosPairs === 0) assert.equal(miner.lastStats.meanAP, undefined, what);
        if (miner.lastStats?.numNegPairs === 0) assert.equal(miner.lastStats.meanAN, undefined, what);
      }
    }
    tf.dispose([x, one]);
  });

  it('rejects bad embeddings and labels with a clear error', () => {
    const x = matrix(rows(4, 3));
    const v = tf.tensor1d([1, 2, 3, 4]);
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    const ints = tf.tensor2d(
      [
        [1, 2],
        [3, 4],
      ],
      [2, 2],
      'int32',
    );
    for (const [name, make] of MINERS) {
      const miner = make();
      assert.throws(
        () => miner.mine(x, [0, 1, 0]),
        /`labels` must have one label per embedding row \(4\)\. Received: 3 labels/,
        name,
      );
      assert.throws(
        () => miner.mine(x, [0, 1, 0.5, 1]),
        /`labels` must hold 32-bit integers\. Received: labels\[2\]=0\.5/,
        name,
      );
      assert.throws(() => miner.mine(x, [0, 1, NaN, 1]), /labels\[2\]=NaN/, name);
      assert.throws(
        () => miner.mine(v as unknown as tf.Tensor2D, [0, 1, 0, 1]),
        /`embeddings` must be 2-D \(samples x dimensions\)\. Received: shape \[4\]/,
        name,
      );
      assert.throws(() => miner.mine(empty, []), /`embeddings` must not be empty\. Received: shape \[0, 3\]/, name);
      assert.throws(() => miner.mine(ints, [0, 1]), /dtype float32\. Received: dtype int32/, name);
      assert.throws(
        () => miner.mine(x, null as unknown as number[]),
        /`labels` must be an Int32Array or number\[\]/,
        name,
      );
    }
    tf.dispose([x, v, empty, ints]);
  });

  it('rejects bad options with a clear error', () => {
    assert.throws(
      () => new TripletMarginMiner({ typeOfTriplets: 'hardest' as TripletType }),
      /`typeOfTriplets` must be one of 'all', 'hard', 'semihard', 'easy'\. Received: typeOfTriplets=hardest/,
    );
    assert.throws(
      () => new TripletMarginMiner({ margin: NaN }),
      /`margin` must be a finite number\. Received: margin=NaN/,
    );
    assert.throws(
      () => new TripletMarginMiner({ distance: 'cosine' as unknown as BaseDistance }),
      /`distance` must be a BaseDistance.*Received: cosine/,
    );
    assert.throws(
      () => new BatchEasyHardMiner({ posStrategy: 'medium' as BatchStrategy }),
      /`posStrategy` must be one of 'easy', 'semihard', 'hard', 'all'\. Received: posStrategy=medium/,
    );
    assert.throws(() => new BatchEasyHardMiner({ negStrategy: 'x' as BatchStrategy }), /`negStrategy` must be one of/);
    assert.throws(
      () => new BatchEasyHardMiner({ posStrategy: 'semihard', negStrategy: 'semihard' }),
      /cannot both be 'semihard'/,
    );
    assert.throws(
      () => new BatchEasyHardMiner({ posStrategy: 'all', negStrategy: 'semihard' }),
      /'semihard' cannot be combined with 'all'/,
    );
    assert.throws(
      () => new BatchEasyHardMiner({ posStrategy: 'semihard', negStrategy: 'all' }),
      /'semihard' cannot be combined with 'all'/,
    );
    assert.throws(
      () => new BatchEasyHardMiner({ allowedPosRange: [1, 0] }),
      /`allowedPosRange` must be null or \[low, high\] with numbers low <= high\. Received: allowedPosRange=\[1,0\]/,
    );
    assert.throws(
      () => new BatchEasyHardMiner({ allowedNegRange: [0] as unknown as [number, number] }),
      /`allowedNegRange` must be null or \[low, high\]/,
    );
    assert.throws(
      () => new MultiSimilarityMiner({ epsilon: Infinity }),
      /`epsilon` must be a finite number\. Received: epsilon=Infinity/,
    );
    assert.throws(
      () => new DistanceWeightedMiner({ cutoff: NaN }),
      /`cutoff` must be a finite number\. Received: cutoff=NaN/,
    );
    assert.throws(
      () => new DistanceWeightedMiner({ nonzeroLossCutoff: '1' as unknown as number }),
      /`nonzeroLossCutoff` must be a finite number/,
    );
    assert.throws(() => new DistanceWeightedMiner({ rng: 5 as unknown as Random }), /`rng` must be a Random/);
    // Defaults are PML's.
    const tmm = new TripletMarginMiner();
    assert.equal(tmm.margin, 0.2);
    assert.equal(tmm.typeOfTriplets, 'all');
    assert.ok(tmm.distance instanceof LpDistance && tmm.distance.normalizeEmbeddings && tmm.distance.p === 2);
    const behm = new BatchEasyHardMiner();
    assert.deepEqual(
      [behm.posStrategy, behm.negStrategy, behm.allowedPosRange, behm.allowedNegRange],
      ['easy', 'semihard', null, null],
    );
    const msm = new MultiSimilarityMiner();
    assert.equal(msm.epsilon, 0.1);
    assert.ok(msm.distance instanceof CosineSimilarity);
    const dwm = new DistanceWeightedMiner();
    assert.deepEqual([dwm.cutoff, dwm.nonzeroLossCutoff], [0.5, 1.4]);
  });
});
