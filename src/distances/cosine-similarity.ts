import type { BaseDistanceOptions } from './base-distance.js';
import { DotProductSimilarity } from './dot-product-similarity.js';

/**
 * The cosine of the angle between rows: the dot product of L2-normalized rows, in [-1, 1].
 * A similarity: `isInverted` is true.
 *
 * Options (PML's names and defaults): `normalizeEmbeddings = true`, `power = 1`.
 *
 * @example
 * const cos = new dm.CosineSimilarity();
 * const mat = cos.pairwise(embeddings);              // n x n, 1 on the diagonal
 */
export class CosineSimilarity extends DotProductSimilarity {
  constructor(options: BaseDistanceOptions = {}) {
    super(options, true);
  }
}
