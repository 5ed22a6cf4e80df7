import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/base-distance.js';
import { CosineSimilarity } from '../distances/cosine-similarity.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import type { PairIndices } from './indices.js';
import { IntList } from './int-list.js';

export interface MultiSimilarityMinerOptions {
  /** The slack epsilon of the two rules. Default 0.1. */
  epsilon?: number;
  /** Default `new CosineSimilarity()`. */
  distance?: BaseDistance;
}

/**
 * The pair mining of Multi-Similarity loss (Wang et al. 2019), as PML's MultiSimilarityMiner.
 * With a similarity s (the default, cosine), for each anchor a:
 *
 * - a positive p is kept when `s(a,p) - epsilon < max_n s(a,n)`,
 * - a negative n is kept when `s(a,n) + epsilon > min_p s(a,p)`;
 *
 * with a distance d the rules mirror: `d(a,p) + epsilon > min_n d(a,n)` and
 * `d(a,n) - epsilon < max_p d(a,p)`. The diagonal is never a positive. When the batch has no
 * positive pair or no negative pair, nothing is returned. Arithmetic is float32 as in PML, and
 * NaN follows torch.sort (NaN after every number): a NaN among an anchor's negatives makes the
 * max NaN and its positives fail, while a NaN positive is skipped by the min.
 * Pairs come out by anchor, each anchor's in increasing order of the matrix value.
 *
 * Options (PML's names and defaults): `epsilon = 0.1`, `distance = new CosineSimilarity()`.
 *
 * @example
 * const miner = new dm.MultiSimilarityMiner({ epsilon: 0.1 });
 * const { a1, p, a2, n } = miner.mine(embeddings, labels);
 */
export class MultiSimilarityMiner extends BaseMiner<PairIndices> {
  readonly epsilon: number;

  constructor(options: MultiSimilarityMinerOptions = {}) {
    super(options.distance, () => new CosineSimilarity());
    this.epsilon = options.epsilon ?? 0.1;
    if (typeof this.epsilon !== 'number' || !Number.isFinite(this.epsilon)) {
      throw invalidArgument(`Option \`epsilon\` must be a finite number. Received: epsilon=${String(options.epsilon)}`);
    }
  }

  protected mineBatch({ matrix, size, labels, isInverted }: MiningBatch): PairIndices {
    const a1 = new IntList();
    const p = new IntList();
    const a2 = new IntList();
    const n = new IntList();
    if (!hasPositiveAndNegativePair(labels)) return done(a1, p, a2, n);
    const eps = Math.fround(this.epsilon);
    const posCols = new IntList(size);
    const negCols = new IntList(size);
    for (let i = 0; i < size; i++) {
      const row = matrix.subarray(i * size, (i + 1) * size);
      const pos = candidates(labels, i, true);
      const neg = candidates(labels, i, false);
      // PML sorts each row with the other side set to -+inf and reads off its first or last entry.
      if (isInverted) {
        const maxNeg = lastSorted(row, neg, -Infinity);
        const minPos = firstSorted(row, pos, Infinity);
        for (const j of pos) if (Math.fround(row[j] - eps) < maxNeg) posCols.push(j);
        for (const j of neg) if (Math.fround(row[j] + eps) > minPos) negCols.push(j);
      } else {
        const minNeg = firstSorted(row, neg, Infinity);
        const maxPos = lastSorted(row, pos, -Infinity);
        for (const j of pos) if (Math.fround(row[j] + eps) > minNeg) posCols.push(j);
        for (const j of neg) if (Math.fround(row[j] - eps) < maxPos) negCols.push(j);
      }
      appendSorted(row, i, posCols, a1, p);
      appendSorted(row, i, negCols, a2, n);
    }
    return done(a1, p, a2, n);
  }
}

function hasPositiveAndNegativePair(labels: Int32Array): boolean {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return counts.size > 1 && [...counts.values()].some((c) => c > 1);
}

function candidates(labels: Int32Array, i: number, positives: boolean): number[] {
  const out: number[] = [];
  for (let j = 0; j < labels.length; j++) {
    if (positives ? j !== i && labels[j] === labels[i] : labels[j] !== labels[i]) out.push(j);
  }
  return out;
}

/** The first entry of the row sorted ascending with NaN last: the smallest number (NaN compares false). */
function firstSorted(row: Float32Array, cols: number[], ignored: number): number {
  // The diagonal always holds the ignored value, so the row is never all NaN.
  let first = ignored;
  for (const j of cols) if (row[j] < first) first = row[j];
  return first;
}

/** The last entry of the row sorted ascending with NaN last: NaN if there is one, else the largest. */
function lastSorted(row: Float32Array, cols: number[], ignored: number): number {
  let last = ignored;
  for (const j of cols) {
    if (Number.isNaN(row[j])) return NaN;
    if (row[j] > last) last = row[j];
  }
  return last;
}

function appendSorted(row: Float32Array, anchor: number, cols: IntList, anchors: IntList, others: IntList): void {
  const kept = cols.toArray().sort((x, y) => row[x] - row[y] || x - y);
  for (const j of kept) {
    anchors.push(anchor);
    others.push(j);
  }
  cols.clear();
}

function done(a1: IntList, p: IntList, a2: IntList, n: IntList): PairIndices {
  return { a1: a1.toArray(), p: p.toArray(), a2: a2.toArray(), n: n.toArray() };
}
