import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MPerClassSampler, sampleWithoutReplacement, type MPerClassSamplerState } from '../../src/samplers/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { Random } from '../../src/random.js';
import { pmlEpoch } from '../reference/samplers.js';

/** Labels with `sizes[c]` samples of class `labelOf(c)`, interleaved so that indices do not give the class away. */
function makeLabels(sizes: number[], labelOf = (c: number) => c * 7 - 3): Int32Array {
  const out: number[] = [];
  const left = [...sizes];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        out.push(labelOf(c));
        left[c] -= 1;
      }
    });
  }
  return Int32Array.from(out);
}

/** Chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: number[]): number {
  const expected = counts.reduce((s, v) => s + v, 0) / counts.length;
  return counts.reduce((s, v) => s + (v - expected) ** 2 / expected, 0);
}

// Critical values of the chi-square distribution at p = 0.001 (the Random tests use the same level).
const CHI2_001: Record<number, number> = { 2: 13.82, 4: 18.47, 11: 31.26, 17: 40.79, 19: 43.82 };

function assertRejects(fn: () => unknown, code: 'invalid-argument' | 'invalid-input', message: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof DeepmetricError && err.code === code && message.test(err.message),
    `should fail (${code}) with ${message}`,
  );
}

describe('MPerClassSampler', () => {
  const sizes = [4, 5, 6, 9, 12, 20, 7, 8, 4, 30];
  const labels = makeLabels(sizes);

  it('fills every batch with P distinct classes x m distinct samples of each, class by class', () => {
    const sampler = new MPerClassSampler(labels, { m: 4, batchSize: 16, rng: new Random(1) });
    assert.equal(sampler.classesPerBatch, 4);
    assert.deepEqual(
      Array.from(sampler.classes),
      sizes.map((_n, c) => c * 7 - 3),
    );
    assert.equal(sampler.smallClasses.length, 0);
    for (let b = 0; b < 500; b++) {
      const batch = sampler.nextBatch();
      assert.equal(batch.length, 16);
      const seen = new Set<number>();
      for (let j = 0; j < 4; j++) {
        const group = Array.from(batch.subarray(j * 4, j * 4 + 4));
        const label = labels[group[0]];
        assert.ok(
          group.every((i) => i >= 0 && i < labels.length && labels[i] === label),
          `batch ${b} group ${j} mixes classes`,
        );
        assert.equal(new Set(group).size, 4, `batch ${b}: a class of >= m samples drawn with replacement`);
        assert.ok(!seen.has(label), `batch ${b}: class ${label} twice`);
        seen.add(label);
      }
    }
  });

  it('draws classes uniformly whatever their size, and the samples of a class uniformly (chi-square, p = 0.001)', () => {
    const classSizes = Array.from({ length: 20 }, (_v, c) => 5 + ((c * 13) % 26));
    const y = makeLabels(classSizes, (c) => c);
    const sampler = new MPerClassSampler(y, { m: 2, batchSize: 8, lengthBeforeNewIter: 40, rng: new Random(2) });
    const classCounts = new Array(20).fill(0);
    const sampleCounts = new Map<number, number>();
    const batches = 6000; // 1200 epochs of 5 batches
    for (let b = 0; b < batches; b++) {
      const batch = sampler.nextBatch();
      batch.forEach((i, q) => {
        sampleCounts.set(i, (sampleCounts.get(i) ?? 0) + 1);
        // Count each class once per batch: m counts per appearance would inflate chi2 m-fold.
        if (q % 2 === 0) classCounts[y[i]] += 1;
      });
    }
    assert.equal(sampler.epoch, batches / 5);
    const chi2Classes = chiSquare(classCounts);
    assert.ok(chi2Classes < CHI2_001[19], `classes: chi2 ${chi2Classes.toFixed(2)} >= ${CHI2_001[19]}`);
    // Class 0 has 5 samples and class 7 has 18: each of their samples equally often.
    for (const c of [0, 7]) {
      const members = Array.from(y.keys()).filter((i) => y[i] === c);
      const chi2 = chiSquare(members.map((i) => sampleCounts.get(i) ?? 0));
      const critical = CHI2_001[members.length - 1];
      assert.ok(chi2 < critical, `samples of class ${c}: chi2 ${chi2.toFixed(2)} >= ${critical}`);
    }
  });

  it('draws with replacement only from classes smaller than m, each draw uniform', () => {
    // Classes of 2 and 3 samples with m = 4; the others have 4 or more.
    const y = makeLabels([2, 3, 4, 6, 8], (c) => c);
    const sampler = new MPerClassSampler(y, { m: 4, rng: new Random(3) });
    assert.equal(sampler.batchSize, 20); // batchSize omitted: every class in every batch
    assert.deepEqual(Array.from(sampler.smallClasses), [0, 1]);
    let allSame = 0;
    let groupsOfThree = 0;
    const smallCounts = new Map<number, number>();
    for (let b = 0; b < 3000; b++) {
      const batch = sampler.nextBatch();
      for (let j = 0; j < 5; j++) {
        const group = Array.from(batch.subarray(j * 4, j * 4 + 4));
        const c = y[group[0]];
        assert.ok(group.every((i) => y[i] === c));
        if (c >= 2) assert.equal(new Set(group).size, 4, `class ${c} has >= m samples: no repeats`);
        if (c === 1) {
          groupsOfThree++;
          if (new Set(group).size === 1) allSame++;
          for (const i of group) smallCounts.set(i, (smallCounts.get(i) ?? 0) + 1);
        }
      }
    }
    // Independent uniform draws: all four equal with probability 3 * (1/3)^4 = 1/27.
    const p = allSame / groupsOfThree;
    const sd = Math.sqrt(((1 / 27) * (26 / 27)) / groupsOfThree);
    assert.ok(Math.abs(p - 1 / 27) < 4 * sd, `P(all four equal) = ${p}, expected ${1 / 27} +- ${4 * sd}`);
    const chi2 = chiSquare([...smallCounts.values()]);
    assert.ok(smallCounts.size === 3 && chi2 < CHI2_001[2], `class of 3: chi2 ${chi2} >= ${CHI2_001[2]}`);
  });

  it("has PML's epoch length (len(sampler) rounded to whole batches) for every option combination", () => {
    let checked = 0;
    for (const numClasses of [2, 3, 7, 10]) {
      for (const m of [2, 3, 4]) {
        const y = makeLabels(new Array(numClasses).fill(5), (c) => c);
        for (const length of [1, 7, 24, 60, 100, 1000, 100000]) {
          const batchSizes = [
            undefined,
            ...[2, 3, 5].map((p) => p * m).filter((b) => b <= m * numClasses && b <= length),
          ];
          for (const batchSize of batchSizes) {
            const sampler = new MPerClassSampler(y, { m, batchSize, lengthBeforeNewIter: length, rng: new Random(0) });
            const pml = pmlEpoch(numClasses, m, batchSize, length);
            assert.equal(
              sampler.numBatches,
              pml.numIters,
              `numBatches ${JSON.stringify({ numClasses, m, batchSize, length })}`,
            );
            assert.equal(sampler.length, pml.yielded, `length ${JSON.stringify({ numClasses, m, batchSize, length })}`);
            if (batchSize !== undefined) assert.equal(sampler.length, pml.len);
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 150, `${checked} combinations`);
    const sampler = new MPerClassSampler(labels, { m: 4, batchSize: 16, lengthBeforeNewIter: 100, rng: new Random(9) });
    assert.equal(sampler.numBatches, 6);
    for (let b = 0; b < 6; b++) {
      assert.deepEqual([sampler.epoch, sampler.batchIndex], [0, b]);
      sampler.nextBatch();
    }
    assert.deepEqual([sampler.epoch, sampler.batchIndex], [1, 0]);
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const s = new MPerClassSampler(labels, { m: 2, batchSize: 8, rng: new Random(seed) });
      return Array.from({ length: 50 }, () => Array.from(s.nextBatch()));
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
  });

  it('resumes from a JSON checkpoint mid-epoch with exactly the remaining batches, across epochs', () => {
    const options = { m: 3, batchSize: 9, lengthBeforeNewIter: 50 }; // 5 batches an epoch
    const reference = new MPerClassSampler(labels, { ...options, rng: new Random(7) });
    const all = Array.from({ length: 23 }, () => Array.from(reference.nextBatch()));
    for (const k of [0, 1, 3, 5, 7, 12, 19]) {
      const first = new MPerClassSampler(labels, { ...options, rng: new Random(7) });
      for (let b = 0; b < k; b++) first.nextBatch();
      const saved = JSON.parse(JSON.stringify(first.state())) as MPerClassSamplerState;
      const resumed = new MPerClassSampler(labels, { ...options, rng: new Random(12345) });
      resumed.loadState(saved);
      assert.deepEqual([resumed.epoch, resumed.batchIndex], [Math.floor(k / 5), k % 5]);
      const rest = Array.from({ length: 23 - k }, () => Array.from(resumed.nextBatch()));
      assert.deepEqual(rest, all.slice(k), `resumed after ${k} batches`);
    }
  });

  it('rejects a class with a single sample, naming it and its count', () => {
    assertRejects(
      () => new MPerClassSampler(Int32Array.from([0, 0, 1, 1, 5, 2, 2]), { m: 2, rng: new Random(0) }),
      'invalid-input',
      /^labels: class 5 has 1 sample \(row 4\); .*no positive pair/,
    );
    assertRejects(
      () =>
        new MPerClassSampler(Int32Array.from([0, 0, 1, 1, 2]), {
          m: 2,
          rng: new Random(0),
          source: 'pets.csv',
          classNames: ['cat', 'dog', 'eel'],
        }),
      'invalid-input',
      /^pets\.csv: class 2 \("eel"\) has 1 sample \(row 4\)/,
    );
    assertRejects(
      () => new MPerClassSampler(Int32Array.from([0, 0, 9, 1, 1, 4, 8]), { m: 2, rng: new Random(0) }),
      'invalid-input',
      /class 9 has 1 sample \(row 2\) \(3 classes have 1 sample: 9, 4, 8\)/,
    );
    assertRejects(
      () => new MPerClassSampler(Int32Array.from([3, 3, 3]), { m: 2, rng: new Random(0) }),
      'invalid-input',
      /has 1 class \(class 3\).*at least 2 classes/,
    );
    assertRejects(
      () => new MPerClassSampler(new Int32Array(0), { m: 2, rng: new Random(0) }),
      'invalid-input',
      /has 0 classes/,
    );
  });

  it('rejects bad options with messages that name the option and the value', () => {
    const rng = new Random(0);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ m: 1, rng }, /`m` must be an integer >= 2 .*Received: m=1/],
      [{ m: 2.5, rng }, /`m` must be an integer/],
      [{ m: 4, batchSize: 18, rng }, /`batchSize` must be a multiple of m=4.*Received: batchSize=18/],
      [
        { m: 4, batchSize: 44, rng },
        /needs batchSize \/ m = 11 classes per batch, but the labels have 10 classes: use batchSize <= m \* 10 = 40/,
      ],
      [{ m: 4, batchSize: 4, rng }, /at least 2 classes.*batchSize >= 2 \* m = 8/],
      [
        { m: 4, batchSize: 16, lengthBeforeNewIter: 10, rng },
        /`lengthBeforeNewIter` must be >= batchSize=16.*Received: lengthBeforeNewIter=10/,
      ],
      [{ m: 4, lengthBeforeNewIter: 0, rng }, /`lengthBeforeNewIter` must be an integer >= 1/],
      [{ m: 4 }, /`rng` must be a Random.*Received: rng=undefined/],
    ];
    for (const [options, message] of cases) {
      assertRejects(() => new MPerClassSampler(labels, options as never), 'invalid-argument', message);
    }
    assertRejects(
      () => new MPerClassSampler(Int32Array.from([1, 1, 2]), { m: 2, rng }),
      'invalid-input',
      /class 2 has 1 sample/,
    );
    assertRejects(
      () => new MPerClassSampler([0, 0, 1.5, 1.5] as never, { m: 2, rng }),
      'invalid-argument',
      /32-bit integers/,
    );
  });

  it('rejects a state saved on other labels or options, or out of range', () => {
    const sampler = new MPerClassSampler(labels, { m: 2, batchSize: 8, lengthBeforeNewIter: 40, rng: new Random(0) });
    const other = new MPerClassSampler(labels, { m: 2, batchSize: 10, lengthBeforeNewIter: 40, rng: new Random(0) });
    assertRejects(
      () => sampler.loadState(other.state()),
      'invalid-argument',
      /saved by a sampler with batchSize=10, but this one has batchSize=8/,
    );
    const fewer = new MPerClassSampler(labels.subarray(0, 40), {
      m: 2,
      batchSize: 8,
      lengthBeforeNewIter: 40,
      rng: new Random(0),
    });
    assertRejects(
      () => sampler.loadState(fewer.state()),
      'invalid-argument',
      /numSamples=40, but this one has numSamples=105/,
    );
    assertRejects(
      () => sampler.loadState({ ...sampler.state(), batchIndex: 5 }),
      'invalid-argument',
      /`state.batchIndex` must be an integer in \[0, 5\)/,
    );
    assertRejects(
      () => sampler.loadState({ ...sampler.state(), rng: [1, 2, 3] as never }),
      'invalid-argument',
      /`state.rng` must be 4 unsigned/,
    );
    assertRejects(
      () => sampler.loadState({ kind: 'step-lr' } as never),
      'invalid-argument',
      /saved by MPerClassSampler.state\(\). Received: kind=step-lr/,
    );
  });
});

describe('sampleWithoutReplacement', () => {
  it('draws k distinct values in [0, n), every ordered k-tuple equally often', () => {
    const rng = new Random(4);
    const counts = new Map<string, number>();
    for (let t = 0; t < 24000; t++) {
      const s = Array.from(sampleWithoutReplacement(4, 2, rng));
      assert.ok(s[0] !== s[1] && s.every((v) => v >= 0 && v < 4));
      counts.set(s.join(), (counts.get(s.join()) ?? 0) + 1);
    }
    assert.equal(counts.size, 12);
    const chi2 = chiSquare([...counts.values()]);
    assert.ok(chi2 < CHI2_001[11], `chi2 ${chi2} >= ${CHI2_001[11]}`);
    const full = Array.from(sampleWithoutReplacement(1000, 1000, rng)).sort((a, b) => a - b);
    assert.deepEqual(
      full,
      Array.from({ length: 1000 }, (_v, i) => i),
    );
    assert.equal(sampleWithoutReplacement(5, 0, rng).length, 0);
    assertRejects(
      () => sampleWithoutReplacement(3, 4, rng),
      'invalid-argument',
      /`k` must be an integer in \[0, n=3\]. Received: k=4/,
    );
    assertRejects(() => sampleWithoutReplacement(-1, 0, rng), 'invalid-argument', /`n` must be an integer >= 0/);
  });
});
