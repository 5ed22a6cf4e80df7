import type { tf } from '../tf.js';
import {
  buildVectorIndex,
  resolveIndexSettings,
  searchVectorIndex,
  type VectorIndexSettings,
} from './build-vector-index.js';
import type { NeighbourChunk, NeighbourSearch } from './neighbour-chunks.js';
import type { BaseDistance } from '../distances/index.js';
import { vectorIndexMetric } from './vector-index-metric.js';
import { withoutSelf } from './without-self.js';

/** Query rows per index search: bounds the result arrays (rows x (k + 1)) whatever the query count. */
const SEARCH_ROWS = 8192;

/**
 * Candidates searched beyond the k (+ 1) kept, so that references tied at the k-th distance are
 * ordered by index, as exact search orders them, before the list is cut: a tie group straddling
 * the cut is otherwise cut wherever the graph search happened to meet its members.
 */
const TIE_MARGIN = 8;

/**
 * Approximate k-NN with the same contract as `forEachNeighbourChunk`: the references go into a
 * USearch HNSW index (the distance's metric, see `vectorIndexMetric`), the queries are searched in
 * chunks, and each chunk's neighbours are given nearest first with ties ordered by the lower
 * reference index; with `excludeSelf`, k + 1 are searched and the query's own row removed, or the
 * last one when it is not among them, as exact search does. A query for which the graph yields
 * fewer than k neighbours gets index -1 (distance NaN) in the missing places: no label matches it.
 *
 * @example
 * forEachApproximateNeighbourChunk(search, { expansionSearch: 256 }, (chunk) => use(chunk.indices));
 */
export function forEachApproximateNeighbourChunk(
  search: NeighbourSearch,
  settings: VectorIndexSettings,
  visit: (chunk: NeighbourChunk) => void,
): void {
  const { query, reference, k, distance, excludeSelf, withDistances } = search;
  const metric = vectorIndexMetric(distance);
  const resolved = resolveIndexSettings(settings);
  const taken = excludeSelf ? k + 1 : k;
  const [numReferences, dim] = reference.shape;
  const referenceRows = rowsFor(reference, distance);
  const queryRows = query === reference ? referenceRows : rowsFor(query, distance);
  const wanted = Math.min(numReferences, taken + TIE_MARGIN);
  const index = buildVectorIndex(referenceRows, numReferences, dim, metric, {
    ...resolved,
    expansionSearch: Math.max(resolved.expansionSearch, wanted),
  });
  const numQueries = query.shape[0];
  const batchSize = search.batchSize ?? SEARCH_ROWS;
  for (let start = 0; start < numQueries; start += batchSize) {
    const rows = Math.min(batchSize, numQueries - start);
    const found = searchVectorIndex(
      index,
      queryRows.subarray(start * dim, (start + rows) * dim),
      rows,
      wanted,
      resolved.threads,
    );
    orderTies(found.keys, found.distances, rows, wanted);
    const indices = new Int32Array(rows * k);
    const raw = withDistances ? new Float32Array(rows * k) : null;
    for (let r = 0; r < rows; r++) {
      if (excludeSelf) {
        withoutSelf(found.keys, found.distances, r * wanted, taken, start + r, indices, raw, r * k);
      } else {
        indices.set(found.keys.subarray(r * wanted, r * wanted + k), r * k);
        raw?.set(found.distances.subarray(r * wanted, r * wanted + k), r * k);
      }
    }
    const distances =
      raw === null ? new Float32Array(0) : raw.map((d) => (Number.isNaN(d) ? NaN : metric.toDistance(d)));
    visit({ start, rows, k, indices, distances });
  }
}

/** The rows as the distance sees them (normalized when it normalizes), row-major float32, downloaded. */
export function rowsFor(x: tf.Tensor2D, distance: BaseDistance): Float32Array {
  if (!distance.normalizeEmbeddings) return x.dataSync() as Float32Array;
  const normalized = distance.maybeNormalize(x);
  try {
    return normalized.dataSync() as Float32Array;
  } finally {
    normalized.dispose();
  }
}

/** Within each row's candidates (sorted by distance), equal distances ordered by lower index, as exact search orders them. */
function orderTies(keys: Int32Array, distances: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const from = r * width;
    let j = 0;
    while (j < width) {
      let end = j + 1;
      while (end < width && distances[from + end] === distances[from + j]) end++;
      if (end - j > 1) keys.subarray(from + j, from + end).sort();
      j = end;
    }
  }
}
