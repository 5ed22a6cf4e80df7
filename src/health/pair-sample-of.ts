import type { PairSample } from './health-metrics.js';

/**
 * What a measurement on a sample of rows states about itself: its size, of how many rows, its seed,
 * and the standard errors of its mean distances, 2 sd of the row means / sqrt(m) (the standard
 * error of a mean over the pairs of m rows). `embeddingHealth` and `StreamingHealth` report it alike.
 *
 * @example
 * const sample = pairSampleOf(pairs.rowMeans, rows, seed);
 */
export function pairSampleOf(
  rowMeans: { raw: Float64Array; normalized: Float64Array },
  of: number,
  seed: number,
): PairSample {
  const standardError = (means: Float64Array) => {
    const m = means.length;
    let mean = 0;
    for (const v of means) mean += v;
    mean /= m;
    let variance = 0;
    for (const v of means) variance += (v - mean) ** 2;
    return (2 * Math.sqrt(variance / (m - 1))) / Math.sqrt(m);
  };
  return {
    rows: rowMeans.raw.length,
    of,
    seed,
    standardErrors: {
      meanDistance: standardError(rowMeans.raw),
      meanNormalizedDistance: standardError(rowMeans.normalized),
    },
  };
}
