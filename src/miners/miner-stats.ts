import { isTripletIndices, type PairIndices, type TripletIndices } from './indices.js';

/**
 * What a miner found in its last batch, for monitoring a run: a mined count falling to 0 means the
 * mining has become too easy, and positive and negative distances converging on one value is what
 * collapse looks like from inside a batch.
 *
 * For a triplet miner every triplet holds one positive and one negative pair, so `numPosPairs`
 * and `numNegPairs` equal `numTriplets` (pairs counted as often as they occur). For a pair miner,
 * `numTriplets` is the number of triplets a triplet loss forms from its output by joining each
 * positive pair with every negative pair of the same anchor.
 */
export interface MinerStats {
  /** Rows in the batch. */
  batchSize: number;
  numTriplets: number;
  numPosPairs: number;
  numNegPairs: number;
  /**
   * Mean distance of the mined positive pairs (a similarity when `isInverted`), each counted as
   * often as it occurs in the output; absent when nothing was mined.
   */
  meanAP?: number;
  /** Mean distance (or similarity) of the mined negative pairs; absent when nothing was mined. */
  meanAN?: number;
  /** True when the distance is a similarity (larger means closer). */
  isInverted: boolean;
}

/** The stats of a miner's output, read off the batch's n x n matrix (row-major). */
export function minerStats(
  output: TripletIndices | PairIndices,
  matrix: ArrayLike<number>,
  batchSize: number,
  isInverted: boolean,
): MinerStats {
  const anchorsP = isTripletIndices(output) ? output.anchors : output.a1;
  const positives = isTripletIndices(output) ? output.positives : output.p;
  const anchorsN = isTripletIndices(output) ? output.anchors : output.a2;
  const negatives = isTripletIndices(output) ? output.negatives : output.n;
  const stats: MinerStats = {
    batchSize,
    numTriplets: isTripletIndices(output) ? output.anchors.length : joinedTriplets(output, batchSize),
    numPosPairs: positives.length,
    numNegPairs: negatives.length,
    isInverted,
  };
  if (positives.length > 0) stats.meanAP = meanAt(matrix, batchSize, anchorsP, positives);
  if (negatives.length > 0) stats.meanAN = meanAt(matrix, batchSize, anchorsN, negatives);
  return stats;
}

function meanAt(matrix: ArrayLike<number>, n: number, rows: Int32Array, cols: Int32Array): number {
  let sum = 0;
  for (let k = 0; k < rows.length; k++) sum += matrix[rows[k] * n + cols[k]];
  return sum / rows.length;
}

function joinedTriplets(pairs: PairIndices, batchSize: number): number {
  const pos = new Float64Array(batchSize);
  const neg = new Float64Array(batchSize);
  for (const a of pairs.a1) pos[a]++;
  for (const a of pairs.a2) neg[a]++;
  let total = 0;
  for (let a = 0; a < batchSize; a++) total += pos[a] * neg[a];
  return total;
}
