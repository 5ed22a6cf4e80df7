import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { checkNumber } from '../validation.js';
import type { HealthMetrics } from './health-metrics.js';
import { DEFAULT_PAIR_SAMPLE } from './embedding-health.js';
import { MomentSums } from './moment-sums.js';
import { PairReservoir } from './pair-reservoir.js';
import { defaultChunkRows, pairwiseStatistics } from './pairwise-statistics.js';
import { shapeMetrics } from './shape-metrics.js';
import { labelOnlySeparation } from './label-only-separation.js';
import { pairSampleOf } from './pair-sample-of.js';

const DEFAULT_MARGIN = 0.05;
const DEFAULT_DEAD_TOLERANCE = 1e-8;
const DEFAULT_ZERO_NORM_TOLERANCE = 1e-6;

/** Options of `StreamingHealth`: `embeddingHealth`'s, less those that need every row at once. */
export interface StreamingHealthOptions {
  /** The triplet margin of `violationFraction` (Euclidean on L2-normalized rows). Default 0.05. */
  margin?: number;
  /** A dimension is dead when the variance of its L2-normalized values is <= this. Default 1e-8. */
  deadTolerance?: number;
  /** A row counts as near zero when its L2 norm is <= this. Default 1e-6. */
  zeroNormTolerance?: number;
  /** Rows the pair statistics are measured on (every pair of them). Default 4096, an integer >= 2. */
  pairSample?: number;
  /** The seed of the rows' priorities, which choose that sample. Default 0. */
  sampleSeed?: number;
}

/** A run of consecutive global rows that went into a `StreamingHealth`, and where they came from. */
export interface RowRange {
  start: number;
  rows: number;
  /** The file (or other source) they were read from. */
  source: string;
}

/**
 * The health of a set of embeddings too large to hold, measured in one pass over chunks of rows
 * with memory bounded by dim^2 + pairSample x dim numbers, whatever the number of rows.
 *
 * The numbers that are sums (non-finite counts, norms, the mean and covariance of the normalized
 * rows, so SimSiam's std, the effective rank, the first component's share and the dead
 * dimensions) use every row (`MomentSums`). The ones that need pairs (spread, d(a,p), d(a,n), gap,
 * violations) are measured on every pair of a seeded sample of `pairSample` rows (`PairReservoir`:
 * the rows with the smallest seeded priority of their global index), reported in `pairSample` with
 * their standard errors as `embeddingHealth` reports its own sample. A set of at most `pairSample`
 * rows is measured exactly, and then equals `embeddingHealth` of the same rows.
 *
 * Rows are identified by their global index (`firstRow` of each chunk): chunks and shards may
 * arrive in any order, and two accumulators of disjoint rows `merge` into the accumulator of their
 * union, sample included. `partial()` / `StreamingHealth.fromPartial` (src/health/health-partial.ts)
 * carry that state between processes.
 *
 * @example
 * const health = new StreamingHealth(128, true);
 * for await (const { data, rows, firstRow } of readNpyChunks('big.npy')) health.add(data, rows, labels.subarray(firstRow, firstRow + rows), firstRow);
 * const metrics = health.metrics(); // the HealthMetrics embeddingHealth returns, with pairSample
 */
export class StreamingHealth {
  readonly sums: MomentSums;
  readonly sample: PairReservoir;
  /** Rows per label. */
  readonly classSizes = new Map<number, number>();
  readonly ranges: RowRange[] = [];
  readonly margin: number;
  readonly deadTolerance: number;
  readonly zeroNormTolerance: number;
  readonly pairSample: number;
  readonly sampleSeed: number;

  constructor(
    readonly dim: number,
    readonly withLabels: boolean,
    options: StreamingHealthOptions = {},
  ) {
    if (!(Number.isInteger(dim) && dim >= 1)) {
      throw invalidArgument(`Argument \`dim\` must be an integer >= 1. Received: dim=${String(dim)}`);
    }
    this.margin = options.margin ?? DEFAULT_MARGIN;
    if (!Number.isFinite(this.margin)) {
      throw invalidArgument(`Option \`margin\` must be a finite number. Received: margin=${String(options.margin)}`);
    }
    this.deadTolerance = checkNumber('deadTolerance', options.deadTolerance ?? DEFAULT_DEAD_TOLERANCE, { min: 0 });
    this.zeroNormTolerance = checkNumber(
      'zeroNormTolerance',
      options.zeroNormTolerance ?? DEFAULT_ZERO_NORM_TOLERANCE,
      { min: 0 },
    );
    this.pairSample = checkNumber('pairSample', options.pairSample ?? DEFAULT_PAIR_SAMPLE, { integer: true, min: 2 });
    this.sampleSeed = checkNumber('sampleSeed', options.sampleSeed ?? 0, { integer: true });
    this.sums = new MomentSums(dim, this.zeroNormTolerance);
    this.sample = new PairReservoir(this.pairSample, dim, this.sampleSeed, withLabels);
  }

  /** Rows added so far. */
  get rows(): number {
    return this.sums.rows;
  }

  /**
   * Adds global rows firstRow .. firstRow + rows - 1: `data` rows x dim row-major (read before this
   * returns; the caller may reuse it), `labels` one integer per row (null when constructed without).
   */
  add(data: Float32Array, rows: number, labels: ArrayLike<number> | null, firstRow: number, source = ''): void {
    const { dim } = this;
    if (data.length < rows * dim) {
      throw invalidArgument(`Argument \`data\` must hold rows * dim = ${rows * dim} values. Received: ${data.length}`);
    }
    if (!(Number.isSafeInteger(firstRow) && firstRow >= 0)) {
      throw invalidArgument(`Argument \`firstRow\` must be an integer >= 0. Received: firstRow=${String(firstRow)}`);
    }
    if ((labels === null) === this.withLabels || (labels !== null && labels.length !== rows)) {
      throw invalidArgument(
        this.withLabels
          ? `Argument \`labels\` must hold one label per row (${rows}). Received: ${labels === null ? 'null' : labels.length}`
          : 'Argument `labels` must be null: this StreamingHealth was made without labels',
      );
    }
    if (rows === 0) return;
    const chunk = data.length === rows * dim ? data : data.subarray(0, rows * dim);
    this.sums.add(chunk, rows);
    this.sample.add(chunk, rows, labels, firstRow);
    if (labels !== null) for (let r = 0; r < rows; r++) this.countLabel(labels[r], 1);
    const last = this.ranges[this.ranges.length - 1];
    if (last !== undefined && last.start + last.rows === firstRow && last.source === source) last.rows += rows;
    else this.ranges.push({ start: firstRow, rows, source });
  }

  /** Adds the state of other rows (same dim, labels or not, sample size and seed, zero-norm tolerance). */
  merge(other: StreamingHealth): void {
    if (
      other.dim !== this.dim ||
      other.withLabels !== this.withLabels ||
      other.pairSample !== this.pairSample ||
      other.sampleSeed !== this.sampleSeed ||
      other.zeroNormTolerance !== this.zeroNormTolerance
    ) {
      throw invalidArgument(
        'Argument `other` must have the same dim, labels or not, pairSample, sampleSeed and zeroNormTolerance',
      );
    }
    this.sums.merge(other.sums);
    this.sample.merge(other.sample);
    for (const [label, size] of other.classSizes) this.countLabel(label, size);
    this.ranges.push(...other.ranges.map((r) => ({ ...r })));
  }

  /** The distinct labels seen, in increasing order (empty without labels). */
  classIds(): Int32Array {
    return Int32Array.from(this.classSizes.keys()).sort();
  }

  /**
   * The health of every row added: `embeddingHealth`'s HealthMetrics, the pair statistics from the
   * sample (on the current backend), `pairSample` present when the sample is not every row.
   */
  metrics(): HealthMetrics {
    const { dim, sums } = this;
    const rows = sums.rows;
    if (rows < 2) {
      throw invalidArgument(
        `The embeddings must have at least 2 rows: spread and shape need pairs of rows. Received: ${rows} row`,
      );
    }
    if (sums.nonFinite.count > 0) return this.notComputable();
    const covariance = sums.covariance();
    const { rows: sampled, data, labels } = this.sample.sorted();
    const x = tf.tensor2d(data, [sampled.length, dim], 'float32');
    let pairs;
    try {
      pairs = pairwiseStatistics(x, labels, {
        distance: null,
        margin: this.margin,
        chunkRows: defaultChunkRows(sampled.length),
        rowTerms: sampled.length < rows,
      });
    } finally {
      x.dispose();
    }
    let std = 0;
    for (let k = 0; k < dim; k++) std += Math.sqrt(covariance[k * dim + k]);
    const metrics: HealthMetrics = {
      rows,
      dim,
      nonFinite: { ...sums.nonFinite },
      spread: {
        meanDistance: pairs.meanDistance,
        meanNormalizedDistance: pairs.meanNormalizedDistance,
        meanDistanceRatio: null,
        meanNormalizedDistanceRatio: null,
        normalizedStdSqrtDim: (std / dim) * Math.sqrt(dim),
      },
      norms: {
        mean: sums.normSum / sums.count,
        min: sums.normMin,
        max: sums.normMax,
        nearZeroShare: sums.nearZero / sums.count,
      },
      shape: shapeMetrics(sums.mean, covariance, sums.count, dim, this.deadTolerance),
      separation: pairs.separation,
    };
    if (sampled.length < rows)
      metrics.pairSample = pairSampleOf(pairs.rowMeans, pairs.separationTerms, rows, this.sampleSeed);
    return metrics;
  }

  private countLabel(label: number, count: number): void {
    this.classSizes.set(label, (this.classSizes.get(label) ?? 0) + count);
  }

  /** The metrics of a set with non-finite entries: every value NaN, only what the labels alone give filled in. */
  private notComputable(): HealthMetrics {
    const { dim } = this;
    return {
      rows: this.rows,
      dim,
      nonFinite: { ...this.sums.nonFinite },
      spread: {
        meanDistance: NaN,
        meanNormalizedDistance: NaN,
        meanDistanceRatio: null,
        meanNormalizedDistanceRatio: null,
        normalizedStdSqrtDim: NaN,
      },
      norms: { mean: NaN, min: NaN, max: NaN, nearZeroShare: NaN },
      shape: {
        effectiveRank: NaN,
        firstComponentShare: NaN,
        deadDimensions: { count: NaN, indices: [] },
        spectrum: new Array<number>(dim).fill(NaN),
      },
      separation: this.withLabels ? labelOnlySeparation(this.classSizes, this.rows, this.margin) : null,
    };
  }
}
