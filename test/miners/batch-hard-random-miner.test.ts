import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Random } from '../../src/random.js';
import { CosineSimilarity, LpDistance } from '../../src/distances/index.js';
import { BatchHardRandomMiner } from '../../src/miners/index.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { hardRandomRef, hardSemihardRef } from '../reference/miners.js';
import { matrixRows, randomBatch, tripletTuples as triplets } from '../helpers/mining-batch.js';

describeBackends(['cpu', 'wasm'], 'BatchHardRandomMiner', () => {
  it("gives each anchor's hardest triplet and k random ones, as an explicit loop with the same generator", () => {
    const data = new Random(3);
    for (const [name, make] of [
      ['Lp', () => new LpDistance()],
      ['Cosine', () => new CosineSimilarity()],
    ] as const) {
      for (const k of [0, 1, 3]) {
        for (const [n, dim, classes] of [
          [12, 3, 3],
          [20, 5, 4],
          [7, 2, 7],
        ]) {
          const batch = randomBatch(data, n, dim, classes);
          const distance = make();
          const x = matrix(batch.data);
          const got = triplets(
            new BatchHardRandomMiner({ randomPerAnchor: k, distance, rng: new Random(n) }).mine(x, batch.labels),
          );
          x.dispose();
          const ref = new Random(n);
          const want = hardRandomRef(matrixRows(distance, batch.data), batch.labels, k, distance.isInverted, (m) =>
            ref.int(m),
          );
          assert.deepEqual(got, want, `${name} k=${k} n=${n}`);
        }
      }
    }
  });

  it("with randomFrom 'semihard' draws the k from the anchor's semi-hard triplets, as an explicit loop", () => {
    const data = new Random(5);
    for (const [name, make] of [
      ['Lp', () => new LpDistance()],
      ['Cosine', () => new CosineSimilarity()],
    ] as const) {
      for (const margin of [0.1, 0.5]) {
        for (const [n, dim, classes] of [
          [12, 3, 3],
          [20, 5, 4],
          [7, 2, 7],
        ]) {
          const batch = randomBatch(data, n, dim, classes);
          const distance = make();
          const x = matrix(batch.data);
          const miner = new BatchHardRandomMiner({
            randomPerAnchor: 3,
            randomFrom: 'semihard',
            margin,
            distance,
            rng: new Random(n),
          });
          const got = triplets(miner.mine(x, batch.labels));
          x.dispose();
          const ref = new Random(n);
          const mat = matrixRows(distance, batch.data);
          const want = hardSemihardRef(mat, batch.labels, 3, margin, distance.isInverted, (m) => ref.int(m));
          assert.deepEqual(got, want, `${name} margin=${margin} n=${n}`);
        }
      }
    }
  });

  it('leaks nothing and rejects a bad count or generator', () => {
    const x = matrix(randomBatch(new Random(2), 8, 3, 2).data);
    expectNoLeak(() => new BatchHardRandomMiner().mine(x, [0, 0, 0, 0, 1, 1, 1, 1]), 'mine');
    x.dispose();
    for (const randomPerAnchor of [-1, 1.5, NaN]) {
      assert.throws(
        () => new BatchHardRandomMiner({ randomPerAnchor }),
        new RegExp(`\`randomPerAnchor\` must be an integer >= 0\\. Received: randomPerAnchor=${randomPerAnchor}`),
      );
    }
    assert.throws(() => new BatchHardRandomMiner({ rng: {} as never }), /`rng` must be a Random/);
    assert.throws(
      () => new BatchHardRandomMiner({ randomFrom: 'hard' as never }),
      /`randomFrom` must be 'any' or 'semihard'\. Received: randomFrom=hard/,
    );
    assert.throws(
      () => new BatchHardRandomMiner({ margin: NaN }),
      /`margin` must be a finite number\. Received: margin=NaN/,
    );
    const y = matrix(randomBatch(new Random(2), 8, 3, 2).data);
    expectNoLeak(
      () => new BatchHardRandomMiner({ randomFrom: 'semihard' }).mine(y, [0, 0, 0, 0, 1, 1, 1, 1]),
      'mine semihard',
    );
    y.dispose();
  });
});
