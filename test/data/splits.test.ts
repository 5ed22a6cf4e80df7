import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classDisjointSplit,
  createDataset,
  holdoutClassIds,
  stratifiedSplit,
  subset,
  type Dataset,
} from '../../src/data/index.js';
import { rejectsArgument, throwsInput } from './input-error.js';

/** A dataset whose sample i has features [i, -i], so every sample can be traced through a split. */
function traced(labels: number[], numClasses: number): Dataset {
  return createDataset({
    features: Float32Array.from(labels.flatMap((_, i) => [i, -i])),
    sampleShape: [2],
    labels: Int32Array.from(labels),
    classNames: Array.from({ length: numClasses }, (_, c) => `class${c}`),
    source: 'traced',
  });
}

/** Class sizes 10, 7, 1, 33, 4 with the labels interleaved. */
function unbalanced(): Dataset {
  const sizes = [10, 7, 1, 33, 4];
  const labels: number[] = [];
  const left = [...sizes];
  while (left.some((n) => n > 0)) {
    for (let c = 0; c < left.length; c++) {
      if (left[c] > 0) {
        labels.push(c);
        left[c]--;
      }
    }
  }
  return traced(labels, sizes.length);
}

const ids = (ds: Dataset): number[] => Array.from({ length: ds.labels.length }, (_, k) => ds.features[2 * k]);

function countsOf(labels: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) m.set(labels[i], (m.get(labels[i]) ?? 0) + 1);
  return m;
}

describe('subset', () => {
  it('copies the samples at the indices, in order, keeping class names', () => {
    const ds = traced([0, 1, 2, 1], 3);
    const s = subset(ds, [3, 0, 3]);
    assert.deepEqual([...s.features], [3, -3, 0, -0, 3, -3]);
    assert.deepEqual([...s.labels], [1, 0, 1]);
    assert.deepEqual(s.classNames, ds.classNames);
    s.features[0] = 99;
    assert.equal(ds.features[6], 3, 'a copy, not a view');
  });

  it('rejects an index out of range', async () => {
    await rejectsArgument(() => subset(traced([0, 1], 2), [0, 2]), /integers in \[0, 2\).*indices\[1\]=2/);
  });
});

describe('createDataset', () => {
  it('rejects inconsistent fields, naming the source', () => {
    const base = { sampleShape: [2], classNames: ['a', 'b'], source: 'src.bin' };
    throwsInput(() => createDataset({ ...base, features: new Float32Array(3), labels: new Int32Array(2) }), 'src.bin', /expected 2 samples x 2 values = 4 feature values.*found 3/);
    throwsInput(() => createDataset({ ...base, features: new Float32Array(4), labels: Int32Array.from([0, 2]) }), 'src.bin', /sample 1 has label 2, outside the 2 classes/);
    throwsInput(() => createDataset({ ...base, features: new Float32Array(0), labels: new Int32Array(0) }), 'src.bin', /contains no samples/);
  });
});

describe('stratifiedSplit', () => {
  for (const fraction of [0.2, 0.3, 0.5]) {
    it(`holds out round(${fraction} * n_c) of every class, a partition in original order`, () => {
      const ds = unbalanced();
      const { train, test } = stratifiedSplit(ds, { fraction, seed: 3 });
      const whole = countsOf(ds.labels);
      const inTest = countsOf(test.labels);
      const inTrain = countsOf(train.labels);
      for (const [c, n] of whole) {
        assert.equal(inTest.get(c) ?? 0, Math.round(fraction * n), `class ${c} test count`);
        assert.equal((inTrain.get(c) ?? 0) + (inTest.get(c) ?? 0), n, `class ${c} total`);
      }
      const a = ids(train);
      const b = ids(test);
      assert.deepEqual([...a, ...b].sort((x, y) => x - y), ids(ds), 'every sample exactly once');
      assert.deepEqual(a, [...a].sort((x, y) => x - y), 'train keeps the order');
      assert.deepEqual(b, [...b].sort((x, y) => x - y), 'test keeps the order');
      for (const [k, i] of b.entries()) assert.equal(test.labels[k], ds.labels[i], 'labels follow their samples');
    });
  }

  it('is reproducible for a seed and differs across seeds', () => {
    const ds = unbalanced();
    const one = ids(stratifiedSplit(ds, { seed: 11 }).test);
    assert.deepEqual(ids(stratifiedSplit(ds, { seed: 11 }).test), one);
    assert.notDeepEqual(ids(stratifiedSplit(ds, { seed: 12 }).test), one);
  });

  it('rejects a fraction outside (0, 1) and a split that leaves a side empty', async () => {
    await rejectsArgument(() => stratifiedSplit(unbalanced(), { fraction: 1 }), /`fraction` must be a number in \(0, 1\). Received: fraction=1/);
    await rejectsArgument(() => stratifiedSplit(traced([0, 1], 2), { fraction: 0.2 }), /leaves the test part empty/);
  });
});

describe('classDisjointSplit', () => {
  const check = (ds: Dataset, held: number[]): void => {
    const { train, test } = classDisjointSplit(ds, { holdoutClasses: held });
    const trainClasses = new Set(train.labels);
    const testClasses = new Set(test.labels);
    for (const c of testClasses) assert.ok(!trainClasses.has(c), `class ${c} on both sides`);
    assert.deepEqual([...testClasses].sort(), [...held].sort());
    assert.equal(train.labels.length + test.labels.length, ds.labels.length);
  };

  it('holds out the named classes or ids; no class on both sides', () => {
    const ds = unbalanced();
    check(ds, [1, 3]);
    const byName = classDisjointSplit(ds, { holdoutClasses: ['class1', 'class3'] });
    assert.deepEqual(ids(byName.test), ids(classDisjointSplit(ds, { holdoutClasses: [3, 1] }).test));
    assert.deepEqual(byName.test.classNames, ds.classNames, 'label ids keep their names');
  });

  it('a count or fraction takes the last classes by id; random picks with the seed', () => {
    const ds = unbalanced();
    assert.deepEqual(holdoutClassIds(ds, { holdoutClasses: 2 }), [3, 4]);
    assert.deepEqual(holdoutClassIds(ds, { holdoutClasses: 0.4 }), [3, 4]);
    assert.deepEqual(holdoutClassIds(ds, { holdoutClasses: 0.01 }), [4], 'at least one class');
    const r = holdoutClassIds(ds, { holdoutClasses: 2, pick: 'random', seed: 5 });
    assert.equal(r.length, 2);
    assert.deepEqual(holdoutClassIds(ds, { holdoutClasses: 2, pick: 'random', seed: 5 }), r);
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) seen.add(holdoutClassIds(ds, { holdoutClasses: 2, pick: 'random', seed }).join());
    assert.ok(seen.size > 3, `random picks vary with the seed: ${[...seen].join(' | ')}`);
    check(ds, r);
  });

  it('rejects unknown classes and holding out every class', async () => {
    const ds = unbalanced();
    await rejectsArgument(() => classDisjointSplit(ds, { holdoutClasses: ['cat'] }), /class that does not exist: "cat". Classes: "class0"/);
    await rejectsArgument(() => classDisjointSplit(ds, { holdoutClasses: [9] }), /class id 9, which has no sample/);
    await rejectsArgument(() => classDisjointSplit(ds, { holdoutClasses: 5 }), /holds out all 5 classes/);
    await rejectsArgument(() => classDisjointSplit(ds, { holdoutClasses: [] }), /non-empty list/);
    await rejectsArgument(() => classDisjointSplit(ds, { holdoutClasses: -1 }), /count \(integer >= 1\) or a fraction/);
  });
});
