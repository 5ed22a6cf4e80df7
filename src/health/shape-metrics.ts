import type { ShapeMetrics } from './health-metrics.js';
import { effectiveRank } from './effective-rank.js';
import { symmetricEigen } from '../linalg/index.js';

/**
 * The shape metrics of L2-normalized rows from their mean and unbiased covariance (dim x dim,
 * float64): RankMe's effective rank of Z^T Z = (rows - 1) C + rows mu mu^T (not centered, rebuilt
 * in float64 from the centered covariance: no cancellation), the first principal component's share
 * of tr C, the dead dimensions C_kk <= deadTolerance, and the spectrum of C. The same computation
 * as `embeddingHealth`'s, for moments that were summed elsewhere (chunks, shards).
 *
 * @example
 * const shape = shapeMetrics(sums.mean, sums.covariance(), sums.count, 128, 1e-8);
 */
export function shapeMetrics(
  mean: Float64Array,
  covariance: Float64Array,
  rows: number,
  dim: number,
  deadTolerance: number,
): ShapeMetrics {
  const spectrum = Array.from(symmetricEigen(covariance, dim).values, (v) => Math.max(v, 0));
  const total = spectrum.reduce((s, v) => s + v, 0);
  const gram = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) gram[a * dim + b] = (rows - 1) * covariance[a * dim + b] + rows * mean[a] * mean[b];
  }
  const singular = Array.from(symmetricEigen(gram, dim).values, (v) => Math.sqrt(Math.max(v, 0)));
  const indices: number[] = [];
  for (let k = 0; k < dim; k++) if (covariance[k * dim + k] <= deadTolerance) indices.push(k);
  return {
    effectiveRank: effectiveRank(singular),
    // No variance at all is the end of the scale where everything lies in one direction.
    firstComponentShare: total > 0 ? spectrum[0] / total : 1,
    deadDimensions: { count: indices.length, indices },
    spectrum,
  };
}
