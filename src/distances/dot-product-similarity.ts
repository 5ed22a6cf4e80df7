import { tf } from '../tf.js';
import { BaseDistance, type BaseDistanceOptions } from './base-distance.js';

/**
 * The dot product of rows: `s(x, y) = x . y`, raised to `power`. A similarity: `isInverted` is true.
 *
 * Options (PML's names and defaults): `normalizeEmbeddings = false`, `power = 1`.
 *
 * @example
 * const sim = new dm.DotProductSimilarity();
 * const mat = sim.pairwise(queries, references);     // n x m, larger is closer
 */
export class DotProductSimilarity extends BaseDistance {
  readonly isInverted: boolean = true;

  constructor(options: BaseDistanceOptions = {}, defaultNormalize = false) {
    super(options, defaultNormalize);
  }

  protected computeMatrix(query: tf.Tensor2D, ref: tf.Tensor2D | null): tf.Tensor2D {
    return tf.matMul(query, ref ?? query, false, true);
  }
}
