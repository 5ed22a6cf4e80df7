import type { tf } from '../tf.js';
import type { BaseDistance } from '../distances/index.js';

/**
 * Embeddings as a tensor, or as a plain row-major float32 matrix (embeddings that came from
 * another framework, e.g. read from a `.npy` file).
 */
export type EmbeddingsInput = tf.Tensor2D | EmbeddingMatrix;

/** A row-major float32 matrix: row `i` is `data[i * dim .. (i + 1) * dim)`. */
export interface EmbeddingMatrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

/** Options of `embeddingHealth`. */
export interface HealthOptions {
  /**
   * The metrics measured at the start of training, on the same probe batch; when given, the
   * spread ratios are filled in (a ratio falling towards 0 is the signature of collapse).
   */
  reference?: HealthMetrics;
  /** The triplet margin for `violationFraction`, in the units of `distance`. Default 0.05 (PML's TripletMarginLoss). */
  margin?: number;
  /** The distance of the separation metrics. Default `new LpDistance()`: Euclidean on L2-normalized rows, PML's default. */
  distance?: BaseDistance;
  /** A dimension is dead when the variance of its L2-normalized values is <= this. Default 1e-8 (std 1e-4). */
  deadTolerance?: number;
  /** A row counts as near zero when its L2 norm is <= this. Default 1e-6. */
  zeroNormTolerance?: number;
  /**
   * The same rows before the model's final L2 normalization (the input of its last layer): their
   * norms are the ones reported, since normalized rows all have norm 1 and cannot show the norms
   * shrinking to 0. Every other metric is measured on `embeddings`.
   */
  preNormalization?: EmbeddingsInput;
  /**
   * Rows of the n x n distance matrices computed at a time, to bound memory on large sets.
   * Default: all rows when n <= 2048, else floor(2^22 / n) (16 MB per block).
   */
  chunkRows?: number;
  /**
   * Rows the pair statistics (spread, separation) are measured on: a larger set is represented by
   * a seeded uniform sample of this many rows (their every pair), so that the cost stays
   * pairSample^2 whatever the size; the sums (norms, moments, shape) always use every row.
   * Default 4096; `Infinity`: every pair of every row.
   */
  pairSample?: number;
  /** The seed of that sample. Default 0. */
  sampleSeed?: number;
}

/** How the pair statistics of a large set were estimated, and how precisely. */
export interface PairSample {
  /** Rows sampled, of `of`. */
  rows: number;
  of: number;
  seed: number;
  /**
   * Standard errors of the sampled means over pairs and triplets (the first-order U-statistic
   * estimate, sqrt(rows) sd of the rows' influences; 2 sd(row means) / sqrt(rows) for the mean
   * distances): a sampled value is within about 2 of them of the whole set's, 3 almost surely.
   */
  standardErrors: {
    meanDistance: number;
    meanNormalizedDistance: number;
    /** null without labels. */
    separation: SeparationStandardErrors | null;
  };
}

/** Standard errors of the sampled separation metrics (see `SeparationMetrics`). */
export interface SeparationStandardErrors {
  meanPositive: number;
  meanNegative: number;
  gap: number;
  violationFraction: number;
}

/** Non-finite entries of the input. */
export interface NonFiniteCount {
  /** NaN plus infinite entries. */
  count: number;
  nan: number;
  /** +Infinity or -Infinity entries. */
  inf: number;
  /** Rows holding at least one non-finite entry. */
  rows: number;
}

/** How far apart the embeddings are: collapse to a point sends all of these to 0. */
export interface SpreadMetrics {
  /** Mean Euclidean distance between distinct rows (all i != j), on the raw embeddings. */
  meanDistance: number;
  /** The same on L2-normalized rows, in [0, 2]; sqrt(2) ~ 1.414 for directions spread over the sphere. */
  meanNormalizedDistance: number;
  /** `meanDistance / reference.spread.meanDistance`; null without `options.reference`. */
  meanDistanceRatio: number | null;
  /** `meanNormalizedDistance / reference.spread.meanNormalizedDistance`; null without `options.reference`. */
  meanNormalizedDistanceRatio: number | null;
  /**
   * SimSiam's collapse indicator (Chen & He 2021): the mean over dimensions of the standard
   * deviation (over rows, unbiased) of the L2-normalized embeddings, times sqrt(dim).
   * About 1 for isotropic embeddings, 0 at collapse.
   */
  normalizedStdSqrtDim: number;
}

/** L2 norms of the rows before normalization. */
export interface NormMetrics {
  mean: number;
  min: number;
  max: number;
  /** Share of rows whose norm is <= `zeroNormTolerance`: their direction is not meaningful. */
  nearZeroShare: number;
}

/** How many directions the embeddings use: dimensional collapse lowers these. */
export interface ShapeMetrics {
  /**
   * RankMe (Garrido et al. 2023): exp of the Shannon entropy of p_k = sigma_k / sum(sigma) + 1e-7,
   * sigma the singular values of the matrix of L2-normalized rows, not centered (as RankMe).
   * Between 1 and dim; about 1 when all rows point one way; 0 only when every row is zero.
   */
  effectiveRank: number;
  /**
   * Share of the variance of the L2-normalized rows along their first principal component:
   * about 1/dim when isotropic, 1 when the rows lie on one line (also 1 when there is no variance at all).
   */
  firstComponentShare: number;
  /** Dimensions whose variance over the L2-normalized rows is <= `deadTolerance`. */
  deadDimensions: { count: number; indices: number[] };
  /** Eigenvalues of the covariance of the L2-normalized rows, largest first (rounding below 0 clamped to 0). */
  spectrum: number[];
}

/** How well labels separate, in the units of `options.distance` (default: Euclidean on L2-normalized rows). */
export interface SeparationMetrics {
  /** Mean d(a, p) over all ordered positive pairs (a != p, same label); NaN when there are none. */
  meanPositive: number;
  /** Mean d(a, n) over all ordered negative pairs (different labels); NaN when there are none. */
  meanNegative: number;
  /** meanNegative - meanPositive for a distance (meanPositive - meanNegative for a similarity): > 0 is separated. */
  gap: number;
  /**
   * Share of all triplets (a, p, n) with d(a, p) - d(a, n) + margin > 0, the triplets a
   * TripletMarginLoss with this margin would train on (exact, every triplet counted); NaN when there are none.
   */
  violationFraction: number;
  margin: number;
  numPositivePairs: number;
  numNegativePairs: number;
  numTriplets: number;
  numViolations: number;
}

/**
 * The health numbers of one set of embeddings, the input of the collapse detector.
 *
 * A number is NaN when it cannot be computed, never a stand-in value: when the input has
 * non-finite entries (`nonFinite.count > 0`) every metric is NaN (and `deadDimensions.indices`
 * empty), so read `nonFinite` first. Float32 overflow in the raw distances (entries above
 * ~1e19) shows as NaN or Infinity in `meanDistance`.
 */
export interface HealthMetrics {
  rows: number;
  dim: number;
  nonFinite: NonFiniteCount;
  spread: SpreadMetrics;
  norms: NormMetrics;
  shape: ShapeMetrics;
  /** null when no labels were given. */
  separation: SeparationMetrics | null;
  /** Present when the spread and separation were measured on a sample of the rows (see `pairSample`). */
  pairSample?: PairSample;
}
