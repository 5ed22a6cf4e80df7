import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/base-distance.js';
import { LpDistance } from '../distances/lp-distance.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import type { TripletIndices } from './indices.js';
import { IntList } from './int-list.js';

export type TripletType = 'all' | 'hard' | 'semihard' | 'easy';

const TRIPLET_TYPES: readonly TripletType[] = ['all', 'hard', 'semihard', 'easy'];

export interface TripletMarginMinerOptions {
  /** The margin m the triplets are measured against. Default 0.2. */
  margin?: number;
  /** Which triplets to keep (see the class). Default 'all'. */
  typeOfTriplets?: TripletType;
  /** Default `new LpDistance()` (Euclidean on L2-normalized rows). */
  distance?: BaseDistance;
}

/**
 * Keeps the triplets (a, p, n) of a batch by how far they satisfy the margin, as PML's
 * TripletMarginMiner does. With `m(a,p,n) = d(a,n) - d(a,p)` (for a similarity,
 * `s(a,p) - s(a,n)`), every triplet with a != p of one label and n of another is tested:
 *
 * - `all`: `m <= margin` — the triplets that violate the margin, **not** every triplet;
 * - `hard`: `m <= margin` and `m <= 0` — the negative is at least as close as the positive;
 * - `semihard`: `0 < m <= margin`;
 * - `easy`: `m > margin`.
 *
 * The arithmetic is float32, as in PML; a NaN distance fails every test. Triplets come out in
 * lexicographic order of (anchor, positive, negative).
 *
 * Options (PML's names and defaults): `margin = 0.2`, `typeOfTriplets = 'all'`,
 * `distance = new LpDistance()`.
 *
 * @example
 * const miner = new dm.TripletMarginMiner({ margin: 0.2, typeOfTriplets: 'semihard' });
 * const { anchors, positives, negatives } = miner.mine(embeddings, labels);
 * miner.lastStats; // { numTriplets, meanAP, meanAN, ... }
 */
export class TripletMarginMiner extends BaseMiner<TripletIndices> {
  readonly margin: number;
  readonly typeOfTriplets: TripletType;

  constructor(options: TripletMarginMinerOptions = {}) {
    super(options.distance, () => new LpDistance());
    this.margin = options.margin ?? 0.2;
    this.typeOfTriplets = options.typeOfTriplets ?? 'all';
    if (typeof this.margin !== 'number' || !Number.isFinite(this.margin)) {
      throw invalidArgument(`Option \`margin\` must be a finite number. Received: margin=${String(options.margin)}`);
    }
    if (!TRIPLET_TYPES.includes(this.typeOfTriplets)) {
      throw invalidArgument(
        `Option \`typeOfTriplets\` must be one of ${TRIPLET_TYPES.map((t) => `'${t}'`).join(', ')}. Received: typeOfTriplets=${String(options.typeOfTriplets)}`,
      );
    }
  }

  protected mineBatch({ matrix, size, labels, isInverted }: MiningBatch): TripletIndices {
    // PML compares a float32 tensor with a Python float, which torch does in float32.
    const margin = Math.fround(this.margin);
    const keep = keepTest(this.typeOfTriplets, margin);
    const anchors = new IntList();
    const positives = new IntList();
    const negatives = new IntList();
    const negs = new Int32Array(size);
    for (let a = 0; a < size; a++) {
      const row = a * size;
      let numNegs = 0;
      for (let j = 0; j < size; j++) if (labels[j] !== labels[a]) negs[numNegs++] = j;
      if (numNegs === 0) continue;
      for (let p = 0; p < size; p++) {
        if (p === a || labels[p] !== labels[a]) continue;
        const ap = matrix[row + p];
        for (let k = 0; k < numNegs; k++) {
          const n = negs[k];
          const an = matrix[row + n];
          if (keep(Math.fround(isInverted ? ap - an : an - ap))) {
            anchors.push(a);
            positives.push(p);
            negatives.push(n);
          }
        }
      }
    }
    return { anchors: anchors.toArray(), positives: positives.toArray(), negatives: negatives.toArray() };
  }
}

/**
 * Whether a triplet of type `type` keeps triplet margin m = d(a, n) - d(a, p) (s(a, p) - s(a, n) for
 * a similarity), `margin` already rounded to float32 as PML compares it.
 */
export function keepTest(type: TripletType, margin: number): (m: number) => boolean {
  switch (type) {
    case 'all':
      return (m) => m <= margin;
    case 'hard':
      return (m) => m <= margin && m <= 0;
    case 'semihard':
      return (m) => m <= margin && m > 0;
    case 'easy':
      return (m) => m > margin;
    default: {
      const never: never = type;
      throw invalidArgument(`Unknown typeOfTriplets ${String(never)}`);
    }
  }
}
