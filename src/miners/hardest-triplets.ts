import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { BaseDistance } from '../distances/base-distance.js';
import { DotProductSimilarity } from '../distances/dot-product-similarity.js';
import { LpDistance } from '../distances/lp-distance.js';
import type { TripletIndices } from './indices.js';
import { IntList } from './int-list.js';

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
 * Memory stays bounded: `chunkSize` anchor rows are compared with the rows at a time, never the
 * n x n matrix (n = 60,000 would take 14 GB). For Euclidean distances (`LpDistance` with p = 2,
 * any `power`) and dot/cosine similarities each chunk is one matrix product on the backend:
 * `d²(i,j) = |x_i|² + |x_j|² - 2 x_i·x_j` on rows centered on their mean (exact in exact
 * arithmetic, and accurate when embeddings huddle together), and since d(i,j) = d(j,i) each
 * pair is computed once and serves both anchors, which halves the work. Other distances go
 * through `distance.pairwise(chunk, all)`.
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
  const generic = !(
    (distance instanceof LpDistance && distance.p === 2) ||
    distance instanceof DotProductSimilarity
  );
  const perRowValues = generic && distance instanceof LpDistance ? n * dim : n;
  const chunkSize = options.chunkSize ?? Math.max(1, Math.floor(CHUNK_VALUES / perRowValues));
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) {
    throw invalidArgument(`Option \`chunkSize\` must be an integer >= 1. Received: chunkSize=${String(options.chunkSize)}`);
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

function checkFinite(embeddings: tf.Tensor2D): void {
  const values = embeddings.dataSync();
  const dim = embeddings.shape[1];
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      throw invalidArgument(
        `Argument \`embeddings\` must be finite. Received: embeddings[${Math.floor(k / dim)}][${k % dim}]=${values[k]}`,
      );
    }
  }
}

/**
 * Chunk I (rows s..e-1) is multiplied with rows s..n-1 only: the pairs with earlier rows were
 * computed by earlier chunks, which offered them to this chunk's anchors from the other side.
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
  const rows = tf.tidy(() => {
    const x = distance.maybeNormalize(embeddings);
    return euclidean ? tf.sub(x, tf.mean(x, 0, true)) : tf.clone(x);
  }) as tf.Tensor2D;
  try {
    // key(i, j) = |x_j|² - 2 x_i·x_j orders the candidates j of anchor i as d(i, j) does;
    // for a similarity, key = -x_i·x_j.
    const sq = new Float64Array(n);
    if (euclidean) {
      const values = rows.dataSync();
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = j * dim; k < (j + 1) * dim; k++) s += values[k] * values[k];
        sq[j] = s;
      }
    }
    const scale = euclidean ? 2 : 1;
    const { posKey, posIndex, negKey, negIndex } = best;
    for (let s = 0; s < n; s += chunkSize) {
      const e = Math.min(n, s + chunkSize);
      const c = e - s;
      const g = tf.tidy(() => tf.matMul(tf.slice(rows, [s, 0], [n - s, dim]), tf.transpose(tf.slice(rows, [s, 0], [c, dim]))));
      // (n - s) x c: row r is candidate (or anchor) s + r, column col is chunk anchor s + col.
      let gram: Float32Array;
      try {
        gram = g.dataSync() as Float32Array;
      } finally {
        g.dispose();
      }
      for (let r = 0; r < n - s; r++) {
        const j = s + r;
        const lj = labels[j];
        const sqj = sq[j];
        const off = r * c;
        if (j < e) {
          // Both rows are in the chunk: every such pair appears twice, once per anchor.
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
  } finally {
    rows.dispose();
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
  const sign = distance.isInverted ? -1 : 1;
  const { posKey, posIndex, negKey, negIndex } = best;
  for (let s = 0; s < n; s += chunkSize) {
    const e = Math.min(n, s + chunkSize);
    const mat = tf.tidy(() => distance.pairwise(tf.slice(embeddings, [s, 0], [e - s, dim]), embeddings));
    let values: Float32Array;
    try {
      values = mat.dataSync() as Float32Array;
    } finally {
      mat.dispose();
    }
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
}
