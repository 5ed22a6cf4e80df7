import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { knn } from '../evaluation/index.js';
import type { Random } from '../random.js';

/** A query row and its nearest other rows, nearest first. */
export interface NeighbourRow {
  query: number;
  neighbours: number[];
}

export interface NearestNeighbourRowsOptions {
  /** How many queries: one per class, for the classes with the lowest ids. Default 8. */
  queries?: number;
  /** Neighbours per query. Default 8. */
  k?: number;
  /** Picks each query among its class's rows. */
  rng: Random;
}

/**
 * Queries for the report's image grid and their k nearest neighbours among all the other rows
 * (exact k-NN, unnormalized Euclidean as the retrieval metrics use): one query per class, drawn at
 * random within the class, for up to `queries` classes.
 *
 * @example
 * const grid = nearestNeighbourRows(embeddings, test.labels, { rng: new Random(0) });
 * grid[0].neighbours;   // the 8 rows nearest to the first query
 */
export function nearestNeighbourRows(
  embeddings: tf.Tensor2D,
  labels: ArrayLike<number>,
  options: NearestNeighbourRowsOptions,
): NeighbourRow[] {
  checkEmbeddings(embeddings);
  const n = embeddings.shape[0];
  const y = checkLabels(labels, n);
  const { queries = 8, k = 8, rng } = options;
  if (!(Number.isInteger(queries) && queries >= 1)) {
    throw invalidArgument(`Option \`queries\` must be an integer >= 1. Received: queries=${String(queries)}`);
  }
  if (!(Number.isInteger(k) && k >= 1 && k < n)) {
    throw invalidArgument(
      `Option \`k\` must be an integer in [1, ${n - 1}] (the other rows). Received: k=${String(k)}`,
    );
  }
  const byClass = new Map<number, number[]>();
  y.forEach((label, i) => {
    const rows = byClass.get(label);
    if (rows) rows.push(i);
    else byClass.set(label, [i]);
  });
  const picked = [...byClass.keys()]
    .sort((a, b) => a - b)
    .slice(0, queries)
    .map((label) => {
      const rows = byClass.get(label) as number[];
      return rows[rng.int(rows.length)];
    });
  // One neighbour more than asked, since the query finds itself among the references.
  const query = tf.gather(embeddings, Int32Array.from(picked)) as tf.Tensor2D;
  let found: ReturnType<typeof knn>;
  try {
    found = knn({ query, reference: embeddings, k: k + 1, excludeSelf: false });
  } finally {
    query.dispose();
  }
  return picked.map((q, i) => {
    const row = Array.from(found.indices.subarray(i * (k + 1), (i + 1) * (k + 1)));
    const own = row.indexOf(q);
    // Exact duplicates can rank the query's own row after its twin, or past k + 1: drop it or the last.
    row.splice(own >= 0 ? own : k, 1);
    return { query: q, neighbours: row };
  });
}
