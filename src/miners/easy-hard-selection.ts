import type { MiningBatch } from './base-miner.js';
import type { PairIndices } from './indices.js';
import { IntList } from './int-list.js';

/** How BatchEasyHardMiner picks each anchor's positive or negative. */
export type BatchStrategy = 'easy' | 'semihard' | 'hard' | 'all';

/** An inclusive range [low, high] of distances (or similarities) a pick must lie in. */
export type DistanceRange = readonly [number, number];

export interface EasyHardOptions {
  posStrategy: BatchStrategy;
  negStrategy: BatchStrategy;
  allowedPosRange: DistanceRange | null;
  allowedNegRange: DistanceRange | null;
}

/** One pick per row: its value, its column, and whether the row had any candidate. */
interface RowPicks {
  values: Float32Array;
  indices: Int32Array;
  keep: Uint8Array;
}

/**
 * PML's BatchEasyHardMiner selection on a downloaded matrix. For each anchor, `easy` takes the
 * closest positive (or the farthest negative), `hard` and `semihard` the farthest positive (or
 * the closest negative), `all` every pair. `semihard` on one side is bounded by the pick on the
 * other side: a semihard negative is the closest negative strictly farther than the chosen
 * positive (no margin bound), a semihard positive the farthest positive strictly closer than the
 * chosen negative. Anchors without a valid pick are dropped. Picks follow torch.min/max: a NaN
 * candidate wins, and among equal values the lowest index.
 */
export function selectEasyHard(batch: MiningBatch, options: EasyHardOptions): PairIndices {
  const { posStrategy, negStrategy } = options;
  let pos: RowPicks | null = null;
  let neg: RowPicks | null = null;
  if (posStrategy === 'semihard' && negStrategy !== 'all') {
    neg = pickNegatives(batch, options, null);
    pos = pickPositives(batch, options, neg.values);
  } else if (negStrategy === 'semihard' && posStrategy !== 'all') {
    pos = pickPositives(batch, options, null);
    neg = pickNegatives(batch, options, pos.values);
  } else {
    if (posStrategy !== 'all') pos = pickPositives(batch, options, null);
    if (negStrategy !== 'all') neg = pickNegatives(batch, options, null);
  }
  if (pos !== null && neg !== null) {
    const a = new IntList();
    const p = new IntList();
    const n = new IntList();
    for (let i = 0; i < batch.size; i++) {
      if (pos.keep[i] && neg.keep[i]) {
        a.push(i);
        p.push(pos.indices[i]);
        n.push(neg.indices[i]);
      }
    }
    const anchors = a.toArray();
    return { a1: anchors, p: p.toArray(), a2: anchors.slice(), n: n.toArray() };
  }
  const [a1, p] = pos === null ? allPairs(batch, true) : picked(pos);
  const [a2, n] = neg === null ? allPairs(batch, false) : picked(neg);
  return { a1, p, a2, n };
}

function pickPositives(batch: MiningBatch, options: EasyHardOptions, thresholds: Float32Array | null): RowPicks {
  // hard and semihard positives are the farthest: max of a distance, min of a similarity.
  const farthest = options.posStrategy !== 'easy';
  return pickPerRow(batch, true, farthest === batch.isInverted ? 'min' : 'max', options.allowedPosRange, thresholds);
}

function pickNegatives(batch: MiningBatch, options: EasyHardOptions, thresholds: Float32Array | null): RowPicks {
  // hard and semihard negatives are the closest; an easy negative is the farthest.
  const closest = options.negStrategy !== 'easy';
  return pickPerRow(batch, false, closest === batch.isInverted ? 'max' : 'min', options.allowedNegRange, thresholds);
}

/**
 * The min (or max) of each row over its positive (or negative) columns, after removing the
 * columns outside `range` and, with `thresholds`, those not strictly beyond the row's threshold
 * (`<= t` for a min, `>= t` for a max). All comparisons are IEEE ones, as torch's: a NaN
 * candidate is never removed.
 */
function pickPerRow(
  { matrix, size, labels }: MiningBatch,
  positives: boolean,
  kind: 'min' | 'max',
  range: DistanceRange | null,
  thresholds: Float32Array | null,
): RowPicks {
  // torch compares float32 tensors with Python floats in float32.
  const low = range === null ? 0 : Math.fround(range[0]);
  const high = range === null ? 0 : Math.fround(range[1]);
  const sign = kind === 'min' ? 1 : -1;
  const values = new Float32Array(size);
  const indices = new Int32Array(size);
  const keep = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const row = i * size;
    const t = thresholds === null ? NaN : thresholds[i];
    // Scan as torch.min/max does over the masked row (invalid entries at +-inf): the first NaN
    // wins, otherwise the first strictly better value.
    let best = sign * Infinity;
    let bestIndex = 0;
    let any = false;
    for (let j = 0; j < size; j++) {
      const candidate = positives ? j !== i && labels[j] === labels[i] : labels[j] !== labels[i];
      let valid = candidate;
      const v = matrix[row + j];
      if (valid && thresholds !== null && (kind === 'min' ? v <= t : v >= t)) valid = false;
      if (valid && range !== null && (v > high || v < low)) valid = false;
      if (valid) any = true;
      const x = valid ? v : sign * Infinity;
      if (Number.isNaN(best)) continue;
      if (Number.isNaN(x) || sign * x < sign * best) {
        best = x;
        bestIndex = j;
      }
    }
    values[i] = best;
    indices[i] = bestIndex;
    keep[i] = any ? 1 : 0;
  }
  return { values, indices, keep };
}

function picked(picks: RowPicks): [Int32Array, Int32Array] {
  const a = new IntList();
  const x = new IntList();
  for (let i = 0; i < picks.keep.length; i++) {
    if (picks.keep[i]) {
      a.push(i);
      x.push(picks.indices[i]);
    }
  }
  return [a.toArray(), x.toArray()];
}

/** Every positive (or negative) pair in row-major order, as torch.where lists them. */
function allPairs({ size, labels }: MiningBatch, positives: boolean): [Int32Array, Int32Array] {
  const a = new IntList();
  const x = new IntList();
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      if (positives ? j !== i && labels[j] === labels[i] : labels[j] !== labels[i]) {
        a.push(i);
        x.push(j);
      }
    }
  }
  return [a.toArray(), x.toArray()];
}
