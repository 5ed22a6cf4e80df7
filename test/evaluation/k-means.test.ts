import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { clusteringMetrics, kMeans, type KMeansResult } from '../../src/evaluation/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { Random } from '../../src/random.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';

/** `perBlob` Gaussian points (std 1) around each of `blobs` centers drawn with std `spread`. */
function blobs(
  rng: Random,
  count: number,
  perBlob: number,
  dim: number,
  spread: number,
): { rows: number[][]; labels: number[] } {
  const centers = Array.from({ length: count }, () => Array.from({ length: dim }, () => spread * rng.normal()));
  const rows: number[][] = [];
  const labels: number[] = [];
  centers.forEach((c, b) => {
    for (let i = 0; i < perBlob; i++) {
      rows.push(c.map((v) => Math.fround(v + rng.normal())));
      labels.push(b);
    }
  });
  return { rows, labels };
}

/** Checks, with plain loops, that a result is a Lloyd fixed point and that its inertia is what it says. */
function assertConsistent(result: KMeansResult, rows: number[][], k: number): void {
  const sq = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, j) => s + (v - b[j]) ** 2, 0);
  let inertia = 0;
  rows.forEach((row, i) => {
    const own = sq(row, result.centers[result.labels[i]]);
    inertia += own;
    for (let c = 0; c < k; c++)
      assert.ok(own <= sq(row, result.centers[c]) * (1 + 1e-5) + 1e-9, `row ${i} is nearer center ${c}`);
  });
  assert.ok(Math.abs(result.inertia - inertia) <= 1e-6 * inertia + 1e-9, `inertia ${result.inertia} != ${inertia}`);
  for (let c = 0; c < k; c++) {
    const members = rows.filter((_, i) => result.labels[i] === c);
    if (members.length === 0) continue;
    const mean = members[0].map((_, j) => members.reduce((s, r) => s + r[j], 0) / members.length);
    mean.forEach((v, j) =>
      assert.ok(Math.abs(result.centers[c][j] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `center ${c}[${j}]`),
    );
  }
}

describeBackends(['cpu', 'wasm'], 'kMeans', () => {
  it('recovers well-separated Gaussian blobs (NMI = 1) at a Lloyd fixed point', () => {
    const { rows, labels } = blobs(new Random(11), 5, 40, 8, 10);
    const x = matrix(rows);
    const result = expectNoLeak(() => kMeans(x, 5, { rng: new Random(1) }), 'kMeans');
    assert.deepEqual(clusteringMetrics(labels, result.labels), { nmi: 1, ami: 1 });
    assertConsistent(result, rows, 5);
    assert.ok(result.nIter >= 1 && result.nIter < 300, `nIter ${result.nIter}`);
    x.dispose();
  });

  it('is reproducible for a seed, and takes rows as well as a tensor', () => {
    const { rows } = blobs(new Random(5), 6, 15, 3, 2);
    const x = matrix(rows);
    const a = kMeans(x, 6, { rng: new Random(9) });
    const b = kMeans(rows, 6, { rng: new Random(9) });
    const c = kMeans(
      rows.map((r) => Float32Array.from(r)),
      6,
      { rng: new Random(9) },
    );
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
    // The default generator is seeded too.
    assert.deepEqual(kMeans(rows, 6), kMeans(rows, 6));
    x.dispose();
  });

  it('keeps the best of several starts: never worse than the first start alone', () => {
    // Overlapping blobs in 2-D: single starts land in different local minima.
    const { rows } = blobs(new Random(2), 8, 20, 2, 3);
    let strictlyBetter = 0;
    for (let seed = 0; seed < 6; seed++) {
      const one = kMeans(rows, 8, { nInit: 1, rng: new Random(seed) });
      const ten = kMeans(rows, 8, { nInit: 10, rng: new Random(seed) });
      assert.ok(ten.inertia <= one.inertia, `seed ${seed}: ${ten.inertia} > ${one.inertia}`);
      if (ten.inertia < one.inertia * (1 - 1e-9)) strictlyBetter++;
      assertConsistent(ten, rows, 8);
    }
    assert.ok(strictlyBetter > 0, 'several starts never helped: the data has a single minimum and tests nothing');
  });

  it('handles duplicates, k = 1 and k = rows', () => {
    const rows = [
      [0, 0],
      [0, 0],
      [0, 0],
      [5, 5],
      [5, 5],
    ];
    const three = kMeans(rows, 3, { rng: new Random(4) });
    assert.equal(three.inertia, 0);
    assert.ok(three.labels.every((l) => l >= 0 && l < 3));
    assert.equal(three.labels[0], three.labels[1]);
    assert.notEqual(three.labels[0], three.labels[3]);
    const one = kMeans(rows, 1);
    assert.deepEqual(Array.from(one.centers[0]), [2, 2]);
    assert.ok(Math.abs(one.inertia - 60) < 1e-9, `${one.inertia}`);
    const all = kMeans(
      [
        [1, 2],
        [3, 4],
        [5, 7],
      ],
      3,
    );
    assert.equal(all.inertia, 0);
    assert.deepEqual(new Set(all.labels).size, 3);
  });

  it('rejects bad input with a clear error', () => {
    const isArgError = (pattern: RegExp) => (e: unknown) =>
      e instanceof DeepmetricError && e.code === 'invalid-argument' && pattern.test(e.message);
    const rows = [
      [0, 1],
      [2, 3],
      [4, 5],
    ];
    assert.throws(() => kMeans(rows, 0), isArgError(/`k` must be an integer in \[1, 3\].*Received: k=0/));
    assert.throws(() => kMeans(rows, 4), isArgError(/`k` must be an integer in \[1, 3\]/));
    assert.throws(
      () =>
        kMeans(
          [
            [0, 1],
            [NaN, 3],
          ],
          1,
        ),
      isArgError(/finite numbers. Received: NaN in row 1/),
    );
    assert.throws(() => kMeans([[0, 1], [3]], 1), isArgError(/rows of equal length 2. Received: row 1 has 1/));
    assert.throws(() => kMeans([], 1), isArgError(/non-empty array of rows/));
    assert.throws(() => kMeans(rows, 2, { nInit: 0 }), isArgError(/`nInit` must be an integer >= 1/));
    assert.throws(() => kMeans(rows, 2, { maxIter: 1.5 }), isArgError(/`maxIter` must be an integer >= 1/));
    assert.throws(() => kMeans(rows, 2, { tol: -1 }), isArgError(/`tol` must be a finite number >= 0/));
    assert.throws(
      () => kMeans(rows, 2, { rng: 42 as unknown as Random }),
      isArgError(/`rng` must be a deepmetric Random/),
    );
    const v = tf.tensor1d([1, 2]);
    assert.throws(() => kMeans(v as unknown as tf.Tensor2D, 1), isArgError(/`x` must be 2-D/));
    v.dispose();
  });
});
