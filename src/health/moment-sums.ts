import type { NonFiniteCount } from './health-metrics.js';
import { normalizedMoments } from './normalized-moments.js';

/** torch's F.normalize clamp, as `normalizedMoments` uses. */
const NORM_EPS = 1e-12;

/** The sums of a `MomentSums`, as plain numbers (float64), for a partial-result file. */
export interface MomentSumsState {
  /** Rows seen, with or without non-finite entries. */
  rows: number;
  nonFinite: NonFiniteCount;
  /** Rows in the moments and norms: those of chunks without a non-finite entry. */
  count: number;
  /** Mean of the L2-normalized rows (dim). */
  mean: number[];
  /** Sum over rows of (z - mean)(z - mean)^T, dim x dim row-major. */
  m2: number[];
  normSum: number;
  /** null when count is 0. */
  normMin: number | null;
  normMax: number | null;
  /** Rows whose norm is <= the tolerance the sums were made with. */
  nearZero: number;
}

/**
 * The health numbers that are sums, accumulated chunk by chunk in one pass: non-finite counts,
 * norms (sum, min, max, near-zero count), and the mean and centered second moment of the
 * L2-normalized rows, in float64. Each chunk's moments are centered on the chunk's own mean by
 * `normalizedMoments` (exact even when every row huddles around one point), and chunks are combined
 * with Chan, Golub and LeVeque's update M2 = M2a + M2b + d d^T na nb / n, d = mean_b - mean_a; so a
 * set measured in chunks, or in shards merged afterwards, gives the whole set's moments to rounding.
 * A chunk with a non-finite entry is counted and left out of the moments: the health of such a set
 * is NaN anyway. Memory: dim^2 doubles.
 *
 * @example
 * const sums = new MomentSums(128, 1e-6);
 * sums.add(chunk, 8192);          // for every chunk
 * sums.covariance();              // unbiased, dim x dim
 */
export class MomentSums {
  rows = 0;
  count = 0;
  readonly nonFinite: NonFiniteCount = { count: 0, nan: 0, inf: 0, rows: 0 };
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  normSum = 0;
  normMin = Infinity;
  normMax = -Infinity;
  nearZero = 0;

  constructor(
    readonly dim: number,
    readonly zeroNormTolerance: number,
  ) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
  }

  /** Adds `rows` rows (`data`: rows x dim, row-major). */
  add(data: Float32Array, rows: number): void {
    const { dim } = this;
    this.rows += rows;
    const bad = countNonFinite(data, rows, dim);
    if (bad.count > 0) {
      this.nonFinite.count += bad.count;
      this.nonFinite.nan += bad.nan;
      this.nonFinite.inf += bad.inf;
      this.nonFinite.rows += bad.rows;
      return;
    }
    let norms: Float64Array;
    let mean: Float64Array;
    let m2: Float64Array;
    if (rows === 1) {
      // normalizedMoments divides by rows - 1: one row is its own mean, with no spread.
      let sumSq = 0;
      for (let k = 0; k < dim; k++) sumSq += data[k] * data[k];
      norms = Float64Array.of(Math.sqrt(sumSq));
      const scale = 1 / Math.max(norms[0], NORM_EPS);
      mean = Float64Array.from(data.subarray(0, dim), (v) => v * scale);
      m2 = new Float64Array(dim * dim);
    } else {
      const moments = normalizedMoments(data, rows, dim);
      norms = moments.norms;
      mean = moments.mean;
      m2 = moments.covariance;
      for (let i = 0; i < m2.length; i++) m2[i] *= rows - 1;
    }
    for (const v of norms) {
      this.normSum += v;
      if (v < this.normMin) this.normMin = v;
      if (v > this.normMax) this.normMax = v;
      if (v <= this.zeroNormTolerance) this.nearZero++;
    }
    this.combine(rows, mean, m2);
  }

  /** Adds the sums of other rows (same dim and tolerance). */
  merge(other: MomentSums): void {
    this.rows += other.rows;
    this.nonFinite.count += other.nonFinite.count;
    this.nonFinite.nan += other.nonFinite.nan;
    this.nonFinite.inf += other.nonFinite.inf;
    this.nonFinite.rows += other.nonFinite.rows;
    this.normSum += other.normSum;
    this.normMin = Math.min(this.normMin, other.normMin);
    this.normMax = Math.max(this.normMax, other.normMax);
    this.nearZero += other.nearZero;
    if (other.count > 0) this.combine(other.count, other.mean, other.m2);
  }

  /** The unbiased covariance of the normalized rows (dim x dim); needs count >= 2. */
  covariance(): Float64Array {
    const scale = 1 / (this.count - 1);
    return Float64Array.from(this.m2, (v) => v * scale);
  }

  state(): MomentSumsState {
    const some = this.count > 0;
    return {
      rows: this.rows,
      nonFinite: { ...this.nonFinite },
      count: this.count,
      mean: Array.from(this.mean),
      m2: Array.from(this.m2),
      normSum: this.normSum,
      normMin: some ? this.normMin : null,
      normMax: some ? this.normMax : null,
      nearZero: this.nearZero,
    };
  }

  /** The sums a `state()` holds; the state must have been checked (lengths dim and dim^2). */
  static fromState(state: MomentSumsState, dim: number, zeroNormTolerance: number): MomentSums {
    const sums = new MomentSums(dim, zeroNormTolerance);
    sums.rows = state.rows;
    Object.assign(sums.nonFinite, state.nonFinite);
    sums.count = state.count;
    sums.mean.set(state.mean);
    sums.m2.set(state.m2);
    sums.normSum = state.normSum;
    sums.normMin = state.normMin ?? Infinity;
    sums.normMax = state.normMax ?? -Infinity;
    sums.nearZero = state.nearZero;
    return sums;
  }

  private combine(countB: number, meanB: Float64Array, m2B: Float64Array): void {
    const { dim, mean, m2 } = this;
    const countA = this.count;
    if (countA === 0) {
      mean.set(meanB);
      m2.set(m2B);
      this.count = countB;
      return;
    }
    const total = countA + countB;
    const delta = Float64Array.from(meanB, (v, k) => v - mean[k]);
    const weight = (countA * countB) / total;
    for (let a = 0; a < dim; a++) {
      const row = a * dim;
      const da = delta[a] * weight;
      for (let b = 0; b < dim; b++) m2[row + b] += m2B[row + b] + da * delta[b];
    }
    for (let k = 0; k < dim; k++) mean[k] += (delta[k] * countB) / total;
    this.count = total;
  }
}

function countNonFinite(data: Float32Array, rows: number, dim: number): NonFiniteCount {
  let nan = 0;
  let inf = 0;
  let badRows = 0;
  for (let r = 0; r < rows; r++) {
    let bad = false;
    for (let i = r * dim, end = i + dim; i < end; i++) {
      const v = data[i];
      if (v - v === 0) continue; // finite: v - v is NaN for NaN and for +-Infinity
      if (Number.isNaN(v)) nan++;
      else inf++;
      bad = true;
    }
    if (bad) badRows++;
  }
  return { count: nan + inf, nan, inf, rows: badRows };
}
