import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { noGradient } from '../ops/no-gradient.js';
import { BaseDistance, type BaseDistanceOptions } from './base-distance.js';
import { euclideanMatrix, squaredEuclideanMatrix } from './euclidean-matrix.js';

export interface LpDistanceOptions extends BaseDistanceOptions {
  /** The order of the norm; 2 is Euclidean. */
  p?: number;
}

/**
 * The Lp distance between rows: `d(x, y) = (sum_k |x_k - y_k|^p)^(1/p)`, raised to `power`.
 *
 * Options (PML's names and defaults): `normalizeEmbeddings = true`, `p = 2`, `power = 1`.
 * `isInverted` is false: smaller means closer.
 *
 * @example
 * const d = new dm.LpDistance();                     // Euclidean on L2-normalized rows
 * const sq = new dm.LpDistance({ power: 2 });        // squared Euclidean
 * const mat = d.pairwise(embeddings);                // n x n
 */
export class LpDistance extends BaseDistance {
  readonly p: number;
  readonly isInverted = false;

  constructor(options: LpDistanceOptions = {}) {
    super(options, true);
    this.p = options.p ?? 2;
    if (!(Number.isFinite(this.p) && this.p >= 1)) {
      throw invalidArgument(`Option \`p\` must be a finite number >= 1. Received: p=${String(options.p)}`);
    }
  }

  protected computeMatrix(query: tf.Tensor2D, ref: tf.Tensor2D | null): tf.Tensor2D {
    if (this.p === 2) {
      // (sqrt s)^2 is s: for squared Euclidean skip the square root, cheaper and exact.
      return this.power === 2 ? squaredEuclideanMatrix(query, ref) : euclideanMatrix(query, ref);
    }
    const diff = tf.abs(tf.sub(tf.expandDims(query, 1), tf.expandDims(ref ?? query, 0)));
    const sum = tf.sum(tf.pow(diff, this.p), 2);
    // pow(0, 1/p) has an infinite slope; coinciding rows get the zero gradient torch gives them.
    const positive = noGradient((v) => tf.greater(v, 0), sum);
    const safe = tf.where(positive, sum, tf.onesLike(sum));
    return tf.where(positive, tf.pow(safe, 1 / this.p), tf.zerosLike(sum)) as tf.Tensor2D;
  }

  protected override raise(mat: tf.Tensor2D): tf.Tensor2D {
    return this.p === 2 && this.power === 2 ? mat : super.raise(mat);
  }
}
