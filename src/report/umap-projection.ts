import { UMAP } from 'umap-js';
import { checkEmbeddings } from '../checks.js';
import { invalidArgument } from '../errors.js';
import type { Random } from '../random.js';
import type { tf } from '../tf.js';
import type { Projection2D } from './pca-projection.js';

export interface UmapProjectionOptions {
  /** The generator umap-js draws from (its default is Math.random), so a map is reproducible. */
  rng: Random;
  /** Neighbours of the k-NN graph. Default 15 (umap-learn's), at most n - 1. */
  nNeighbors?: number;
  /** Smallest distance between points of the map. Default 0.1 (umap-learn's). */
  minDist?: number;
}

/**
 * A 2-D UMAP map of the rows (McInnes, Healy & Melville 2018) by umap-js, seeded from `rng`:
 * the same rows and seed give the same map. Unlike PCA it keeps local neighbourhoods (classes show
 * as islands) but distances between islands mean little.
 *
 * @example
 * const { xy } = umapProjection(embeddings, { rng: new Random(0) });
 */
export function umapProjection(x: tf.Tensor2D, options: UmapProjectionOptions): Projection2D {
  checkEmbeddings(x, 'x');
  const [n, d] = x.shape;
  if (n < 3) throw invalidArgument(`Argument \`x\` must have at least 3 rows for UMAP. Received: ${n} rows`);
  const nNeighbors = Math.min(options.nNeighbors ?? 15, n - 1);
  if (!(Number.isInteger(nNeighbors) && nNeighbors >= 2)) {
    throw invalidArgument(
      `Option \`nNeighbors\` must be an integer >= 2. Received: nNeighbors=${String(options.nNeighbors)}`,
    );
  }
  const data = x.dataSync();
  const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: options.minDist ?? 0.1,
    random: () => options.rng.float(),
  });
  const points = umap.fit(rows);
  const xy = new Float64Array(2 * n);
  points.forEach(([a, b], i) => {
    xy[2 * i] = a;
    xy[2 * i + 1] = b;
  });
  return { xy, explained: null };
}
