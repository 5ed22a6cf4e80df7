import { invalidArgument } from '../errors.js';
import { BaseDistance, DotProductSimilarity, LpDistance } from '../distances/index.js';

/** How a deepmetric distance maps onto a USearch index metric. */
export interface VectorIndexMetric {
  /** USearch's metric: squared Euclidean, or inner product (`1 - x.y`). */
  metric: 'l2sq' | 'ip';
  /** L2-normalize rows before adding or searching them (the distance's `normalizeEmbeddings`). */
  normalize: boolean;
  /** The deepmetric distance (or similarity) of a USearch distance. */
  toDistance(indexDistance: number): number;
  /** E.g. `Euclidean on L2-normalized rows`, for manifests and messages. */
  description: string;
}

/**
 * The USearch metric that ranks neighbours exactly as `distance` does:
 *
 * - `LpDistance` with p = 2 (any power, normalized or not) -> `l2sq` (squared Euclidean); the
 *   distance is `sqrt(d)^power`. Powers are monotone, so the order is the distance's order.
 * - `DotProductSimilarity` / `CosineSimilarity` with power 1 -> `ip` on the rows (normalized for
 *   cosine); USearch gives `1 - x.y`, the similarity is `1 - d`.
 *
 * Other distances (p != 2, similarities raised to a power, whose order flips for negative values)
 * have no index metric: an `invalid-argument` error says to use exact search.
 *
 * @example
 * vectorIndexMetric(new LpDistance()); // { metric: 'l2sq', normalize: true, ... }
 */
export function vectorIndexMetric(distance: BaseDistance): VectorIndexMetric {
  const normalize = distance.normalizeEmbeddings;
  const rows = normalize ? ' on L2-normalized rows' : '';
  if (distance instanceof LpDistance && distance.p === 2) {
    const power = distance.power;
    return {
      metric: 'l2sq',
      normalize,
      toDistance: (d) => {
        const squared = Math.max(d, 0);
        if (power === 2) return squared;
        const root = Math.fround(Math.sqrt(squared));
        return power === 1 ? root : Math.fround(root ** power);
      },
      description: `${power === 2 ? 'squared Euclidean' : power === 1 ? 'Euclidean' : `Euclidean to the power ${power}`}${rows}`,
    };
  }
  if (distance instanceof DotProductSimilarity && distance.power === 1) {
    return {
      metric: 'ip',
      normalize,
      toDistance: (d) => Math.fround(1 - d),
      description: normalize ? 'cosine similarity (inner product of L2-normalized rows)' : 'inner product',
    };
  }
  throw invalidArgument(
    `Approximate k-NN supports Euclidean (LpDistance with p = 2, any power), cosine and dot-product similarity with power 1. Received: ${distance.constructor.name} with p=${distance instanceof LpDistance ? distance.p : 'n/a'}, power=${distance.power}; use knn: 'exact' for it`,
  );
}
