import { tf } from '../tf.js';
import { checkEmbeddings } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { BaseDistance, LpDistance } from '../distances/index.js';
import { checkFinite } from './check-finite.js';
import { makeRanking } from './ranking.js';

/**
 * A query chunk's largest intermediate holds at most this many entries (unless one query row alone
 * needs more), so that memory stays bounded (32 MB per float32 matrix) whatever the set sizes:
 * 838 query rows against 10,000 references, 139 against 60,000. Smaller chunks re-read the whole
 * reference more often and run slower.
 */
export const CHUNK_ENTRIES = 1 << 23;

/** The k nearest references of the query rows `start .. start + rows - 1`, row-major, nearest first. */
export interface NeighbourChunk {
  start: number;
  rows: number;
  k: number;
  indices: Int32Array;
  /** Aligned with `indices`; empty when the search asked for indices only. */
  distances: Float32Array;
}

export interface NeighbourSearch {
  query: tf.Tensor2D;
  reference: tf.Tensor2D;
  k: number;
  distance: BaseDistance;
  excludeSelf: boolean;
  /** Query rows per chunk; undefined: as many as keep a chunk under CHUNK_ENTRIES. */
  batchSize: number | undefined;
  /** Download and convert the neighbours' distances too (retrieval metrics need only indices). */
  withDistances: boolean;
}

/**
 * The default distance of k-NN evaluation, as the oracle's AccuracyCalculator cases use it: plain Euclidean.
 *
 * @example
 * const distance = options.distance ?? defaultKnnDistance();
 */
export function defaultKnnDistance(): BaseDistance {
  return new LpDistance({ normalizeEmbeddings: false });
}

/**
 * Checks the tensors, distance and batch size of a search (k is checked by the caller, which knows its meaning).
 *
 * @example
 * checkSearchInputs(query, reference, distance, batchSize); // throws invalidArgument naming what is wrong
 */
export function checkSearchInputs(
  query: tf.Tensor2D,
  reference: tf.Tensor2D | undefined,
  distance: unknown,
  batchSize: unknown,
): void {
  checkEmbeddings(query, 'query');
  if (reference !== undefined) {
    checkEmbeddings(reference, 'reference');
    if (reference.shape[1] !== query.shape[1]) {
      throw invalidArgument(
        `Arguments \`query\` and \`reference\` must have the same number of columns. Received: ${query.shape[1]} and ${reference.shape[1]}`,
      );
    }
  }
  if (!(distance instanceof BaseDistance)) {
    throw invalidArgument(
      `Option \`distance\` must be a deepmetric distance (LpDistance, CosineSimilarity, DotProductSimilarity). Received: ${String(distance)}`,
    );
  }
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && (batchSize as number) >= 1)) {
    throw invalidArgument(`Option \`batchSize\` must be an integer >= 1. Received: batchSize=${String(batchSize)}`);
  }
  checkFinite(query, 'query');
  if (reference !== undefined && reference !== query) checkFinite(reference, 'reference');
}

/**
 * Query rows per chunk when the user gave none: as many as keep a chunk under CHUNK_ENTRIES.
 *
 * @param entriesPerQuery the largest intermediate per query row (`Ranking.entriesPerQuery`)
 * @example
 * defaultBatchSize(60000, 60000); // 139
 */
export function defaultBatchSize(numQueries: number, entriesPerQuery: number): number {
  return Math.max(1, Math.min(numQueries, Math.floor(CHUNK_ENTRIES / entriesPerQuery)));
}

/**
 * Exact k-NN, one query chunk at a time: the scores of a chunk against every reference stay on the
 * backend, `tf.topk` picks the neighbours there, and only k indices and scores per row are downloaded.
 * With `excludeSelf`, query row i is reference row i: k + 1 neighbours are taken and row i removed
 * from them, or, when row i is not among them (exact duplicates can push it out), the last one is
 * dropped instead, which is what PML does. Ties are ordered by lower reference index first.
 * The search is assumed validated (`checkSearchInputs`).
 *
 * @example
 * forEachNeighbourChunk({ query, reference, k: 5, distance, excludeSelf: false, batchSize: undefined, withDistances: true },
 *   (chunk) => console.log(chunk.start, chunk.indices.slice(0, 5)));
 */
export function forEachNeighbourChunk(search: NeighbourSearch, visit: (chunk: NeighbourChunk) => void): void {
  const { query, reference, k, distance, excludeSelf, withDistances } = search;
  const [numQueries, dim] = query.shape;
  const taken = excludeSelf ? k + 1 : k;
  const ranking = makeRanking(distance, reference);
  const batchSize = search.batchSize ?? defaultBatchSize(numQueries, ranking.entriesPerQuery);
  try {
    for (let start = 0; start < numQueries; start += batchSize) {
      const rows = Math.min(batchSize, numQueries - start);
      const top = tf.tidy(() => {
        const { scores, rowTerms } = ranking.chunk(tf.slice(query, [start, 0], [rows, dim]));
        const { values, indices } = tf.topk(scores, taken, true);
        return { values, indices, rowTerms };
      });
      let indexData: Int32Array;
      let scoreData: Float32Array | null = null;
      let termData: Float32Array | null = null;
      try {
        indexData = top.indices.dataSync() as Int32Array;
        if (withDistances) {
          scoreData = top.values.dataSync() as Float32Array;
          if (top.rowTerms !== undefined) termData = top.rowTerms.dataSync() as Float32Array;
        }
      } finally {
        tf.dispose(top);
      }
      const indices = new Int32Array(rows * k);
      const distances = new Float32Array(scoreData === null ? 0 : rows * k);
      for (let r = 0; r < rows; r++) {
        const from = r * taken;
        const self = excludeSelf ? findSelf(indexData, from, taken, start + r) : -1;
        const term = termData === null ? 0 : termData[r];
        let out = r * k;
        for (let j = 0; j < taken && out < (r + 1) * k; j++) {
          if (j === self) continue;
          indices[out] = indexData[from + j];
          if (scoreData !== null) distances[out] = ranking.toDistance(scoreData[from + j], term);
          out++;
        }
      }
      visit({ start, rows, k, indices, distances });
    }
  } finally {
    ranking.dispose();
  }
}

/** Position of `self` among the `count` indices starting at `from`, or `count - 1` (drop the last) when absent. */
function findSelf(indices: Int32Array, from: number, count: number, self: number): number {
  for (let j = 0; j < count; j++) if (indices[from + j] === self) return j;
  return count - 1;
}
