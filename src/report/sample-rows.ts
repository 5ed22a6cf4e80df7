import type { Random } from '../random.js';

/**
 * `count` of the rows 0..n-1 drawn without replacement by `rng`, in increasing order; every row
 * when there are no more than `count`. A report's charts show such a sample of a large set.
 *
 * @example
 * const rows = sampleRows(test.labels.length, 2000, new Random(seed));
 */
export function sampleRows(n: number, count: number, rng: Random): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= count) return all;
  return rng
    .shuffle(all)
    .slice(0, count)
    .sort((a, b) => a - b);
}
