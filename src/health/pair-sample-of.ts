import type { PairSample, SeparationStandardErrors } from './health-metrics.js';
import type { SeparationRowTerms } from './separation-accumulator.js';

/**
 * What a measurement on a sample of rows states about itself: its size, of how many rows, its seed,
 * and the standard errors of its means over the pairs and triplets of the m sampled rows.
 *
 * Each mean is a ratio of U-statistics, sum over tuples / count of tuples. To first order it moves
 * by the sum of its rows' influences L_i = r (N_i - estimate D_i) / sum(D), where N_i and D_i are
 * row i's shares of the sum and the count (any fixed multiple of them) and r the rows per tuple (2
 * for a pair, 3 for a triplet); its standard error is then sqrt(m) sd(L). For the mean distance
 * that is 2 sd(row means) / sqrt(m). `embeddingHealth` and `StreamingHealth` report it alike.
 *
 * @example
 * const sample = pairSampleOf(pairs.rowMeans, { terms, inverted: false }, rows, seed);
 */
export function pairSampleOf(
  rowMeans: { raw: Float64Array; normalized: Float64Array },
  separation: { terms: SeparationRowTerms; inverted: boolean } | null,
  of: number,
  seed: number,
): PairSample {
  const m = rowMeans.raw.length;
  const ones = new Float64Array(m).fill(1);
  return {
    rows: m,
    of,
    seed,
    standardErrors: {
      meanDistance: standardError(influence(rowMeans.raw, ones, 2)),
      meanNormalizedDistance: standardError(influence(rowMeans.normalized, ones, 2)),
      separation: separation === null ? null : separationErrors(separation.terms, separation.inverted),
    },
  };
}

function separationErrors(terms: SeparationRowTerms, inverted: boolean): SeparationStandardErrors {
  const positive = influence(terms.positiveSum, terms.positiveCount, 2);
  const negative = influence(terms.negativeSum, terms.negativeCount, 2);
  // gap is meanNegative - meanPositive (the reverse for a similarity): its influence is the difference's.
  const sign = inverted ? -1 : 1;
  return {
    meanPositive: standardError(positive),
    meanNegative: standardError(negative),
    gap: standardError(negative.map((v, i) => sign * (v - positive[i]))),
    violationFraction: standardError(influence(terms.violations, terms.triplets, 3)),
  };
}

/** Each row's first-order influence on sum(numerator) / sum(denominator), a mean over tuples of `rowsPerTuple` rows. */
function influence(numerator: Float64Array, denominator: Float64Array, rowsPerTuple: number): Float64Array {
  const count = sum(denominator);
  const estimate = sum(numerator) / count;
  return numerator.map((v, i) => (rowsPerTuple * (v - estimate * denominator[i])) / count);
}

/** sqrt(m) times the sample standard deviation of the m influences. */
function standardError(influences: Float64Array): number {
  const m = influences.length;
  const average = sum(influences) / m;
  let variance = 0;
  for (const v of influences) variance += (v - average) ** 2;
  return Math.sqrt((m * variance) / (m - 1));
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
