import { invalidArgument } from '../errors.js';
import type { Random } from '../random.js';

/**
 * `k` distinct integers drawn uniformly from [0, n), in random order: the first `k` swaps of a
 * Fisher-Yates shuffle of 0..n-1. Only the swapped places are stored, so a draw costs O(k) and not
 * O(n) (a few samples from a large class).
 *
 * @example
 * sampleWithoutReplacement(10, 3, new dm.Random(0));   // e.g. Int32Array [7, 2, 9]
 */
export function sampleWithoutReplacement(n: number, k: number, rng: Random): Int32Array {
  if (!(Number.isInteger(n) && n >= 0)) {
    throw invalidArgument(`Argument \`n\` must be an integer >= 0. Received: n=${String(n)}`);
  }
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) {
    throw invalidArgument(`Argument \`k\` must be an integer in [0, n=${n}]. Received: k=${String(k)}`);
  }
  const moved = new Map<number, number>();
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const atJ = moved.get(j) ?? j;
    moved.set(j, moved.get(i) ?? i);
    out[i] = atJ;
  }
  return out;
}
