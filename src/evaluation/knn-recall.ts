import { tf } from '../tf.js';
import { Random } from '../random.js';
import { forEachNeighbourChunk, type NeighbourSearch } from './neighbour-chunks.js';
import { withoutSelf } from './without-self.js';
import { sampleWithoutReplacement } from '../samplers/index.js';

/**
 * recall@k of approximate neighbours against exact ones: for each row, the share of its exact k
 * nearest that the approximate list holds, averaged over rows. A neighbour at the same distance as
 * an exact one but with another index counts as missed (an exact tie broken the other way), so the
 * estimate errs low.
 *
 * @example
 * knnRecall(approximate.indices, exact.indices, 10); // 0.98
 */
export function knnRecall(approximate: Int32Array, exact: Int32Array, k: number): number {
  const rows = exact.length / k;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const want = new Set(exact.subarray(r * k, (r + 1) * k));
    let hits = 0;
    for (let j = 0; j < k; j++) if (want.has(approximate[r * k + j])) hits++;
    sum += hits / k;
  }
  return rows === 0 ? NaN : sum / rows;
}

/**
 * `count` distinct row numbers of `0 .. n - 1` (all of them when count >= n), drawn with `seed`,
 * in increasing order.
 *
 * @example
 * sampleRows(100000, 1000, 0); // Int32Array of 1000 sorted row numbers
 */
export function sampleRows(n: number, count: number, seed: number): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return sampleWithoutReplacement(n, count, new Random(seed)).sort();
}

/**
 * The exact k nearest references of the query rows `rows` (row-major, one list per sampled row),
 * with the search's self exclusion (query row i is reference row i) and tie order.
 *
 * @example
 * const exact = exactNeighboursOf(search, sampleRows(n, 1000, 0));
 */
export function exactNeighboursOf(search: NeighbourSearch, rows: Int32Array): Int32Array {
  const { k, excludeSelf } = search;
  const taken = excludeSelf ? k + 1 : k;
  const out = new Int32Array(rows.length * k);
  const picked = tf.tidy(() => tf.gather(search.query, rows) as tf.Tensor2D);
  try {
    forEachNeighbourChunk({ ...search, query: picked, k: taken, excludeSelf: false, withDistances: false }, (chunk) => {
      for (let r = 0; r < chunk.rows; r++) {
        const s = chunk.start + r;
        if (excludeSelf) withoutSelf(chunk.indices, null, r * taken, taken, rows[s], out, null, s * k);
        else out.set(chunk.indices.subarray(r * k, (r + 1) * k), s * k);
      }
    });
  } finally {
    picked.dispose();
  }
  return out;
}
