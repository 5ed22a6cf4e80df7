import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { isPairIndices, isTripletIndices, type PairIndices, type TripletIndices } from '../../src/miners/index.js';
import { close, loadOracle, type Spec } from '../helpers/oracle.js';
import { distanceFromSpec, minerFromSpec } from '../helpers/pml.js';
import { describeBackends, matrix } from '../helpers/tensors.js';

const cases = loadOracle('miners', 'miner');

type Tuple = number[];

/** Tuples as rows, in the order the arrays hold them. */
function rows(...columns: Int32Array[]): Tuple[] {
  return Array.from(columns[0], (_, k) => columns.map((c) => c[k]));
}

function lexSorted(tuples: Tuple[]): Tuple[] {
  return [...tuples].sort((x, y) => {
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return x[k] - y[k];
    return 0;
  });
}

/** For tie cases: per anchor, the sorted distances of its picks, which do not depend on tie-breaking. */
function distancesByAnchor(tuples: Tuple[], dist: (a: number, b: number) => number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [a, b] of tuples) out.set(a, [...(out.get(a) ?? []), dist(a, b)]);
  for (const list of out.values()) list.sort((x, y) => x - y);
  return out;
}

function assertSameDistances(
  got: Map<number, number[]>,
  want: Map<number, number[]>,
  atol: number,
  what: string,
): void {
  assert.deepEqual(
    [...got.keys()].sort((x, y) => x - y),
    [...want.keys()].sort((x, y) => x - y),
    `${what}: anchors`,
  );
  for (const [a, list] of want) {
    const mine = got.get(a) as number[];
    assert.equal(mine.length, list.length, `${what}: anchor ${a} count`);
    list.forEach((v, k) =>
      assert.ok(close(mine[k], v, 1e-5, atol), `${what}: anchor ${a}: distance ${mine[k]} != expected ${v}`),
    );
  }
}

/** The expected distances of each expected pair, keyed by anchor. */
function expectedByAnchor(pairs: Tuple[], dists: number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  pairs.forEach(([a], k) => out.set(a, [...(out.get(a) ?? []), dists[k]]));
  for (const list of out.values()) list.sort((x, y) => x - y);
  return out;
}

describeBackends(['cpu', 'wasm'], 'miners against PML 2.8.1', () => {
  let passed = 0;

  for (const c of cases) {
    it(c.name, () => {
      const embeddings = c.inputs.embeddings as number[][];
      const labels = c.inputs.labels as number[];
      const spec = (c.params as { miner: Spec }).miner;
      const miner = minerFromSpec(spec);
      const x = matrix(embeddings);
      const output = miner.mine(x, labels);
      // Distances of our own matrix, to compare picks among exact ties (README: compare distances).
      const mat = distanceFromSpec(spec.distance as Spec).pairwise(x);
      const values = mat.dataSync();
      const n = labels.length;
      const dist = (a: number, b: number): number => values[a * n + b];
      tf.dispose([x, mat]);
      // Above 25 rows torch.cdist used the Gram form, whose float32 rounding is its own.
      const atol = n > 25 ? 5e-3 : 2e-6;
      const e = c.expected;
      const ties = e.has_exact_distance_ties === true;
      assert.equal(e.float64_agrees, true, 'the oracle case records a float64 disagreement this test does not handle');
      if (e.type === 'triplets') {
        assert.ok(isTripletIndices(output), 'a triplet miner returns TripletIndices');
        const t = output as TripletIndices;
        const got = rows(t.anchors, t.positives, t.negatives);
        const want = e.triplets as Tuple[];
        assert.equal(got.length, e.num_triplets, 'num_triplets');
        assert.equal(miner.lastStats?.numTriplets, e.num_triplets, 'lastStats.numTriplets');
        if (!ties) {
          assert.deepEqual(got, want, 'triplets, in PML (lexicographic) order');
        } else {
          assert.deepEqual(got, lexSorted(got), 'triplets in lexicographic order');
          assertSameDistances(
            distancesByAnchor(
              got.map(([a, p]) => [a, p]),
              dist,
            ),
            expectedByAnchor(
              want.map(([a, p]) => [a, p]),
              e.ap_dists as number[],
            ),
            atol,
            'ap',
          );
          assertSameDistances(
            distancesByAnchor(
              got.map(([a, , neg]) => [a, neg]),
              dist,
            ),
            expectedByAnchor(
              want.map(([a, , neg]) => [a, neg]),
              e.an_dists as number[],
            ),
            atol,
            'an',
          );
        }
      } else {
        assert.equal(e.type, 'pairs');
        assert.ok(isPairIndices(output), 'a pair miner returns PairIndices');
        const pr = output as PairIndices;
        const pos = rows(pr.a1, pr.p);
        const neg = rows(pr.a2, pr.n);
        assert.equal(pos.length, e.num_pos_pairs, 'num_pos_pairs');
        assert.equal(neg.length, e.num_neg_pairs, 'num_neg_pairs');
        assert.equal(miner.lastStats?.numPosPairs, e.num_pos_pairs, 'lastStats.numPosPairs');
        assert.equal(miner.lastStats?.numNegPairs, e.num_neg_pairs, 'lastStats.numNegPairs');
        if (!ties) {
          assert.deepEqual(lexSorted(pos), e.pos_pairs, 'positive pairs (as a sorted set)');
          assert.deepEqual(lexSorted(neg), e.neg_pairs, 'negative pairs (as a sorted set)');
        } else {
          assertSameDistances(
            distancesByAnchor(pos, dist),
            expectedByAnchor(e.pos_pairs as Tuple[], e.pos_pair_dists as number[]),
            atol,
            'positive pairs',
          );
          assertSameDistances(
            distancesByAnchor(neg, dist),
            expectedByAnchor(e.neg_pairs as Tuple[], e.neg_pair_dists as number[]),
            atol,
            'negative pairs',
          );
        }
      }
      passed++;
    });
  }

  it(`passed all ${cases.length} oracle miner cases`, () => {
    assert.ok(cases.length >= 280, `only ${cases.length} cases in the oracle file`);
    assert.equal(passed, cases.length, `${passed} of ${cases.length} cases passed`);
  });
});
