import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Random } from '../../src/random.js';
import { CosineSimilarity, LpDistance, type BaseDistance } from '../../src/distances/index.js';
import { SoftmaxHardMiner } from '../../src/miners/index.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { hardestRef, softmaxHardRef } from '../reference/miners.js';
import { matrixRows, randomBatch, tripletTuples as triplets } from '../helpers/mining-batch.js';

const DISTANCES: Array<[string, () => BaseDistance]> = [
  ['Lp', () => new LpDistance()],
  ['Cosine', () => new CosineSimilarity()],
];

describeBackends(['cpu', 'wasm'], 'SoftmaxHardMiner', () => {
  it('draws what an explicit loop over the softmax of the distances draws, with the same generator', () => {
    const data = new Random(5);
    for (const [name, make] of DISTANCES) {
      for (const temperature of [0.05, 0.3, 2]) {
        for (const [n, dim, classes] of [
          [12, 3, 3],
          [20, 6, 4],
          [9, 2, 9],
        ]) {
          const batch = randomBatch(data, n, dim, classes);
          const distance = make();
          const miner = new SoftmaxHardMiner({ temperature, distance, rng: new Random(temperature * 100 + n) });
          const x = matrix(batch.data);
          const got = triplets(miner.mine(x, batch.labels));
          x.dispose();
          const ref = new Random(temperature * 100 + n);
          const want = softmaxHardRef(
            matrixRows(distance, batch.data),
            batch.labels,
            temperature,
            distance.isInverted,
            () => ref.float(),
          );
          assert.deepEqual(got, want, `${name} T=${temperature} n=${n}`);
        }
      }
    }
  });

  it('picks each candidate as often as its softmax weight says', () => {
    // One anchor, positives at distances 0.5 and 1 (and a negative): at T = 0.5 the farther is e times likelier.
    const x = matrix([
      [0, 0],
      [0.5, 0],
      [0, 1],
      [3, 3],
    ]);
    const miner = new SoftmaxHardMiner({ temperature: 0.5, distance: new LpDistance({ normalizeEmbeddings: false }) });
    let farther = 0;
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      const t = miner.mine(x, [0, 0, 0, 1]);
      if (t.positives[0] === 2) farther++;
    }
    x.dispose();
    const expected = Math.E / (1 + Math.E);
    assert.ok(Math.abs(farther / draws - expected) < 0.025, `${farther / draws} vs ${expected}`);
  });

  it('becomes batch-hard as the temperature falls', () => {
    const batch = randomBatch(new Random(8), 24, 4, 4);
    const x = matrix(batch.data);
    const got = triplets(new SoftmaxHardMiner({ temperature: 1e-6 }).mine(x, batch.labels));
    x.dispose();
    assert.deepEqual(got, hardestRef(matrixRows(new LpDistance(), batch.data), batch.labels, false));
  });

  it('leaks nothing and rejects a bad temperature or generator', () => {
    const x = matrix(randomBatch(new Random(2), 8, 3, 2).data);
    expectNoLeak(() => new SoftmaxHardMiner().mine(x, [0, 0, 0, 0, 1, 1, 1, 1]), 'mine');
    x.dispose();
    for (const temperature of [0, -1, NaN, Infinity]) {
      assert.throws(
        () => new SoftmaxHardMiner({ temperature }),
        new RegExp(`\`temperature\` must be a finite number > 0\\. Received: temperature=${temperature}`),
      );
    }
    assert.throws(() => new SoftmaxHardMiner({ rng: 3 as never }), /`rng` must be a Random/);
  });
});
