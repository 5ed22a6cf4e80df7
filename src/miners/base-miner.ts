import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { BaseDistance } from '../distances/base-distance.js';
import { noGradient } from '../ops/no-gradient.js';
import type { PairIndices, TripletIndices } from './indices.js';
import { minerStats, type MinerStats } from './miner-stats.js';

/** What a miner's hook sees: the batch's distance matrix, downloaded once, and its labels. */
export interface MiningBatch {
  /** The n x n distances (or similarities) in row-major order, float32 as the distance computed them. */
  readonly matrix: Float32Array;
  /** n, the number of rows. */
  readonly size: number;
  /** Columns of the embeddings. */
  readonly dim: number;
  readonly labels: Int32Array;
  /** True when the distance is a similarity (larger means closer). */
  readonly isInverted: boolean;
}

/**
 * A miner picks, from a batch of embeddings and labels, the tuples a loss should learn from. The
 * public `mine` validates, computes the distance matrix off the gradient tape, downloads it once
 * and frees it, then calls `mineBatch`, which selects in plain loops over the matrix; a subclass
 * writes only that hook. Selection is not differentiated, and on a downloaded float32 matrix it
 * is exact and cheap for batch sizes.
 */
export abstract class BaseMiner<T extends TripletIndices | PairIndices = TripletIndices | PairIndices> {
  readonly distance: BaseDistance;
  /** Counts and mean distances of the last `mine` call; null before the first one. */
  lastStats: MinerStats | null = null;

  protected constructor(distance: BaseDistance | undefined, defaultDistance: () => BaseDistance) {
    if (distance !== undefined && !(distance instanceof BaseDistance)) {
      throw invalidArgument(
        `Option \`distance\` must be a BaseDistance (LpDistance, CosineSimilarity, DotProductSimilarity). Received: ${String(distance)}`,
      );
    }
    this.distance = distance ?? defaultDistance();
  }

  /**
   * The tuples mined from `embeddings` (n x d, float32) with one integer label per row.
   * Indices are rows of `embeddings`.
   */
  mine(embeddings: tf.Tensor2D, labels: Int32Array | number[]): T {
    checkEmbeddings(embeddings);
    const [size, dim] = embeddings.shape;
    const checkedLabels = checkLabels(labels, size);
    const matrix = this.downloadMatrix(embeddings);
    const output = this.mineBatch({ matrix, size, dim, labels: checkedLabels, isInverted: this.distance.isInverted });
    this.lastStats = minerStats(output, matrix, size, this.distance.isInverted);
    return output;
  }

  protected abstract mineBatch(batch: MiningBatch): T;

  private downloadMatrix(embeddings: tf.Tensor2D): Float32Array {
    // Under a gradient scope the distance ops would otherwise be taped for nothing: the output
    // is indices, through which no gradient flows.
    const mat = tf.tidy(() => noGradient((x) => this.distance.pairwise(x as tf.Tensor2D), embeddings));
    try {
      return mat.dataSync() as Float32Array;
    } finally {
      mat.dispose();
    }
  }
}
