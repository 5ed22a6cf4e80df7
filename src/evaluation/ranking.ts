import { tf } from '../tf.js';
import { BaseDistance, DotProductSimilarity, LpDistance } from '../distances/index.js';

/** What one query chunk gives: scores against every reference (larger is closer) and per-row terms. */
export interface ChunkScores {
  scores: tf.Tensor2D;
  /** One number per query row that `toDistance` needs (the squared norm for Euclidean). */
  rowTerms?: tf.Tensor1D;
}

/**
 * How a distance ranks references for k-NN. `scores` may be any monotone transform of the distance
 * that keeps the order (larger = closer), so that `tf.topk` picks the neighbours directly;
 * `toDistance` turns a picked score back into the distance or similarity the distance object defines.
 */
export interface Ranking {
  /**
   * The size of the largest intermediate per query row: the number of references for the
   * matrix-product rankings, references x dimensions for `pairwise` Lp distances (p != 2), which
   * form every difference. Chunk sizes are set from it.
   */
  entriesPerQuery: number;
  /** Called inside the caller's `tf.tidy`, which owns every tensor it makes. */
  chunk(query: tf.Tensor2D): ChunkScores;
  toDistance(score: number, rowTerm: number): number;
  dispose(): void;
}

/**
 * Picks the fastest exact ranking for `distance` against `reference`, prepared once for all chunks:
 *
 * - Euclidean (`LpDistance`, p = 2, any power): rows are centred on the reference mean (distances do
 *   not change, rounding shrinks when embeddings huddle), then `2 q.r - |r|^2` comes out of ONE
 *   matrix product against `[2 R^T; -|r|^2]`, because `|q - r|^2 = |q|^2 - (2 q.r - |r|^2)` and
 *   `|q|^2` is the same along a row. Powers are monotone, so the order is the distance's order.
 * - Dot product and cosine with power 1: the similarity is the score.
 * - Anything else: `distance.pairwise(chunk, reference)`, negated unless `isInverted`.
 *
 * The reference is transposed once: tfjs's wasm matMul is several times faster on `A B` than on
 * `A B^T`, which is what `pairwise` computes. Every row of a score matrix depends only on its own
 * query row, so the result does not depend on the chunk size.
 *
 * @example
 * const ranking = makeRanking(new LpDistance({ normalizeEmbeddings: false }), reference);
 * const top = tf.tidy(() => tf.topk(ranking.chunk(queryChunk).scores, k).indices);
 * ranking.dispose();
 */
export function makeRanking(distance: BaseDistance, reference: tf.Tensor2D): Ranking {
  if (distance instanceof LpDistance && distance.p === 2) return euclideanRanking(distance, reference);
  if (distance instanceof DotProductSimilarity && distance.power === 1) return dotRanking(distance, reference);
  return pairwiseRanking(distance, reference);
}

function euclideanRanking(distance: LpDistance, reference: tf.Tensor2D): Ranking {
  const [center, augmented] = tf.tidy(() => {
    const r = distance.maybeNormalize(reference);
    const mean = tf.mean(r, 0, true);
    const rc = tf.sub(r, mean);
    const rr = tf.reshape(tf.sum(tf.square(rc), 1), [1, -1]);
    return [mean, tf.concat([tf.mul(tf.transpose(rc), 2), tf.neg(rr)], 0)];
  });
  const power = distance.power;
  return {
    entriesPerQuery: reference.shape[0],
    chunk: (query) => {
      const qc = tf.sub(distance.maybeNormalize(query), center) as tf.Tensor2D;
      const withOne = tf.concat([qc, tf.ones([qc.shape[0], 1])], 1);
      return { scores: tf.matMul(withOne, augmented), rowTerms: tf.sum(tf.square(qc), 1) as tf.Tensor1D };
    },
    toDistance: (score, squaredNorm) => {
      const squared = Math.max(Math.fround(squaredNorm - score), 0);
      if (power === 2) return squared;
      const d = Math.fround(Math.sqrt(squared));
      return power === 1 ? d : Math.fround(d ** power);
    },
    dispose: () => tf.dispose([center, augmented]),
  };
}

function dotRanking(distance: DotProductSimilarity, reference: tf.Tensor2D): Ranking {
  const transposed = tf.tidy(() => tf.transpose(distance.maybeNormalize(reference)));
  return {
    entriesPerQuery: reference.shape[0],
    chunk: (query) => ({ scores: tf.matMul(distance.maybeNormalize(query), transposed) }),
    toDistance: (score) => score,
    dispose: () => transposed.dispose(),
  };
}

function pairwiseRanking(distance: BaseDistance, reference: tf.Tensor2D): Ranking {
  const sign = distance.isInverted ? 1 : -1;
  const [numReferences, dim] = reference.shape;
  return {
    entriesPerQuery: distance instanceof LpDistance ? numReferences * dim : numReferences,
    chunk: (query) => {
      const mat = distance.pairwise(query, reference);
      return { scores: sign === 1 ? mat : tf.neg(mat) };
    },
    toDistance: (score) => sign * score,
    dispose: () => undefined,
  };
}
