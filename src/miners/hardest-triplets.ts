import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { BaseDistance } from '../distances/base-distance.js';
import { DotProductSimilarity } from '../distances/dot-product-similarity.js';
import { LpDistance } from '../distances/lp-distance.js';
import type { TripletIndices } from './indices.js';
import { IntList } from './int-list.js';
import { tensorValues } from './tensor-values.js';

export interface HardestTripletsOptions {
  /** Default `new LpDistance()` (Euclidean on L2-normalized rows). */
  distance?: BaseDistance;
  /**
   * Anchor rows processed at a time. Default: as many as keep one chunk's matrix near 64 MB
   * (2^24 float32 values), i.e. floor(2^24 / n); for an Lp distance with p != 2, whose matrix
   * is built from a chunk x n x dim tensor, that number divided by dim.
   */
  chunkSize?: number;
}

/** Float32 values per chunk matrix: 64 MB. */
const CHUNK_VALUES = 1 << 24;

/**
 * Offline batch-hard mining over a whole set: for every row as anchor, its hardest positive
 * (farthest; least similar for a similarity) among the other rows of its label, and its hardest
 * negative (closest; most similar) among the rows of other labels. Anchors without a positive
 * or without a negative are skipped. The triplets come out in anchor order.
 *
 * Memory stays bounded: `chunkSize` anchor rows are compared with all rows at a time, never
 * the n x n matrix (n = 60,000 would take 14 GB). For Euclidean distances (`LpDistance` with
 * p = 2, any `power`, normalized or not) and dot/cosine similarities, the comparison is a
 * matrix product on the backend, `d²(i,j) = |x_i|² + |x_j|² - 2 x_i·x_j`, on rows centered on
 * their mean (distances do not change, and they stay accurate when embeddings huddle
 * together), taken against blocks of rows so that each product (~4 MB) is scanned while it is
 * in cache. Since d(i,j) = d(j,i), each pair is computed once and offered to both anchors: a
 * chunk is multiplied only with the rows from its own first row on, which halves the work.
 * Other distances go through `distance.pairwise(chunk, all)`, one chunk x n matrix at a time.
 *
 * Ties: among candidates at the same computed distance the lowest row index wins, whatever the
 * chunk size. Embeddings must be finite (a NaN row has no meaningful hardest partner).
 *
 * Options: `distance = new LpDistance()`, `chunkSize` as above.
 *
 * @example
 * const { anchors, positives, negatives } = dm.hardestTriplets(embeddings, labels);
 * const sameMemory = dm.hardestTriplets(embeddings, labels, { chunkSize: 128 });
 */
export function hardestTriplets(
  embeddings: tf.Tensor2D,
  labels: Int32Array | number[],
  options: HardestTripletsOptions = {},
): TripletIndices {
  checkEmbeddings(embeddings);
  const [n, dim] = embeddings.shape;
  const checkedLabels = checkLabels(labels, n);
  const distance = options.distance ?? new LpDistance();
  if (!(distance instanceof BaseDistance)) {
    throw invalidArgument(
      `Option \`distance\` must be a BaseDistance (LpDistance, CosineSimilarity, DotProductSimilarity). Received: ${String(distance)}`,
    );
  }
  const generic = !((distance instanceof LpDistance && distance.p === 2) || distance instanceof DotProductSimilarity);
  const perRowValues = generic && distance instanceof LpDistance ? n * dim : n;
  const chunkSize = options.chunkSize ?? Math.max(1, Math.floor(CHUNK_VALUES / perRowValues));
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) {
    throw invalidArgument(
      `Option \`chunkSize\` must be an integer >= 1. Received: chunkSize=${String(options.chunkSize)}`,
    );
  }
  checkFinite(embeddings);
  const best = new Hardest(n);
  if (generic) mineWithPairwise(embeddings, checkedLabels, distance, chunkSize, best);
  else mineWithGram(embeddings, checkedLabels, distance, chunkSize, best);
  return best.triplets();
}

/**
 * The best candidates so far, as keys where smaller means closer: the hardest positive has the
 * largest key, the hardest negative the smallest. Candidates are offered in increasing index
 * order, so strict comparisons keep the lowest index among ties.
 */
class Hardest {
  readonly posKey: Float64Array;
  readonly posIndex: Int32Array;
  readonly negKey: Float64Array;
  readonly negIndex: Int32Array;

  constructor(n: number) {
    this.posKey = new Float64Array(n).fill(-Infinity);
    this.posIndex = new Int32Array(n).fill(-1);
    this.negKey = new Float64Array(n).fill(Infinity);
    this.negIndex = new Int32Array(n).fill(-1);
  }

  triplets(): TripletIndices {
    const anchors = new IntList();
    const positives = new IntList();
    const negatives = new IntList();
    for (let a = 0; a < this.posIndex.length; a++) {
      if (this.posIndex[a] >= 0 && this.negIndex[a] >= 0) {
        anchors.push(a);
        positives.push(this.posIndex[a]);
        negatives.push(this.negIndex[a]);
      }
    }
    return { anchors: anchors.toArray(), positives: positives.toArray(), negatives: negatives.toArray() };
  }
}

/** Throws naming the first non-finite entry; checked on the backend first, located only on failure. */
function checkFinite(embeddings: tf.Tensor2D): void {
  const allFinite = tf.tidy(() => tf.all(tf.isFinite(embeddings)));
  const ok = allFinite.dataSync()[0] === 1;
  allFinite.dispose();
  if (ok) return;
  const values = embeddings.dataSync();
  const dim = embeddings.shape[1];
  const k = values.findIndex((v) => !Number.isFinite(v));
  throw invalidArgument(
    `Argument \`embeddings\` must be finite. Received: embeddings[${Math.floor(k / dim)}][${k % dim}]=${values[k]}`,
  );
}

/** Rows of the set multiplied at once with a chunk: a few MB of output, read while it is in cache. */
const BLOCK_VALUES = 1 << 20;

/**
 * Chunk I (anchor rows s..e-1) is multiplied only with rows s..n-1, a block of rows at a time:
 * its pairs with earlier rows were computed by earlier chunks, which offered them to this
 * chunk's anchors from the other side. Every anchor thus sees its candidates in increasing
 * index order, whatever the chunk size.
 */
function mineWithGram(
  embeddings: tf.Tensor2D,
  labels: Int32Array,
  distance: BaseDistance,
  chunkSize: number,
  best: Hardest,
): void {
  const [n, dim] = embeddings.shape;
  const euclidean = !distance.isInverted;
  // Distances do not change under translation; centering keeps |x|² + |y|² - 2x·y from
  // cancelling catastrophically when the rows sit close together far from the origin.
  const prepared = tf.tidy(() => {
    const x = distance.maybeNormalize(embeddings);
    return euclidean ? tf.sub(x, tf.mean(x, 0, true)) : tf.clone(x);
  });
  // One copy in JS: chunks and blocks are cut from it without tf.slice, which on wasm reads
  // the whole input each time.
  const rows = Float32Array.from(tensorValues(prepared));
  prepared.dispose();
  // key(i, j) = |x_j|² - 2 x_i·x_j orders the candidates j of anchor i as d(i, j) does;
  // for a similarity, key = -x_i·x_j.
  const sq = new Float64Array(n);
  if (euclidean) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = j * dim; k < (j + 1) * dim; k++) s += rows[k] * rows[k];
      sq[j] = s;
    }
  }
  const scale = euclidean ? 2 : 1;
  const blockRows = Math.max(1, Math.floor(BLOCK_VALUES / Math.min(chunkSize, n)));
  const blocks: tf.Tensor2D[] = [];
  const transposed = new Float32Array(dim * Math.min(chunkSize, n));
  try {
    for (let b = 0; b < n; b += blockRows) {
      const end = Math.min(n, b + blockRows);
      blocks.push(tf.tensor2d(rows.subarray(b * dim, end * dim), [end - b, dim]));
    }
    for (let s = 0; s < n; s += chunkSize) {
      const e = Math.min(n, s + chunkSize);
      const c = e - s;
      for (let col = 0; col < c; col++) {
        for (let k = 0; k < dim; k++) transposed[k * c + col] = rows[(s + col) * dim + k];
      }
      const chunk = tf.tensor2d(transposed.subarray(0, dim * c), [dim, c]);
      try {
        for (let b = Math.floor(s / blockRows); b < blocks.length; b++) {
          const g = tf.matMul(blocks[b], chunk);
          try {
            scanBlock(tensorValues(g), b * blockRows, g.shape[0], s, c, labels, sq, scale, best);
          } finally {
            g.dispose();
          }
        }
      } finally {
        chunk.dispose();
      }
    }
  } finally {
    tf.dispose(blocks);
  }
}

/**
 * Offers the pairs of one product block to both of their anchors. `gram` is rows x c: row r is
 * row `first + r` of the set, column col is chunk anchor `s + col`. Rows before s belong to
 * earlier chunks and are skipped; rows inside the chunk update only the chunk's anchors (each
 * such pair appears twice, once per anchor).
 */
function scanBlock(
  gram: Float32Array,
  first: number,
  numRows: number,
  s: number,
  c: number,
  labels: Int32Array,
  sq: Float64Array,
  scale: number,
  best: Hardest,
): void {
  const { posKey, posIndex, negKey, negIndex } = best;
  const e = s + c;
  for (let r = Math.max(0, s - first); r < numRows; r++) {
    const j = first + r;
    const lj = labels[j];
    const sqj = sq[j];
    const off = r * c;
    if (j < e) {
      for (let col = 0; col < c; col++) {
        const i = s + col;
        if (i === j) continue;
        const key = sqj - scale * gram[off + col];
        if (labels[i] === lj) {
          if (key > posKey[i]) {
            posKey[i] = key;
            posIndex[i] = j;
          }
        } else if (key < negKey[i]) {
          negKey[i] = key;
          negIndex[i] = j;
        }
      }
      continue;
    }
    let jPosKey = posKey[j];
    let jPosIndex = posIndex[j];
    let jNegKey = negKey[j];
    let jNegIndex = negIndex[j];
    for (let col = 0; col < c; col++) {
      const i = s + col;
      const dot = scale * gram[off + col];
      const keyForI = sqj - dot;
      const keyForJ = sq[i] - dot;
      if (labels[i] === lj) {
        if (keyForI > posKey[i]) {
          posKey[i] = keyForI;
          posIndex[i] = j;
        }
        if (keyForJ > jPosKey) {
          jPosKey = keyForJ;
          jPosIndex = i;
        }
      } else {
        if (keyForI < negKey[i]) {
          negKey[i] = keyForI;
          negIndex[i] = j;
        }
        if (keyForJ < jNegKey) {
          jNegKey = keyForJ;
          jNegIndex = i;
        }
      }
    }
    posKey[j] = jPosKey;
    posIndex[j] = jPosIndex;
    negKey[j] = jNegKey;
    negIndex[j] = jNegIndex;
  }
}

function mineWithPairwise(
  embeddings: tf.Tensor2D,
  labels: Int32Array,
  distance: BaseDistance,
  chunkSize: number,
  best: Hardest,
): void {
  const [n, dim] = embeddings.shape;
  // Chunks are cut from a JS copy: tf.slice on wasm reads the whole input each time.
  const rows = Float32Array.from(tensorValues(embeddings));
  for (let s = 0; s < n; s += chunkSize) {
    const e = Math.min(n, s + chunkSize);
    const mat = tf.tidy(() =>
      distance.pairwise(tf.tensor2d(rows.subarray(s * dim, e * dim), [e - s, dim]), embeddings),
    );
    try {
      scanRows(tensorValues(mat), s, e, labels, distance.isInverted ? -1 : 1, best);
    } finally {
      mat.dispose();
    }
  }
}

/** Rows s..e-1 of the set against all n rows, read off a (e - s) x n matrix of distances. */
function scanRows(values: Float32Array, s: number, e: number, labels: Int32Array, sign: number, best: Hardest): void {
  const n = labels.length;
  const { posKey, posIndex, negKey, negIndex } = best;
  for (let i = s; i < e; i++) {
    const off = (i - s) * n;
    const li = labels[i];
    for (let j = 0; j < n; j++) {
      const key = sign * values[off + j];
      if (labels[j] === li) {
        if (j !== i && key > posKey[i]) {
          posKey[i] = key;
          posIndex[i] = j;
        }
      } else if (key < negKey[i]) {
        negKey[i] = key;
        negIndex[i] = j;
      }
    }
  }
}
