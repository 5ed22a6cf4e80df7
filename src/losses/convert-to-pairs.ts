import { isPairIndices, type PairIndices, type TripletIndices } from '../miners/index.js';

/**
 * The pairs a pair loss evaluates, as PML's `convert_to_pairs`: without `indices` every positive
 * pair (same label, not the same row) and every negative pair of the batch
 * ({@link allPairIndices}); pairs as they are; triplets `(a, p, n)` as the pairs `(a, p)` and
 * `(a, n)`, one per triplet (so a pair in several triplets is repeated).
 *
 * @example
 * convertToPairs(Int32Array.of(0, 0, 1), undefined);
 * // { a1: [0, 1], p: [1, 0], a2: [0, 1, 2, 2], n: [2, 2, 0, 1] }
 */
export function convertToPairs(
  labels: Int32Array,
  indices: TripletIndices | PairIndices | undefined,
  refLabels?: Int32Array,
): PairIndices {
  if (indices === undefined) return allPairIndices(labels, refLabels);
  if (isPairIndices(indices)) return indices;
  return { a1: indices.anchors, p: indices.positives, a2: indices.anchors, n: indices.negatives };
}

/**
 * Every positive and negative pair between the batch and the reference (the batch itself when
 * `refLabels` is undefined), in row-major order, as PML's `get_all_pairs_indices`. Only against
 * itself is a row not its own positive: against a reference, the row's copy there is one (PML
 * tests `ref_labels is labels`).
 *
 * @example
 * allPairIndices(Int32Array.of(0, 1), Int32Array.of(0, 0, 1)); // a1 [0, 0, 1], p [0, 1, 2], a2 [0, 1, 1], n [2, 0, 1]
 */
export function allPairIndices(labels: Int32Array, refLabels?: Int32Array): PairIndices {
  const ref = refLabels ?? labels;
  const self = refLabels === undefined;
  let numPos = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < ref.length; j++) if (labels[i] === ref[j] && !(self && i === j)) numPos++;
  }
  const numNeg = labels.length * ref.length - numPos - (self ? labels.length : 0);
  const a1 = new Int32Array(numPos);
  const p = new Int32Array(numPos);
  const a2 = new Int32Array(numNeg);
  const n = new Int32Array(numNeg);
  let s = 0;
  let d = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < ref.length; j++) {
      if (labels[i] !== ref[j]) {
        a2[d] = i;
        n[d++] = j;
      } else if (!(self && i === j)) {
        a1[s] = i;
        p[s++] = j;
      }
    }
  }
  return { a1, p, a2, n };
}
