import type { Random } from '../random.js';
import { isPairIndices, type PairIndices, type TripletIndices } from '../miners/index.js';

/**
 * The triplets a triplet loss evaluates, in PML's order (`convert_to_triplets`):
 * - no `indices`: with `perAnchor = 'all'` every (a, p, n) with `labels[p] == labels[a]`, `p != a`
 *   and `labels[n] != labels[a]`, in lexicographic order; with a number, that many random
 *   triplets per anchor ({@link randomTripletIndices});
 * - triplets: themselves;
 * - pairs `(a1, p, a2, n)`: every positive pair joined with every negative pair of the same
 *   anchor, positive pairs in their order and, within one, negative pairs in theirs.
 *
 * Pure index work on JS arrays: it needs nothing from the backend, so it runs before the
 * differentiable part of a loss.
 *
 * @example
 * convertToTriplets(Int32Array.of(0, 0, 1), undefined, 'all', new Random(0));
 * // { anchors: [0, 1], positives: [1, 0], negatives: [2, 2] }
 */
export function convertToTriplets(
  labels: Int32Array,
  indices: TripletIndices | PairIndices | undefined,
  perAnchor: 'all' | number,
  rng: Random,
): TripletIndices {
  if (indices === undefined) {
    return perAnchor === 'all' ? allTripletIndices(labels) : randomTripletIndices(labels, perAnchor, rng);
  }
  return isPairIndices(indices) ? pairsToTriplets(indices, labels.length) : indices;
}

/**
 * Every triplet of a batch, in lexicographic (anchor, positive, negative) order, as PML's
 * `get_all_triplets_indices`. A batch of P classes x K samples has `n (K - 1)(n - K)` of them.
 *
 * @example
 * allTripletIndices(Int32Array.of(0, 0, 1)); // anchors [0, 1], positives [1, 0], negatives [2, 2]
 */
export function allTripletIndices(labels: Int32Array): TripletIndices {
  const n = labels.length;
  const classSize = new Map<number, number>();
  for (const l of labels) classSize.set(l, (classSize.get(l) ?? 0) + 1);
  let total = 0;
  for (const l of labels) {
    const size = classSize.get(l) ?? 0;
    total += (size - 1) * (n - size);
  }
  const anchors = new Int32Array(total);
  const positives = new Int32Array(total);
  const negatives = new Int32Array(total);
  const pos = new Int32Array(n);
  const neg = new Int32Array(n);
  let t = 0;
  for (let a = 0; a < n; a++) {
    let np = 0;
    let nn = 0;
    for (let j = 0; j < n; j++) {
      if (labels[j] !== labels[a]) neg[nn++] = j;
      else if (j !== a) pos[np++] = j;
    }
    if (nn === 0) continue;
    for (let i = 0; i < np; i++) {
      anchors.fill(a, t, t + nn);
      positives.fill(pos[i], t, t + nn);
      negatives.set(neg.subarray(0, nn), t);
      t += nn;
    }
  }
  return { anchors, positives, negatives };
}

/**
 * `perAnchor` random triplets for each anchor, as PML's `get_random_triplet_indices`: labels in
 * ascending order, the anchors of a label in ascending order, and for each a positive drawn
 * uniformly from the other samples of its label and a negative drawn uniformly from the samples
 * of other labels, both with replacement. Labels with one sample, or without negatives, give none.
 * The draws come from `rng` (seeded), so the selection is reproducible but not torch's.
 *
 * @example
 * randomTripletIndices(labels, 5, new Random(0)); // 5 triplets per anchor that has a positive
 */
export function randomTripletIndices(labels: Int32Array, perAnchor: number, rng: Random): TripletIndices {
  const members = new Map<number, number[]>();
  labels.forEach((l, i) => {
    const list = members.get(l);
    if (list === undefined) members.set(l, [i]);
    else list.push(i);
  });
  const n = labels.length;
  const sorted = [...members.keys()].sort((x, y) => x - y);
  let total = 0;
  for (const l of sorted) {
    const m = members.get(l)?.length ?? 0;
    if (m >= 2 && m < n) total += m * perAnchor;
  }
  const anchors = new Int32Array(total);
  const positives = new Int32Array(total);
  const negatives = new Int32Array(total);
  let t = 0;
  for (const l of sorted) {
    const same = members.get(l) ?? [];
    if (same.length < 2 || same.length === n) continue;
    const others: number[] = [];
    for (let j = 0; j < n; j++) if (labels[j] !== l) others.push(j);
    same.forEach((a, ai) => {
      for (let s = 0; s < perAnchor; s++) {
        // Draw among the label's other samples: skip over the anchor's own position.
        const r = rng.int(same.length - 1);
        anchors[t] = a;
        positives[t] = same[r < ai ? r : r + 1];
        negatives[t] = others[rng.int(others.length)];
        t++;
      }
    });
  }
  return { anchors, positives, negatives };
}

/**
 * Triplets from pairs, as PML's `convert_to_triplets` on a 4-tuple: every positive pair
 * `(a1[i], p[i])` joined with every negative pair `(a2[j], n[j])` that has `a2[j] == a1[i]`, in
 * the order `torch.where(a1[:, None] == a2)` gives (i, then j). `numRows` bounds the anchors.
 *
 * @example
 * const pairs = { a1: Int32Array.of(0, 0), p: Int32Array.of(1, 2), a2: Int32Array.of(0, 3), n: Int32Array.of(5, 4) };
 * pairsToTriplets(pairs, 6);
 * // anchors [0, 0], positives [1, 2], negatives [5, 5]
 */
export function pairsToTriplets(pairs: PairIndices, numRows: number): TripletIndices {
  const { a1, p, a2, n } = pairs;
  // Negative pairs grouped by anchor (CSR layout), each group in ascending pair order.
  const start = new Int32Array(numRows + 1);
  for (const a of a2) start[a + 1]++;
  for (let r = 0; r < numRows; r++) start[r + 1] += start[r];
  const grouped = new Int32Array(a2.length);
  const fill = start.slice(0, numRows);
  for (let j = 0; j < a2.length; j++) grouped[fill[a2[j]]++] = n[j];
  let total = 0;
  for (const a of a1) total += start[a + 1] - start[a];
  const anchors = new Int32Array(total);
  const positives = new Int32Array(total);
  const negatives = new Int32Array(total);
  let t = 0;
  for (let i = 0; i < a1.length; i++) {
    const a = a1[i];
    const count = start[a + 1] - start[a];
    anchors.fill(a, t, t + count);
    positives.fill(p[i], t, t + count);
    negatives.set(grouped.subarray(start[a], start[a + 1]), t);
    t += count;
  }
  return { anchors, positives, negatives };
}
