import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { checkNumber } from '../validation.js';
import { BaseDistance } from '../distances/index.js';
import type { EmbeddingsInput, HealthMetrics, HealthOptions, NonFiniteCount, NormMetrics } from './health-metrics.js';
import { shapeMetrics } from './shape-metrics.js';
import { normalizedMoments } from './normalized-moments.js';
import { defaultChunkRows, pairwiseStatistics, type PairwiseStatistics } from './pairwise-statistics.js';
import { Random } from '../random.js';
import { sampleWithoutReplacement } from '../samplers/index.js';
import { labelOnlySeparation } from './label-only-separation.js';
import { pairSampleOf } from './pair-sample-of.js';

const DEFAULT_MARGIN = 0.05;
const DEFAULT_DEAD_TOLERANCE = 1e-8;
const DEFAULT_ZERO_NORM_TOLERANCE = 1e-6;
/** Rows whose every pair is measured; a larger set is sampled to this many (pairs cost n^2). */
export const DEFAULT_PAIR_SAMPLE = 4096;

/**
 * Measures how healthy a set of embeddings is: how far apart they are (spread), how many
 * directions they use (shape), their norms, how well labels separate them, and non-finite values.
 * Meant for a fixed probe batch every few training steps (256-1024 rows) and for the whole
 * evaluation set (thousands of rows); the collapse detector reads its result.
 *
 * Spread: mean Euclidean distance over distinct rows i != j, raw and after L2 normalization, and
 * their ratio to `options.reference`; SimSiam's indicator mean_k std_k(z / ||z||) * sqrt(d)
 * (~1 isotropic, 0 collapsed). Shape, on the L2-normalized rows Z: RankMe effective rank
 * exp(-sum p_k log p_k), p_k = sigma_k(Z) / sum sigma + 1e-7, with sigma_k^2 the eigenvalues of
 * Z^T Z = (n-1) C + n mu mu^T (not centered, as RankMe); the first principal component's share
 * lambda_1(C) / tr C; dead dimensions C_kk <= deadTolerance; the spectrum of C. C, the covariance,
 * is formed in float64 and decomposed by `symmetricEigen` (tfjs has no SVD). Separation, with labels:
 * mean d(a,p), mean d(a,n), their gap, and the exact share of triplets with d(a,p) - d(a,n) + margin > 0.
 *
 * Cost: two n x n distance matrices on the backend (in blocks, see `chunkRows`), n d^2 / 2
 * multiply-adds and two d x d eigen-solves in JavaScript.
 *
 * Options (defaults): `reference` (none), `margin = 0.05`, `distance = new LpDistance()`,
 * `deadTolerance = 1e-8`, `zeroNormTolerance = 1e-6`, `chunkRows` (all rows up to 2048).
 *
 * @param embeddings n x d float32 embeddings, n >= 2: a tf.Tensor2D (not disposed) or `{ data, rows, dim }`.
 * @param labels one integer label per row, for the separation metrics (null or omitted: no separation).
 * @example
 * const start = dm.embeddingHealth(model.predict(probe) as dm.tf.Tensor2D, probeLabels);
 * // ... training ...
 * const now = dm.embeddingHealth(model.predict(probe) as dm.tf.Tensor2D, probeLabels, { reference: start });
 * now.spread.meanNormalizedDistanceRatio; // -> 0 when the embeddings collapse to a point
 * now.shape.effectiveRank;               // -> 1 when they collapse to a line
 */
export function embeddingHealth(
  embeddings: EmbeddingsInput,
  labels?: Int32Array | number[] | null,
  options: HealthOptions = {},
): HealthMetrics {
  const { data, rows, dim, tensor } = readEmbeddings(embeddings);
  const labelArray = labels === undefined || labels === null ? null : checkLabels(labels, rows);
  const opts = checkOptions(options, rows);
  const nonFinite = countNonFinite(data, dim);
  if (nonFinite.count > 0) return notComputable(rows, dim, nonFinite, labelArray, opts);

  const moments = normalizedMoments(data, rows, dim);
  // Pairs cost n^2: a large set is represented by a seeded sample of rows, every pair of which is measured.
  const sample = rows > opts.pairSample ? sampledRows(rows, opts.pairSample, opts.sampleSeed) : null;
  const x =
    sample === null
      ? (tensor ?? tf.tensor2d(data, [rows, dim], 'float32'))
      : tf.tensor2d(gatherRows(data, dim, sample), [sample.length, dim], 'float32');
  const pairLabels =
    labelArray === null || sample === null ? labelArray : Int32Array.from(sample, (i) => labelArray[i]);
  let pairs: PairwiseStatistics;
  try {
    pairs = pairwiseStatistics(x, pairLabels, {
      distance: opts.distance,
      margin: opts.margin,
      chunkRows: sample === null ? opts.chunkRows : defaultChunkRows(sample.length),
      rowTerms: sample !== null,
    });
  } finally {
    if (x !== tensor) x.dispose();
  }
  let std = 0;
  for (let k = 0; k < dim; k++) std += Math.sqrt(moments.covariance[k * dim + k]);
  const reference = opts.reference?.spread;
  return {
    rows,
    dim,
    nonFinite,
    spread: {
      meanDistance: pairs.meanDistance,
      meanNormalizedDistance: pairs.meanNormalizedDistance,
      meanDistanceRatio: reference === undefined ? null : pairs.meanDistance / reference.meanDistance,
      meanNormalizedDistanceRatio:
        reference === undefined ? null : pairs.meanNormalizedDistance / reference.meanNormalizedDistance,
      normalizedStdSqrtDim: (std / dim) * Math.sqrt(dim),
    },
    norms: normMetrics(
      opts.preNormalization === null
        ? moments.norms
        : normalizedMoments(opts.preNormalization.data, rows, opts.preNormalization.dim).norms,
      opts.zeroNormTolerance,
    ),
    shape: shapeMetrics(moments.mean, moments.covariance, rows, dim, opts.deadTolerance),
    separation: pairs.separation,
    ...(sample === null
      ? {}
      : { pairSample: pairSampleOf(pairs.rowMeans, pairs.separationTerms, rows, opts.sampleSeed) }),
  };
}

/** `k` distinct rows of `n`, drawn uniformly with `seed`, in increasing order. */
function sampledRows(n: number, k: number, seed: number): Int32Array {
  return sampleWithoutReplacement(n, k, new Random(seed)).sort();
}

function gatherRows(data: Float32Array, dim: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(data.subarray(row * dim, (row + 1) * dim), i * dim));
  return out;
}

interface ReadEmbeddings {
  data: Float32Array;
  rows: number;
  dim: number;
  /** The caller's tensor, or null when the input was a plain matrix. */
  tensor: tf.Tensor2D | null;
}

function readEmbeddings(embeddings: EmbeddingsInput): ReadEmbeddings {
  if (embeddings instanceof tf.Tensor) {
    checkEmbeddings(embeddings);
    const [rows, dim] = embeddings.shape;
    checkRows(rows);
    return { data: embeddings.dataSync() as Float32Array, rows, dim, tensor: embeddings };
  }
  if (embeddings === null || typeof embeddings !== 'object' || !('data' in embeddings)) {
    throw invalidArgument(
      `Argument \`embeddings\` must be a 2-D tf.Tensor or { data: Float32Array, rows, dim }. Received: ${String(embeddings)}`,
    );
  }
  const { data, rows, dim } = embeddings;
  if (!(data instanceof Float32Array)) {
    throw invalidArgument(`Argument \`embeddings.data\` must be a Float32Array. Received: ${describe(data)}`);
  }
  for (const [name, v] of [
    ['rows', rows],
    ['dim', dim],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1)) {
      throw invalidArgument(`Argument \`embeddings.${name}\` must be an integer >= 1. Received: ${name}=${String(v)}`);
    }
  }
  if (data.length !== rows * dim) {
    throw invalidArgument(
      `Argument \`embeddings.data\` must hold rows * dim = ${rows} * ${dim} = ${rows * dim} values. Received: ${data.length} values`,
    );
  }
  checkRows(rows);
  return { data, rows, dim, tensor: null };
}

function checkRows(rows: number): void {
  if (rows < 2) {
    throw invalidArgument(
      `Argument \`embeddings\` must have at least 2 rows: spread and shape need pairs of rows. Received: ${rows} row`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return v.constructor?.name ?? 'object';
}

interface CheckedOptions {
  reference: HealthMetrics | null;
  margin: number;
  distance: BaseDistance | null;
  deadTolerance: number;
  zeroNormTolerance: number;
  chunkRows: number;
  preNormalization: ReadEmbeddings | null;
  pairSample: number;
  sampleSeed: number;
}

function checkOptions(options: HealthOptions, rows: number): CheckedOptions {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument(`Argument \`options\` must be an object. Received: ${String(options)}`);
  }
  const margin = options.margin ?? DEFAULT_MARGIN;
  if (!Number.isFinite(margin)) {
    throw invalidArgument(`Option \`margin\` must be a finite number. Received: margin=${String(options.margin)}`);
  }
  const deadTolerance = checkNumber('deadTolerance', options.deadTolerance ?? DEFAULT_DEAD_TOLERANCE, { min: 0 });
  const zeroNormTolerance = checkNumber('zeroNormTolerance', options.zeroNormTolerance ?? DEFAULT_ZERO_NORM_TOLERANCE, {
    min: 0,
  });
  const chunkRows = options.chunkRows ?? defaultChunkRows(rows);
  if (!(Number.isInteger(chunkRows) && chunkRows >= 1)) {
    throw invalidArgument(
      `Option \`chunkRows\` must be an integer >= 1. Received: chunkRows=${String(options.chunkRows)}`,
    );
  }
  const distance = options.distance ?? null;
  if (distance !== null && !(distance instanceof BaseDistance)) {
    throw invalidArgument(
      `Option \`distance\` must be a distance such as new LpDistance() or new CosineSimilarity(). Received: ${describe(distance)}`,
    );
  }
  const reference = options.reference ?? null;
  if (reference !== null && !isMetrics(reference)) {
    throw invalidArgument(
      `Option \`reference\` must be the HealthMetrics returned by an earlier embeddingHealth call. Received: ${JSON.stringify(reference)?.slice(0, 120)}`,
    );
  }
  const preNormalization = options.preNormalization === undefined ? null : readEmbeddings(options.preNormalization);
  if (preNormalization !== null && preNormalization.rows !== rows) {
    throw invalidArgument(
      `Option \`preNormalization\` must hold the same ${rows} rows as the embeddings. Received: ${preNormalization.rows} rows`,
    );
  }
  const pairSample = options.pairSample ?? DEFAULT_PAIR_SAMPLE;
  if (!(pairSample === Infinity || (Number.isInteger(pairSample) && pairSample >= 2))) {
    throw invalidArgument(
      `Option \`pairSample\` must be an integer >= 2 or Infinity. Received: pairSample=${String(options.pairSample)}`,
    );
  }
  const sampleSeed = checkNumber('sampleSeed', options.sampleSeed ?? 0, { integer: true });
  return {
    reference,
    margin,
    distance,
    deadTolerance,
    zeroNormTolerance,
    chunkRows,
    preNormalization,
    pairSample,
    sampleSeed,
  };
}

function isMetrics(v: unknown): v is HealthMetrics {
  if (v === null || typeof v !== 'object' || !('spread' in v)) return false;
  const spread = (v as { spread: unknown }).spread;
  return (
    spread !== null &&
    typeof spread === 'object' &&
    typeof (spread as Record<string, unknown>).meanDistance === 'number' &&
    typeof (spread as Record<string, unknown>).meanNormalizedDistance === 'number'
  );
}

function countNonFinite(data: Float32Array, dim: number): NonFiniteCount {
  let nan = 0;
  let inf = 0;
  let rows = 0;
  let lastRow = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v === 0) continue; // finite: v - v is NaN for NaN and for +-Infinity
    if (Number.isNaN(v)) nan++;
    else inf++;
    const row = Math.floor(i / dim);
    if (row !== lastRow) {
      rows++;
      lastRow = row;
    }
  }
  return { count: nan + inf, nan, inf, rows };
}

function normMetrics(norms: Float64Array, zeroNormTolerance: number): NormMetrics {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let nearZero = 0;
  for (const v of norms) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (v <= zeroNormTolerance) nearZero++;
  }
  return { mean: sum / norms.length, min, max, nearZeroShare: nearZero / norms.length };
}

/** The metrics of an input with non-finite entries: every value NaN, only what the labels alone give filled in. */
function notComputable(
  rows: number,
  dim: number,
  nonFinite: NonFiniteCount,
  labels: Int32Array | null,
  opts: CheckedOptions,
): HealthMetrics {
  const ratio = opts.reference === null ? null : NaN;
  return {
    rows,
    dim,
    nonFinite,
    spread: {
      meanDistance: NaN,
      meanNormalizedDistance: NaN,
      meanDistanceRatio: ratio,
      meanNormalizedDistanceRatio: ratio,
      normalizedStdSqrtDim: NaN,
    },
    norms: { mean: NaN, min: NaN, max: NaN, nearZeroShare: NaN },
    shape: {
      effectiveRank: NaN,
      firstComponentShare: NaN,
      deadDimensions: { count: NaN, indices: [] },
      spectrum: new Array<number>(dim).fill(NaN),
    },
    separation: labels === null ? null : labelOnlySeparation(classSizes(labels), labels.length, opts.margin),
  };
}

function classSizes(labels: Int32Array): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const l of labels) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  return sizes;
}
