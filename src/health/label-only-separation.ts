import type { SeparationMetrics } from './health-metrics.js';

/**
 * The separation numbers that labels alone give (pair and triplet counts from the class sizes),
 * the distances left NaN: what a set with non-finite values, or a partial state, still reports.
 *
 * @example
 * labelOnlySeparation(new Map([[0, 3], [1, 2]]), 5, 0.05).numTriplets; // 3*2*2 + 2*1*3 = 18
 */
export function labelOnlySeparation(sizes: ReadonlyMap<number, number>, n: number, margin: number): SeparationMetrics {
  let numPositivePairs = 0;
  let numNegativePairs = 0;
  let numTriplets = 0;
  for (const size of sizes.values()) {
    numPositivePairs += size * (size - 1);
    numNegativePairs += size * (n - size);
    numTriplets += size * (size - 1) * (n - size);
  }
  return {
    meanPositive: NaN,
    meanNegative: NaN,
    gap: NaN,
    violationFraction: NaN,
    margin,
    numPositivePairs,
    numNegativePairs,
    numTriplets,
    numViolations: NaN,
  };
}
