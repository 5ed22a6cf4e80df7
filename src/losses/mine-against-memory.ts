import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { noGradient } from '../ops/no-gradient.js';
import {
  MultiSimilarityMiner,
  PairMarginMiner,
  TripletMarginMiner,
  minerStats,
  type BaseMiner,
  type PairIndices,
  type TripletIndices,
} from '../miners/index.js';
import { FLOAT32_MAX } from './float32-limits.js';

/** The miners CrossBatchMemory can mine against its memory with. */
export const MEMORY_MINERS = ['TripletMarginMiner', 'MultiSimilarityMiner', 'PairMarginMiner'] as const;

/**
 * What `miner` selects between the batch (anchors) and the memory (positives and negatives), as
 * PML's `miner(embeddings, labels, ref_emb, ref_labels)`: indices a1, a2, anchors are rows of
 * `embeddings`, the others rows of `memory`. Against a reference PML excludes no diagonal, so a
 * row's own copy in the memory is one of its positives (CrossBatchMemory removes those pairs
 * afterwards) and it also counts in MultiSimilarityMiner's per-row minimum.
 *
 * `BaseMiner.mine` compares a batch with itself only, so the selection rules of
 * TripletMarginMiner and MultiSimilarityMiner are applied here to the batch x memory matrix
 * computed with the miner's distance; PairMarginMiner has its own `mineAgainst`. Other miners are
 * refused. Sets the miner's `lastStats`.
 *
 * @example
 * const pairs = mineAgainstMemory(new dm.MultiSimilarityMiner(), batch, labels, memory, memoryLabels);
 */
export function mineAgainstMemory(
  miner: BaseMiner,
  embeddings: tf.Tensor2D,
  labels: Int32Array,
  memory: tf.Tensor2D,
  memoryLabels: Int32Array,
): TripletIndices | PairIndices {
  if (miner instanceof PairMarginMiner) return miner.mineAgainst(embeddings, labels, memory, memoryLabels);
  if (!(miner instanceof TripletMarginMiner || miner instanceof MultiSimilarityMiner)) {
    throw invalidArgument(
      `Option \`miner\` of CrossBatchMemory must be one of ${MEMORY_MINERS.join(', ')} (they mine against the memory). ` +
        `Received: miner=${miner.constructor.name}`,
    );
  }
  const mat = tf.tidy(() =>
    noGradient((x, y) => miner.distance.pairwise(x as tf.Tensor2D, y as tf.Tensor2D), embeddings, memory),
  );
  let matrix: Float32Array;
  try {
    matrix = mat.dataSync() as Float32Array;
  } finally {
    mat.dispose();
  }
  const inverted = miner.distance.isInverted;
  const output =
    miner instanceof TripletMarginMiner
      ? tripletMarginRule(matrix, labels, memoryLabels, inverted, Math.fround(miner.margin), miner.typeOfTriplets)
      : multiSimilarityRule(matrix, labels, memoryLabels, inverted, Math.fround(miner.epsilon));
  miner.lastStats = { ...minerStats(output, matrix, memoryLabels.length, inverted), batchSize: labels.length };
  return output;
}

/** TripletMarginMiner's test on every (a, p, n) of batch x memory, in lexicographic order. */
function tripletMarginRule(
  matrix: Float32Array,
  labels: Int32Array,
  memoryLabels: Int32Array,
  inverted: boolean,
  margin: number,
  type: TripletMarginMiner['typeOfTriplets'],
): TripletIndices {
  const m = memoryLabels.length;
  const keep = (v: number) =>
    type === 'easy' ? v > margin : v <= margin && (type === 'hard' ? v <= 0 : type === 'semihard' ? v > 0 : true);
  const anchors: number[] = [];
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let a = 0; a < labels.length; a++) {
    const row = a * m;
    const negs: number[] = [];
    for (let j = 0; j < m; j++) if (memoryLabels[j] !== labels[a]) negs.push(j);
    for (let p = 0; p < m; p++) {
      if (memoryLabels[p] !== labels[a]) continue;
      const ap = matrix[row + p];
      for (const n of negs) {
        const an = matrix[row + n];
        if (keep(Math.fround(inverted ? ap - an : an - ap))) {
          anchors.push(a);
          positives.push(p);
          negatives.push(n);
        }
      }
    }
  }
  return {
    anchors: Int32Array.from(anchors),
    positives: Int32Array.from(positives),
    negatives: Int32Array.from(negatives),
  };
}

/**
 * MultiSimilarityMiner's rules on batch x memory, literally as PML runs them: each row sorted
 * twice, once with its negatives set to the "ignore" value of the positives and once the other
 * way round (float32's largest magnitude), NaN sorting last; a positive is kept when
 * `s - eps < max_n s` (distances: `d + eps > min_n d`), a negative when `s + eps > min_p s`
 * (`d - eps < max_p d`). Each row's pairs come out in increasing order of the sorted values.
 */
function multiSimilarityRule(
  matrix: Float32Array,
  labels: Int32Array,
  memoryLabels: Int32Array,
  inverted: boolean,
  eps: number,
): PairIndices {
  const n = labels.length;
  const m = memoryLabels.length;
  let anyPos = false;
  let anyNeg = false;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (labels[i] === memoryLabels[j]) anyPos = true;
      else anyNeg = true;
    }
  }
  const out = { a1: [] as number[], p: [] as number[], a2: [] as number[], n: [] as number[] };
  if (anyPos && anyNeg) {
    const posIgnore = inverted ? FLOAT32_MAX : -FLOAT32_MAX;
    const negIgnore = -posIgnore;
    const posRow = new Float32Array(m);
    const negRow = new Float32Array(m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const v = matrix[i * m + j];
        const same = labels[i] === memoryLabels[j];
        posRow[j] = same ? v : posIgnore;
        negRow[j] = same ? negIgnore : v;
      }
      const posSorted = sortedColumns(posRow);
      const negSorted = sortedColumns(negRow);
      if (inverted) {
        const maxNeg = negRow[negSorted[m - 1]];
        const minPos = posRow[posSorted[0]];
        for (const j of posSorted) if (Math.fround(posRow[j] - eps) < maxNeg) push(out.a1, out.p, i, j);
        for (const j of negSorted) if (Math.fround(negRow[j] + eps) > minPos) push(out.a2, out.n, i, j);
      } else {
        const minNeg = negRow[negSorted[0]];
        const maxPos = posRow[posSorted[m - 1]];
        for (const j of posSorted) if (Math.fround(posRow[j] + eps) > minNeg) push(out.a1, out.p, i, j);
        for (const j of negSorted) if (Math.fround(negRow[j] - eps) < maxPos) push(out.a2, out.n, i, j);
      }
    }
  }
  return {
    a1: Int32Array.from(out.a1),
    p: Int32Array.from(out.p),
    a2: Int32Array.from(out.a2),
    n: Int32Array.from(out.n),
  };
}

/** Column order of an ascending sort with NaN last (torch.sort), ties by column. */
function sortedColumns(row: Float32Array): number[] {
  const cols = Array.from(row, (_, j) => j);
  return cols.sort((x, y) => {
    const a = row[x];
    const b = row[y];
    if (Number.isNaN(a) || Number.isNaN(b))
      return Number.isNaN(a) === Number.isNaN(b) ? x - y : Number.isNaN(a) ? 1 : -1;
    return a - b || x - y;
  });
}

function push(rows: number[], cols: number[], i: number, j: number): void {
  rows.push(i);
  cols.push(j);
}
