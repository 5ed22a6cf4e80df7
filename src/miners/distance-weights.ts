/**
 * The negative-sampling probabilities of distance-weighted sampling (Wu et al. 2017, "Sampling
 * Matters in Deep Embedding Learning", section 4), as PML's DistanceWeightedMiner computes them.
 * On the unit hypersphere in `dim` dimensions, pairwise distances have density
 * `q(d) ∝ d^(dim-2) (1 - d²/4)^((dim-3)/2)`; sampling negatives with weight `1/q(d)` spreads them
 * over all distances instead of the mass near sqrt(2). With `d' = max(d, cutoff)`:
 *
 *   log w(a,n) = (2 - dim) ln d' - ((dim - 3)/2) ln(1 - d'²/4)
 *
 * and `w(a,n)` is 0 when n has a's label, when `d' >= nonzeroLossCutoff` (such a negative gives
 * no loss), or when the log-weight is infinite or NaN (d' = 2, or NaN distances). Each row is
 * normalized to sum to 1; a row with no eligible negative is all 0.
 *
 * Computed in float64 with the largest log-weight of each row subtracted before `exp`. PML
 * subtracts one maximum over the whole float32 matrix, so that in high dimensions whole rows can
 * underflow to 0 and their anchors are dropped; the normalized weights are otherwise the same.
 *
 * @param matrix n x n Euclidean distances between L2-normalized rows, row-major.
 * @returns n x n row-normalized weights, row-major.
 *
 * @example
 * const w = distanceWeights(distances, labels, 128, { cutoff: 0.5, nonzeroLossCutoff: 1.4 });
 */
export function distanceWeights(
  matrix: ArrayLike<number>,
  labels: Int32Array,
  dim: number,
  options: { cutoff: number; nonzeroLossCutoff: number },
): Float64Array {
  const n = labels.length;
  // PML compares and clamps float32 tensors with Python floats, in float32.
  const cutoff = Math.fround(options.cutoff);
  const nonzero = Math.fround(options.nonzeroLossCutoff);
  const weights = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      const d = Math.max(matrix[row + j], cutoff);
      const logW = (2 - dim) * Math.log(d) - ((dim - 3) / 2) * Math.log(1 - 0.25 * d * d);
      const eligible = labels[j] !== labels[i] && d < nonzero && Number.isFinite(logW);
      weights[row + j] = eligible ? logW : NaN;
      if (eligible && logW > max) max = logW;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const logW = weights[row + j];
      const w = Number.isNaN(logW) ? 0 : Math.exp(logW - max);
      weights[row + j] = w;
      sum += w;
    }
    if (sum > 0) for (let j = 0; j < n; j++) weights[row + j] /= sum;
  }
  return weights;
}
