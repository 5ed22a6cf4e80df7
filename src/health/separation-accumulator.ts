import type { SeparationMetrics } from './health-metrics.js';

/**
 * Each row's share of the separation sums, every role counted (anchor, positive, negative): what
 * the standard errors of a sampled separation are computed from (`pairSampleOf`).
 */
export interface SeparationRowTerms {
  /** Sum and count of d(i, p) over i's positives (the ordered pairs with i first; by symmetry half of i's share). */
  positiveSum: Float64Array;
  positiveCount: Float64Array;
  /** Sum and count of d(i, n) over i's negatives (likewise). */
  negativeSum: Float64Array;
  negativeCount: Float64Array;
  /** Violated triplets with i as anchor, positive or negative. */
  violations: Float64Array;
  /** Triplets with i as anchor, positive or negative. */
  triplets: Float64Array;
}

/**
 * Collects the separation metrics from blocks of rows of the n x n distance matrix, so that a large
 * evaluation set never needs the whole matrix at once.
 *
 * Triplets are counted exactly: for an anchor with K - 1 positives and N negatives, the K - 1
 * thresholds d(a, p) + margin are sorted and each negative is placed among them by binary search,
 * O(n log K) per anchor instead of the O(K n) of enumerating every triplet. With `rowTerms`, each
 * row's share in every role is kept too (`SeparationRowTerms`); counting the violations of a
 * positive then sorts the anchor's negatives, O(n log n) per anchor.
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
  private readonly terms:
    (Omit<SeparationRowTerms, 'triplets'> & { positives: Int32Array; negatives: Float64Array }) | null;

  /**
   * @param inverted the distance is a similarity (larger is closer): the metric works on -s, for
   *   which the violation s(a, n) - s(a, p) + margin > 0 reads as for a distance.
   * @param rowTerms keep each row's share of the sums (`rowTerms()`).
   */
  constructor(
    private readonly labels: Int32Array,
    private readonly inverted: boolean,
    private readonly margin: number,
    rowTerms = false,
  ) {
    const n = labels.length;
    this.thresholds = new Float64Array(n);
    this.terms = rowTerms
      ? {
          positiveSum: new Float64Array(n),
          positiveCount: new Float64Array(n),
          negativeSum: new Float64Array(n),
          negativeCount: new Float64Array(n),
          violations: new Float64Array(n),
          positives: new Int32Array(n),
          negatives: new Float64Array(n),
        }
      : null;
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
      if (this.terms !== null) this.addAnchorTerms(block, o, a, k, negatives);
      if (k === 0 || negatives === 0) continue;
      if (this.terms !== null) {
        numViolations += this.countRoles(block, o, a, k);
        continue;
      }
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

  /** Anchor a's sums and counts of its positive and negative distances. */
  private addAnchorTerms(block: Float32Array, o: number, a: number, k: number, negatives: number): void {
    const { labels } = this;
    const terms = this.terms!;
    let positiveSum = 0;
    let negativeSum = 0;
    for (let j = 0; j < labels.length; j++) {
      if (j === a) continue;
      if (labels[j] === labels[a]) positiveSum += block[o + j];
      else negativeSum += block[o + j];
    }
    terms.positiveSum[a] = positiveSum;
    terms.positiveCount[a] = k;
    terms.negativeSum[a] = negativeSum;
    terms.negativeCount[a] = negatives;
  }

  /**
   * Anchor a's violated triplets, each also credited to its positive and its negative: a positive
   * p is in as many as there are negatives below d(a, p) + margin, a negative j in as many as there
   * are thresholds above d(a, j).
   */
  private countRoles(block: Float32Array, o: number, a: number, k: number): number {
    const { labels, thresholds, margin } = this;
    const { positives, negatives, violations } = this.terms!;
    const sign = this.inverted ? -1 : 1;
    let p = 0;
    let m = 0;
    for (let j = 0; j < labels.length; j++) {
      if (j === a) continue;
      if (labels[j] === labels[a]) positives[p++] = j;
      else negatives[m++] = sign * block[o + j];
    }
    const sortedNegatives = negatives.subarray(0, m).sort();
    for (let q = 0; q < k; q++) {
      const j = positives[q];
      violations[j] += countBelow(sortedNegatives, sign * block[o + j] + margin);
    }
    const sorted = thresholds.subarray(0, k).sort();
    let total = 0;
    for (let j = 0; j < labels.length; j++) {
      if (j === a || labels[j] === labels[a]) continue;
      const count = k - countAtMost(sorted, sign * block[o + j]);
      violations[j] += count;
      total += count;
    }
    violations[a] += total;
    return total;
  }

  /**
   * Each row's share of the sums, every role counted; null without `rowTerms`. Call after every
   * row was added as an anchor.
   */
  rowTerms(): SeparationRowTerms | null {
    if (this.terms === null) return null;
    const { labels } = this;
    const { positiveSum, positiveCount, negativeSum, negativeCount, violations } = this.terms;
    const n = labels.length;
    // Triplets with i as negative: every anchor of another class times its positives.
    const positivesOfClass = new Map<number, number>();
    let allPositives = 0;
    for (let i = 0; i < n; i++) {
      positivesOfClass.set(labels[i], (positivesOfClass.get(labels[i]) ?? 0) + positiveCount[i]);
      allPositives += positiveCount[i];
    }
    const triplets = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // As anchor and as positive alike: (class size - 1) x (rows outside the class).
      const asAnchor = positiveCount[i] * negativeCount[i];
      triplets[i] = 2 * asAnchor + (allPositives - positivesOfClass.get(labels[i])!);
    }
    return { positiveSum, positiveCount, negativeSum, negativeCount, violations, triplets };
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
  return countUpTo(sorted, x, true);
}

/** How many entries of the ascending `sorted` are < x. */
function countBelow(sorted: Float64Array, x: number): number {
  return countUpTo(sorted, x, false);
}

function countUpTo(sorted: Float64Array, x: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x || (inclusive && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
