import type { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/index.js';
import { checkSearchInputs, defaultKnnDistance } from './neighbour-chunks.js';
import { checkKnnMethod, forEachNeighbours, type KnnMethod } from './knn-method.js';
import type { VectorIndexSettings } from './build-vector-index.js';

export interface KnnOptions {
  /** The rows whose neighbours are wanted (n x d). */
  query: tf.Tensor2D;
  /** The rows to search (m x d). Default: `query` itself (with `excludeSelf` then defaulting to true). */
  reference?: tf.Tensor2D;
  /** How many neighbours per query row: 1 <= k <= m (m - 1 with `excludeSelf`). */
  k: number;
  /** Default: Euclidean without normalization, `new LpDistance({ normalizeEmbeddings: false })`. */
  distance?: BaseDistance;
  /**
   * Query row i is reference row i and is not its own neighbour (PML's `ref_includes_query`).
   * Default: true when `reference` is omitted, else false.
   */
  excludeSelf?: boolean;
  /** Query rows per chunk. Default: as many as keep a chunk's largest intermediate under 2^23 entries. */
  batchSize?: number;
  /**
   * `'exact'` (default): every pair is compared. `'approximate'`: a USearch HNSW index of the
   * references is searched (Node only, `usearch` package); a query whose graph search finds fewer
   * than k neighbours gets index -1 in the missing places.
   */
  search?: KnnMethod;
  /** The HNSW settings of the approximate search (`connectivity`, `expansionAdd`, `expansionSearch`, `threads`). */
  index?: VectorIndexSettings;
}

export interface KnnResult {
  /** n x k reference row indices, row-major, nearest first; ties go to the lower index. */
  indices: Int32Array;
  /** n x k distances (or similarities, for `isInverted` distances) aligned with `indices`. */
  distances: Float32Array;
  k: number;
}

/**
 * Exact k nearest neighbours of every query row among the reference rows, under `distance`
 * (nearest = smallest distance, or largest similarity when `distance.isInverted`).
 *
 * The queries go in chunks of `batchSize` rows: a chunk's scores against all references stay on the
 * backend, `tf.topk` picks the k best there, and only those k indices and values per row are
 * downloaded, so memory stays bounded for 60,000 x 60,000. Euclidean, cosine and dot-product
 * rankings run as one matrix product per chunk against a reference prepared once; other distances
 * go through `distance.pairwise`.
 *
 * With `excludeSelf`, k + 1 neighbours are searched and the query's own row removed, or the last one
 * when exact duplicates pushed the own row out (PML's CustomKNN). Ties are broken by the lower
 * reference index (torch's topk leaves their order unspecified).
 *
 * With `search: 'approximate'` the same contract holds on the neighbours an HNSW index finds
 * (`forEachApproximateNeighbourChunk`); `knnRecall` measures how many of the exact ones they are.
 *
 * @example
 * const { indices, distances } = dm.knn({ query, reference, k: 5 });
 * indices[i * 5]; // the nearest reference row of query row i
 */
export function knn(options: KnnOptions): KnnResult {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument(`Argument \`options\` must be an object. Received: ${String(options)}`);
  }
  const { query, reference, k, batchSize } = options;
  const distance = options.distance ?? defaultKnnDistance();
  const excludeSelf = options.excludeSelf ?? reference === undefined;
  if (typeof excludeSelf !== 'boolean') {
    throw invalidArgument(`Option \`excludeSelf\` must be a boolean. Received: excludeSelf=${String(excludeSelf)}`);
  }
  const method = checkKnnMethod(options.search ?? 'exact', 'search');
  checkSearchInputs(query, reference, distance, batchSize);
  const ref = reference ?? query;
  const numQueries = query.shape[0];
  const numReferences = ref.shape[0];
  if (excludeSelf && numQueries > numReferences) {
    throw invalidArgument(
      `Option \`excludeSelf\` needs the query rows to be the first rows of \`reference\`, but there are more queries (${numQueries}) than references (${numReferences})`,
    );
  }
  const maxK = numReferences - (excludeSelf ? 1 : 0);
  if (!(Number.isInteger(k) && k >= 1 && k <= maxK)) {
    throw invalidArgument(
      `Option \`k\` must be an integer in [1, ${maxK}] (the number of references${excludeSelf ? ' minus the query itself' : ''}). Received: k=${String(k)}`,
    );
  }
  const indices = new Int32Array(numQueries * k);
  const distances = new Float32Array(numQueries * k);
  forEachNeighbours(
    method,
    options.index ?? {},
    {
      query,
      reference: ref,
      k,
      distance,
      excludeSelf,
      batchSize,
      withDistances: true,
    },
    (chunk) => {
      indices.set(chunk.indices, chunk.start * k);
      distances.set(chunk.distances, chunk.start * k);
    },
  );
  return { indices, distances, k };
}
