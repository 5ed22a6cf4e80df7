/**
 * Index tuples that miners return and losses accept (PML's `indices_tuple`).
 *
 * `TripletIndices` lists triplets (anchor, positive, negative) as three parallel arrays of row
 * indices; `PairIndices` lists positive pairs (a1[i], p[i]) and negative pairs (a2[j], n[j]),
 * whose lengths may differ. A triplet loss turns pairs into triplets by joining every positive
 * pair with every negative pair that shares its anchor.
 *
 * @example
 * const triplets: TripletIndices = {
 *   anchors: Int32Array.of(0), positives: Int32Array.of(1), negatives: Int32Array.of(2),
 * };
 * isTripletIndices(triplets); // true
 */
export type TripletIndices = {
  anchors: Int32Array;
  positives: Int32Array;
  negatives: Int32Array;
};

/**
 * Positive pairs `(a1[i], p[i])` and negative pairs `(a2[j], n[j])` (PML's 4-tuple).
 *
 * @example
 * const pairs: PairIndices = {
 *   a1: Int32Array.of(0), p: Int32Array.of(1), a2: Int32Array.of(0), n: Int32Array.of(2),
 * };
 * isPairIndices(pairs); // true
 */
export type PairIndices = {
  a1: Int32Array;
  p: Int32Array;
  a2: Int32Array;
  n: Int32Array;
};

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/**
 * True when `x` has the three Int32Array fields of a {@link TripletIndices}.
 *
 * @example
 * isTripletIndices({ anchors: new Int32Array(0), positives: new Int32Array(0), negatives: new Int32Array(0) }); // true
 */
export function isTripletIndices(x: unknown): x is TripletIndices {
  return (
    isRecord(x) &&
    x['anchors'] instanceof Int32Array &&
    x['positives'] instanceof Int32Array &&
    x['negatives'] instanceof Int32Array
  );
}

/**
 * True when `x` has the four Int32Array fields of a {@link PairIndices}.
 *
 * @example
 * isPairIndices({ a1: new Int32Array(0), p: new Int32Array(0), a2: new Int32Array(0), n: new Int32Array(0) }); // true
 */
export function isPairIndices(x: unknown): x is PairIndices {
  return (
    isRecord(x) &&
    x['a1'] instanceof Int32Array &&
    x['p'] instanceof Int32Array &&
    x['a2'] instanceof Int32Array &&
    x['n'] instanceof Int32Array
  );
}
