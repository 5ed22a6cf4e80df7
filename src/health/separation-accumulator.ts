import type { SeparationMetrics } from './health-metrics.js';

/**
 * Collects the separation metrics from blocks of rows of the n x n distance matrix, so that a large
 * evaluation set never needs the whole matrix at once.
 *
 * Triplets are counted exactly: for an anchor with K - 1 positives and N negatives, the K - 1
 * thresholds d(a, p) + margin are sorted and each negative is placed among them by binary search,
 * O(n log K) per anchor instead of the O(K n) of enumerating every triplet.
 *
 * @example
 * const acc = new SeparationAccumulator(labels, distance.isInverted, 0.05);
 * acc.addRows(blockOfRows, start, rows); // for every block of the n x n matrix
 * acc.result().violationFraction;
 */
export class SeparationAccumulator {
  private positiveSum = 0;
  private negativeSum = 0;
  private numPositivePairs = 0;
  private numNegativePairs = 0;
  private numTriplets = 0;
  private numViolations = 0;
  private finite = true;
  private readonly thresholds: Float64Array;

  /**
   * @param inverted the distance is a similarity (larger is closer): the metric works on -s, for
   *   which the violation s(a, n) - s(a, p) + margin > 0 reads as for a distance.
   */
  constructor(
    private readonly labels: Int32Array,
    private readonly inverted: boolean,
    private readonly margin: number,
  ) {
    this.thresholds = new Float64Array(labels.length);
  }

  /** Adds anchors start .. start + rows - 1, whose distance rows are `block` (rows x n, row-major). */
  addRows(block: Float32Array, start: number, rows: number): void {
    const { labels, thresholds, margin } = this;
    const n = labels.length;
    const sign = this.inverted ? -1 : 1;
    // Locals in the hot loops, written back once: V8 keeps them in registers.
    let positiveSum = this.positiveSum;
    let negativeSum = this.negativeSum;
    let numPositivePairs = this.numPositivePairs;
    let numNegativePairs = this.numNegativePairs;
    let numTriplets = this.numTriplets;
    let numViolations = this.numViolations;
    for (let r = 0; r < rows; r++) {
      const a = start + r;
      const label = labels[a];
      const o = r * n;
      let k = 0;
      let negatives = 0;
      for (let j = 0; j < n; j++) {
        if (j === a) continue;
        const v = block[o + j];
        if (labels[j] === label) {
          positiveSum += v;
          thresholds[k++] = sign * v + margin;
        } else {
          negativeSum += v;
          negatives++;
        }
      }
      numPositivePairs += k;
      numNegativePairs += negatives;
      numTriplets += k * negatives;
      if (k === 0 || negatives === 0) continue;
      const sorted = thresholds.subarray(0, k).sort();
      for (let j = 0; j < n; j++) {
        if (labels[j] === label) continue;
        // The triplet (a, p, j) is violated when d(a, j) < d(a, p) + margin: count thresholds above d(a, j).
        numViolations += k - countAtMost(sorted, sign * block[o + j]);
      }
    }
    // A NaN or an infinite distance makes its sum non-finite (finite float32 values cannot overflow it).
    if (!Number.isFinite(positiveSum - this.positiveSum + (negativeSum - this.negativeSum))) this.finite = false;
    this.positiveSum = positiveSum;
    this.negativeSum = negativeSum;
    this.numPositivePairs = numPositivePairs;
    this.numNegativePairs = numNegativePairs;
    this.numTriplets = numTriplets;
    this.numViolations = numViolations;
  }

  result(): SeparationMetrics {
    const meanPositive = this.positiveSum / this.numPositivePairs;
    const meanNegative = this.negativeSum / this.numNegativePairs;
    return {
      meanPositive,
      meanNegative,
      gap: this.inverted ? meanPositive - meanNegative : meanNegative - meanPositive,
      violationFraction: this.finite ? this.numViolations / this.numTriplets : NaN,
      margin: this.margin,
      numPositivePairs: this.numPositivePairs,
      numNegativePairs: this.numNegativePairs,
      numTriplets: this.numTriplets,
      numViolations: this.finite ? this.numViolations : NaN,
    };
  }
}

/** How many entries of the ascending `sorted` are <= x. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
