import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/index.js';

/** Distances of every unordered pair of rows, split by whether the two rows share a label. */
export interface PairDistances {
  /** d(a, p): pairs with the same label. */
  positive: Float64Array;
  /** d(a, n): pairs with different labels. */
  negative: Float64Array;
}

/** Rows of the distance matrix downloaded at a time (2^22 entries per block at most). */
const BLOCK_ENTRIES = 2 ** 22;

/**
 * Every pair i < j of rows, measured with `distance` (the run's distance: what the loss saw) and
 * sorted into positive pairs (same label) and negative pairs (different labels). Exact, not sampled:
 * n (n - 1) / 2 values, so callers subsample the rows (1,000 rows give ~500,000 pairs). The matrix
 * is computed in row blocks on the backend, so memory stays bounded.
 *
 * @example
 * const { positive, negative } = pairDistances(embeddings, labels, new LpDistance());
 * // healthy training: positive distances end up well below negative ones
 */
export function pairDistances(
  embeddings: tf.Tensor2D,
  labels: ArrayLike<number>,
  distance: BaseDistance,
): PairDistances {
  checkEmbeddings(embeddings);
  const n = embeddings.shape[0];
  const y = checkLabels(labels, n);
  if (n < 2)
    throw invalidArgument(`Argument \`embeddings\` must have at least 2 rows to form a pair. Received: ${n} row`);
  let numPositive = 0;
  const counts = new Map<number, number>();
  for (const label of y) counts.set(label, (counts.get(label) ?? 0) + 1);
  for (const c of counts.values()) numPositive += (c * (c - 1)) / 2;
  const positive = new Float64Array(numPositive);
  const negative = new Float64Array((n * (n - 1)) / 2 - numPositive);
  let p = 0;
  let q = 0;
  const rows = Math.max(1, Math.floor(BLOCK_ENTRIES / n));
  for (let start = 0; start < n; start += rows) {
    const count = Math.min(rows, n - start);
    const block = tf.tidy(() => distance.pairwise(tf.slice(embeddings, [start, 0], [count, -1]), embeddings));
    const values = block.dataSync();
    block.dispose();
    for (let r = 0; r < count; r++) {
      const i = start + r;
      for (let j = i + 1; j < n; j++) {
        const v = values[r * n + j];
        if (y[i] === y[j]) positive[p++] = v;
        else negative[q++] = v;
      }
    }
  }
  return { positive, negative };
}
