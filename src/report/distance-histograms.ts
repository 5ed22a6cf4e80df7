import { invalidArgument } from '../errors.js';
import type { PairDistances } from './pair-distances.js';

/** One bar of a pair-distance histogram, the rows the histogram chart draws. */
export interface HistogramBin {
  /** Which model measured the pairs: `start` (the untrained network) or `end` (the trained one). */
  phase: string;
  /** `d(a,p)` (same class) or `d(a,n)` (different classes). */
  pairs: 'd(a,p)' | 'd(a,n)';
  /** The bin is [x0, x1); the last bin is closed. */
  x0: number;
  x1: number;
  /** Share of that phase's pairs of that kind falling in the bin, so the two kinds compare despite unequal counts. */
  share: number;
}

/**
 * Histograms of positive and negative pair distances for each phase, on one set of `bins` equal
 * bins spanning every value of every phase (so start and end share an x axis). Each histogram is
 * normalized to shares summing to 1; a kind with no pair contributes no bins.
 *
 * @example
 * const bins = distanceHistograms([{ phase: 'start', distances: before }, { phase: 'end', distances: after }]);
 */
export function distanceHistograms(
  phases: Array<{ phase: string; distances: PairDistances }>,
  bins = 40,
): HistogramBin[] {
  if (!(Number.isInteger(bins) && bins >= 1)) {
    throw invalidArgument(`Argument \`bins\` must be an integer >= 1. Received: bins=${String(bins)}`);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const { distances } of phases) {
    for (const values of [distances.positive, distances.negative]) {
      for (const v of values) {
        if (!Number.isFinite(v)) {
          throw invalidArgument(`Argument \`phases\` must hold finite distances. Received: ${v}`);
        }
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (lo === Infinity) return [];
  // Every distance equal (a collapsed network) still gets one bin of visible width.
  const width = hi > lo ? (hi - lo) / bins : Math.max(Math.abs(lo), 1) * 1e-3;
  const out: HistogramBin[] = [];
  for (const { phase, distances } of phases) {
    for (const [pairs, values] of [
      ['d(a,p)', distances.positive],
      ['d(a,n)', distances.negative],
    ] as const) {
      if (values.length === 0) continue;
      const counts = new Float64Array(bins);
      for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
      counts.forEach((c, b) => {
        out.push({ phase, pairs, x0: lo + b * width, x1: lo + (b + 1) * width, share: c / values.length });
      });
    }
  }
  return out;
}
