import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { LpDistance } from '../../src/distances/index.js';
import { DistanceWeightedMiner, distanceWeights, type TripletIndices } from '../../src/miners/index.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import { distanceWeightsRef } from '../reference/miners.js';

function randomRows(rng: Random, n: number, dim: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => Math.fround(rng.normal())));
}

/** Our float32 distance matrix as rows, so weights are compared on identical distances. */
function distanceRows(data: number[][]): number[][] {
  const x = matrix(data);
  const mat = new LpDistance().pairwise(x);
  const values = Array.from(mat.dataSync());
  tf.dispose([x, mat]);
  return data.map((_, i) => values.slice(i * data.length, (i + 1) * data.length));
}

function assertWeights(
  data: number[][],
  labels: number[],
  cutoff: number,
  nonzeroLossCutoff: number,
  what: string,
): number[][] {
  const dist = distanceRows(data);
  const dim = data[0].length;
  const got = distanceWeights(dist.flat(), Int32Array.from(labels), dim, { cutoff, nonzeroLossCutoff });
  const want = distanceWeightsRef(dist, labels, dim, Math.fround(cutoff), Math.fround(nonzeroLossCutoff));
  want
    .flat()
    .forEach((w, k) =>
      assert.ok(Math.abs(got[k] - w) <= 1e-9 * Math.max(w, 1e-300) + 1e-300, `${what}: weight ${k}: ${got[k]} != ${w}`),
    );
  return want;
}

describeBackends(['cpu', 'wasm'], 'DistanceWeightedMiner', () => {
  it('computes the weights of the explicit formula 1/q(d) on the sphere', () => {
    const rng = new Random(11);
    let rowsWithWeight = 0;
    for (const dim of [2, 3, 5, 8, 16]) {
      for (const [cutoff, nonzero] of [
        [0.5, 1.4],
        [0.2, 1.9],
        [0.8, 1.2],
      ]) {
        const data = randomRows(rng, 16, dim);
        const labels = data.map(() => rng.int(3));
        const want = assertWeights(data, labels, cutoff, nonzero, `dim=${dim} cutoff=${cutoff} nonzero=${nonzero}`);
        rowsWithWeight += want.filter((row) => row.some((w) => w > 0)).length;
      }
    }
    assert.ok(rowsWithWeight > 100, `only ${rowsWithWeight} rows had an eligible negative`);
  });

  it('gives no weight to antipodal rows (q(2) = 0), same-label rows or rows beyond the cutoff', () => {
    const data = [
      [1, 0, 0, 0],
      [-1, 0, 0, 0],
      [0.6, 0.8, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0.6, 0.8],
    ];
    const labels = [0, 1, 1, 0, 2];
    const want = assertWeights(data, labels, 0.5, 2.5, 'antipodal');
    assert.equal(want[0][1], 0, 'antipodal pair');
    assert.ok(want[0][2] > 0 && want[0][4] > 0, 'other negatives keep their weight');
    assert.equal(want[0][3], 0, 'same label');
  });

  it('draws k triplets per anchor: a positive of its label, a negative with positive weight, labels in order', () => {
    const rng = new Random(3);
    const data = randomRows(rng, 24, 4);
    const labels = [5, 2, 2, 9, 5, 2, 9, 9, 5, 2, 5, 9, 1, 2, 5, 9, 2, 5, 9, 2, 5, 9, 5, 2];
    const miner = new DistanceWeightedMiner({ rng: new Random(1) });
    const x = matrix(data);
    const t = miner.mine(x, labels);
    x.dispose();
    const weights = distanceWeightsRef(distanceRows(data), labels, 4, 0.5, 1.4);
    const expectedAnchors: number[] = [];
    for (const label of [2, 5, 9]) {
      const members = labels.flatMap((l, i) => (l === label ? [i] : []));
      for (const a of members) if (weights[a].some((w) => w > 0)) for (const _ of members) expectedAnchors.push(a);
    }
    assert.deepEqual(Array.from(t.anchors), expectedAnchors, 'anchors: label 1 (single row) skipped, k per anchor');
    t.anchors.forEach((a, k) => {
      assert.equal(labels[t.positives[k]], labels[a]);
      assert.notEqual(t.positives[k], a);
      assert.notEqual(labels[t.negatives[k]], labels[a]);
      assert.ok(weights[a][t.negatives[k]] > 0, `negative ${t.negatives[k]} of anchor ${a} has weight 0`);
    });
    assert.equal(miner.lastStats?.numTriplets, t.anchors.length);
  });

  it('samples negatives in proportion to the weights and positives uniformly (chi-square)', () => {
    const rng = new Random(5);
    const data = randomRows(rng, 12, 3);
    const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
    const weights = distanceWeightsRef(distanceRows(data), labels, 3, 0.5, 1.4);
    const miner = new DistanceWeightedMiner({ rng: new Random(99) });
    const x = matrix(data);
    const negCounts = data.map(() => new Array<number>(12).fill(0));
    const posCounts = data.map(() => new Array<number>(12).fill(0));
    const rounds = 500;
    for (let r = 0; r < rounds; r++) {
      const t = miner.mine(x, labels);
      t.anchors.forEach((a, k) => {
        negCounts[a][t.negatives[k]]++;
        posCounts[a][t.positives[k]]++;
      });
    }
    x.dispose();
    const chiSquare = (counts: number[][], expected: (a: number) => number[]): { stat: number; df: number } => {
      let stat = 0;
      let df = 0;
      counts.forEach((row, a) => {
        const total = row.reduce((s, v) => s + v, 0);
        if (total === 0) return;
        const p = expected(a);
        row.forEach((o, j) => {
          if (p[j] === 0) {
            assert.equal(o, 0, `anchor ${a} drew ${j}, whose probability is 0`);
            return;
          }
          const e = total * p[j];
          stat += ((o - e) * (o - e)) / e;
          df++;
        });
        df--;
      });
      return { stat, df };
    };
    // A chi-square with df degrees of freedom has mean df and sd sqrt(2 df): 5 sd is far in the tail.
    const bound = (df: number): number => df + 5 * Math.sqrt(2 * df);
    const neg = chiSquare(negCounts, (a) => weights[a]);
    assert.ok(neg.df >= 30, `only ${neg.df} degrees of freedom`);
    assert.ok(neg.stat < bound(neg.df), `negatives: chi2 ${neg.stat.toFixed(1)} with df ${neg.df}`);
    const uniformNeg = chiSquare(negCounts, (a) =>
      weights[a].map((w) => (w > 0 ? 1 / weights[a].filter((v) => v > 0).length : 0)),
    );
    assert.ok(
      uniformNeg.stat > bound(uniformNeg.df),
      `the test must tell weighted from uniform sampling: ${uniformNeg.stat}`,
    );
    const pos = chiSquare(posCounts, (a) => labels.map((l, j) => (l === labels[a] && j !== a ? 1 / 3 : 0)));
    assert.ok(pos.stat < bound(pos.df), `positives: chi2 ${pos.stat.toFixed(1)} with df ${pos.df}`);
  });

  it('is reproducible for a seed and continues from the generator state', () => {
    const rng = new Random(8);
    const data = randomRows(rng, 20, 6);
    const labels = data.map((_, i) => i % 4);
    const x = matrix(data);
    const asRows = (t: TripletIndices) => [Array.from(t.anchors), Array.from(t.positives), Array.from(t.negatives)];
    const a = new DistanceWeightedMiner({ rng: new Random(42) });
    const b = new DistanceWeightedMiner({ rng: new Random(42) });
    const first = asRows(a.mine(x, labels));
    assert.deepEqual(asRows(b.mine(x, labels)), first, 'same seed, same triplets');
    const resumed = new DistanceWeightedMiner({ rng: Random.fromState(a.rng.state()) });
    const second = asRows(a.mine(x, labels));
    assert.notDeepEqual(second, first, 'the state advances between calls');
    assert.deepEqual(asRows(resumed.mine(x, labels)), second, 'a restored state draws the same');
    assert.notDeepEqual(
      asRows(new DistanceWeightedMiner({ rng: new Random(43) }).mine(x, labels)),
      first,
      'another seed',
    );
    x.dispose();
  });

  it('mines nothing when every negative is beyond nonzeroLossCutoff', () => {
    const data = [
      [1, 0.01, 0],
      [1, -0.01, 0],
      [-1, 0, 0.01],
      [-1, 0, -0.01],
    ];
    const x = matrix(data);
    const miner = new DistanceWeightedMiner();
    const t = miner.mine(x, [0, 0, 1, 1]);
    assert.equal(t.anchors.length, 0);
    assert.equal(miner.lastStats?.numTriplets, 0);
    assert.equal(new DistanceWeightedMiner({ nonzeroLossCutoff: 2.5 }).mine(x, [0, 0, 1, 1]).anchors.length, 4 * 2);
    expectNoLeak(() => miner.mine(x, [0, 0, 1, 1]), 'DistanceWeightedMiner.mine');
    x.dispose();
  });
});
