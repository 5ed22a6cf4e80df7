import { tf } from '../tf.js';
import { checkEmbeddings } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { noGradient } from '../ops/no-gradient.js';
import { l2Normalize } from './l2-normalize.js';

export interface BaseDistanceOptions {
  /** L2-normalize each row before computing the matrix. */
  normalizeEmbeddings?: boolean;
  /** Raise every entry of the matrix to this power (2 gives squared Euclidean distances). */
  power?: number;
}

/**
 * A pairwise distance or similarity. `pairwise` validates, normalizes, computes the matrix in a
 * memory scope and raises it to `power`; subclasses write only `computeMatrix`.
 *
 * Direction lives here: `isInverted` is true for similarities (larger means closer), and
 * `margin` / `smallestDist` let one loss or miner serve distances and similarities alike.
 */
export abstract class BaseDistance {
  readonly normalizeEmbeddings: boolean;
  readonly power: number;
  abstract readonly isInverted: boolean;

  constructor(options: BaseDistanceOptions, defaultNormalize: boolean) {
    this.normalizeEmbeddings = options.normalizeEmbeddings ?? defaultNormalize;
    this.power = options.power ?? 1;
    if (typeof this.normalizeEmbeddings !== 'boolean') {
      throw invalidArgument(
        `Option \`normalizeEmbeddings\` must be a boolean. Received: normalizeEmbeddings=${String(options.normalizeEmbeddings)}`,
      );
    }
    if (!(Number.isFinite(this.power) && this.power > 0)) {
      throw invalidArgument(`Option \`power\` must be a finite number > 0. Received: power=${String(options.power)}`);
    }
  }

  /** The n x m matrix of distances (or similarities) between rows of `query` and rows of `ref` (default: `query`). */
  pairwise(query: tf.Tensor2D, ref?: tf.Tensor2D): tf.Tensor2D {
    checkEmbeddings(query, 'query');
    if (ref !== undefined) {
      checkEmbeddings(ref, 'ref');
      if (ref.shape[1] !== query.shape[1]) {
        throw invalidArgument(
          `Arguments \`query\` and \`ref\` must have the same number of columns. Received: ${query.shape[1]} and ${ref.shape[1]}`,
        );
      }
    }
    return tf.tidy(() => {
      const q = this.maybeNormalize(query);
      const r = ref === undefined ? null : this.maybeNormalize(ref);
      const mat = this.computeMatrix(q, r);
      return this.power === 1 ? mat : this.raise(mat);
    });
  }

  /** Rows scaled to unit L2 norm when `normalizeEmbeddings` is on, as the distance sees them. */
  maybeNormalize(x: tf.Tensor2D): tf.Tensor2D {
    return this.normalizeEmbeddings ? l2Normalize(x) : x;
  }

  /** How far the pair (x) is inside the pair (y): `x - y` for distances, `y - x` for similarities. */
  margin(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
    return this.isInverted ? tf.sub(y, x) : tf.sub(x, y);
  }

  /** The closer of two values elementwise: min for distances, max for similarities; NaN if either is NaN, as in torch. */
  smallestDist(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
    const closer = this.isInverted ? tf.maximum(x, y) : tf.minimum(x, y);
    // The wasm backend's minimum/maximum return the first argument when only the second is NaN.
    const eitherNaN = noGradient((a, b) => tf.logicalOr(tf.isNaN(a), tf.isNaN(b)), x, y);
    return tf.where(eitherNaN, tf.add(x, y), closer);
  }

  /** Same as `margin` on plain numbers, for code that works on downloaded matrices. */
  marginOf(x: number, y: number): number {
    return this.isInverted ? y - x : x - y;
  }

  /** `ref === null` means the reference is the query itself. */
  protected abstract computeMatrix(query: tf.Tensor2D, ref: tf.Tensor2D | null): tf.Tensor2D;

  protected raise(mat: tf.Tensor2D): tf.Tensor2D {
    return tf.pow(mat, this.power);
  }
}
