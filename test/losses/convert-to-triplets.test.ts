import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allTripletIndices, convertToTriplets, pairsToTriplets, randomTripletIndices } from '../../src/losses/index.js';
import { Random } from '../../src/random.js';
import type { TripletIndices } from '../../src/miners/index.js';
import { referenceAllTriplets, referencePairsToTriplets, type Triplet } from '../reference/losses.js';

function list(t: TripletIndices): Triplet[] {
  return Array.from(t.anchors, (a, i) => [a, t.positives[i], t.negatives[i]]);
}

/** Deterministic label vectors of every shape that matters: balanced, ragged, singletons, one class, negatives. */
function labelSets(): Int32Array[] {
  const rng = new Random(3);
  const sets = [[0, 0, 1, 1, 2, 2], [5, 5, 5, 5], [0, 1, 2, 3], [3, -1, 3, 7, -1, 3, 2], [1], []].map((l) =>
    Int32Array.from(l),
  );
  for (let s = 0; s < 20; s++) {
    const n = 2 + rng.int(30);
    const classes = 1 + rng.int(6);
    sets.push(Int32Array.from({ length: n }, () => rng.int(classes)));
  }
  return sets;
}

describe('convertToTriplets', () => {
  it('forms every triplet in lexicographic order, as the explicit triple loop', () => {
    for (const labels of labelSets())
      assert.deepEqual(list(allTripletIndices(labels)), referenceAllTriplets(labels), `labels ${labels}`);
  });

  it('joins each positive pair with each negative pair of its anchor, as the explicit double loop', () => {
    const rng = new Random(5);
    for (let s = 0; s < 30; s++) {
      const n = 2 + rng.int(12);
      const draw = (len: number) => Int32Array.from({ length: len }, () => rng.int(n));
      const a1 = draw(rng.int(15));
      const a2 = draw(rng.int(15));
      const pairs = { a1, p: draw(a1.length), a2, n: draw(a2.length) };
      const expected = referencePairsToTriplets(
        Array.from(a1),
        Array.from(pairs.p),
        Array.from(a2),
        Array.from(pairs.n),
      );
      assert.deepEqual(list(pairsToTriplets(pairs, n)), expected);
      assert.deepEqual(
        list(convertToTriplets(new Int32Array(n), pairs, 'all', new Random(0))),
        expected,
        'through convertToTriplets',
      );
    }
  });

  it('passes triplets through unchanged, and forms all triplets from the all-pairs tuple', () => {
    const labels = Int32Array.of(0, 1, 0, 1, 1, 2);
    const triplets = { anchors: Int32Array.of(4, 0), positives: Int32Array.of(1, 2), negatives: Int32Array.of(5, 5) };
    assert.equal(convertToTriplets(labels, triplets, 'all', new Random(0)), triplets);
    const a1: number[] = [],
      p: number[] = [],
      a2: number[] = [],
      n: number[] = [];
    labels.forEach((la, i) =>
      labels.forEach((lb, j) => {
        if (la === lb && i !== j) {
          a1.push(i);
          p.push(j);
        }
        if (la !== lb) {
          a2.push(i);
          n.push(j);
        }
      }),
    );
    const allPairs = { a1: Int32Array.from(a1), p: Int32Array.from(p), a2: Int32Array.from(a2), n: Int32Array.from(n) };
    assert.deepEqual(list(convertToTriplets(labels, allPairs, 'all', new Random(0))), referenceAllTriplets(labels));
  });

  it('samples k valid triplets per anchor, in label then anchor order, reproducibly', () => {
    for (const labels of labelSets()) {
      const t = randomTripletIndices(labels, 4, new Random(9));
      const counts = new Map<number, number>();
      labels.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1));
      const expectedAnchors = Array.from(labels.keys())
        .filter((i) => (counts.get(labels[i]) ?? 0) >= 2 && (counts.get(labels[i]) ?? 0) < labels.length)
        .sort((i, j) => labels[i] - labels[j] || i - j)
        .flatMap((i) => [i, i, i, i]);
      assert.deepEqual(Array.from(t.anchors), expectedAnchors, `anchors for labels ${labels}`);
      for (const [a, p, n] of list(t)) {
        assert.ok(
          p !== a && labels[p] === labels[a] && labels[n] !== labels[a],
          `triplet ${[a, p, n]} for labels ${labels}`,
        );
      }
      assert.deepEqual(list(randomTripletIndices(labels, 4, new Random(9))), list(t), 'same seed, same triplets');
      assert.deepEqual(
        list(convertToTriplets(labels, undefined, 4, new Random(9))),
        list(t),
        'through convertToTriplets',
      );
    }
  });

  it('draws positives and negatives uniformly', () => {
    // Anchor 0 has positives {1, 2, 3} and negatives {4, 5}: 30000 draws each, chi-square against uniform.
    const labels = Int32Array.of(0, 0, 0, 0, 1, 1);
    const t = randomTripletIndices(labels, 30000, new Random(1));
    const pos = [0, 0, 0, 0];
    const neg = [0, 0];
    for (let i = 0; i < 30000; i++) {
      assert.equal(t.anchors[i], 0);
      pos[t.positives[i]]++;
      neg[t.negatives[i] - 4]++;
    }
    assert.equal(pos[0], 0, 'never the anchor itself');
    const chi2 = (observed: number[]) =>
      observed.reduce((s, o) => s + (o - 30000 / observed.length) ** 2 / (30000 / observed.length), 0);
    // 99.9% quantiles: 13.8 for 2 degrees of freedom, 10.8 for 1.
    assert.ok(chi2(pos.slice(1)) < 13.8, `positives ${pos}`);
    assert.ok(chi2(neg) < 10.8, `negatives ${neg}`);
  });
});
