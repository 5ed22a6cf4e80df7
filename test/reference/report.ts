/** Plain-loop references for the report's computations, in doubles, independent of the library. */
import { Random } from '../../src/random.js';

/**
 * Counts of `values` in `bins` equal bins over [lo, hi], found by comparing each value with the
 * bin edges (the last bin closed), divided by the number of values.
 */
export function histogramShares(values: number[], lo: number, hi: number, bins: number): number[] {
  const edges = Array.from({ length: bins + 1 }, (_, b) => lo + ((hi - lo) * b) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    for (let b = 0; b < bins; b++) {
      const last = b === bins - 1;
      if (v >= edges[b] - 1e-12 && (v < edges[b + 1] - 1e-12 || last)) {
        counts[b]++;
        break;
      }
    }
  }
  return counts.map((c) => c / values.length);
}

/**
 * `k` orthonormal vectors of length `d` by Gram-Schmidt on seeded Gaussian vectors, after the
 * given orthonormal `start` vectors (which are returned first).
 */
export function orthonormalBasis(d: number, k: number, seed: number, start: number[][] = []): number[][] {
  const rng = new Random(seed);
  const basis: number[][] = start.map((v) => [...v]);
  while (basis.length < k) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (const b of basis) {
      const dot = v.reduce((s, x, i) => s + x * b[i], 0);
      for (let i = 0; i < d; i++) v[i] -= dot * b[i];
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    basis.push(v.map((x) => x / norm));
  }
  return basis;
}
