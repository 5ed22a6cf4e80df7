import { invalidArgument } from '../errors.js';
import { forEachApproximateNeighbourChunk } from './approximate-neighbour-chunks.js';
import type { VectorIndexSettings } from './build-vector-index.js';
import { forEachNeighbourChunk, type NeighbourChunk, type NeighbourSearch } from './neighbour-chunks.js';

/** How neighbours are found: comparing every pair, or searching a USearch HNSW index. */
export type KnnMethod = 'exact' | 'approximate';

export const KNN_METHODS: readonly KnnMethod[] = ['exact', 'approximate'];

/** `value` as a KnnMethod, or an `invalid-argument` error naming the option. */
export function checkKnnMethod(value: unknown, option: string): KnnMethod {
  if (value === 'exact' || value === 'approximate') return value;
  throw invalidArgument(`Option \`${option}\` must be 'exact' or 'approximate'. Received: ${option}=${String(value)}`);
}

/**
 * The neighbours of a search, chunk by chunk, by `method`; both follow the same self-exclusion and
 * tie rules (see `forEachNeighbourChunk`).
 *
 * @example
 * forEachNeighbours('approximate', {}, search, (chunk) => use(chunk.indices));
 */
export function forEachNeighbours(
  method: KnnMethod,
  settings: VectorIndexSettings,
  search: NeighbourSearch,
  visit: (chunk: NeighbourChunk) => void,
): void {
  switch (method) {
    case 'exact':
      return forEachNeighbourChunk(search, visit);
    case 'approximate':
      return forEachApproximateNeighbourChunk(search, settings, visit);
    default: {
      const never: never = method;
      throw invalidArgument(`Unknown k-NN method ${String(never)}`);
    }
  }
}
