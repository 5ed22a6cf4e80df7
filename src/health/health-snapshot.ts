import { invalidArgument } from '../errors.js';
import type { HealthMetrics } from './health-metrics.js';

/**
 * The health numbers the collapse detector reads, flat (one number per field), as a training log
 * records them at every probe. A field is NaN when it could not be computed: no reference for the
 * ratios, no labels for the separation fields, or non-finite embeddings (`nonFinite > 0`, then
 * every metric is NaN). JSON writes NaN as null; `parseHealthSnapshot` reads null back as NaN,
 * and `nonFinite` tells the two reasons apart.
 */
export type HealthSnapshot = {
  rows: number;
  dim: number;
  /** Non-finite entries (NaN, +-Infinity) in the embeddings; > 0 makes every metric NaN. */
  nonFinite: number;
  meanDistance: number;
  meanNormalizedDistance: number;
  /** meanDistance / the reference's (start of training); NaN without a reference. */
  meanDistanceRatio: number;
  meanNormalizedDistanceRatio: number;
  /** SimSiam's std of the L2-normalized embeddings x sqrt(dim): ~1 isotropic, 0 collapsed. */
  normalizedStdSqrtDim: number;
  normMean: number;
  normMin: number;
  normMax: number;
  nearZeroShare: number;
  /** Mean raw norm / the reference's; NaN without a reference. */
  normMeanRatio: number;
  /** RankMe. */
  effectiveRank: number;
  /** effectiveRank / the reference's; NaN without a reference. */
  effectiveRankRatio: number;
  firstComponentShare: number;
  deadDimensions: number;
  /** Distinct labels (0 without labels). */
  numClasses: number;
  meanPositive: number;
  meanNegative: number;
  gap: number;
  violationFraction: number;
  /** The margin `violationFraction` was counted with (NaN without labels). */
  margin: number;
};

/** Every field of a `HealthSnapshot`, in the order a log writes them. */
export const HEALTH_SNAPSHOT_FIELDS: ReadonlyArray<keyof HealthSnapshot> = [
  'rows',
  'dim',
  'nonFinite',
  'meanDistance',
  'meanNormalizedDistance',
  'meanDistanceRatio',
  'meanNormalizedDistanceRatio',
  'normalizedStdSqrtDim',
  'normMean',
  'normMin',
  'normMax',
  'nearZeroShare',
  'normMeanRatio',
  'effectiveRank',
  'effectiveRankRatio',
  'firstComponentShare',
  'deadDimensions',
  'numClasses',
  'meanPositive',
  'meanNegative',
  'gap',
  'violationFraction',
  'margin',
];

/**
 * Flattens `embeddingHealth`'s result into the numbers the detector and the run log use. With
 * `reference` (the metrics at the start of training, same probe), the ratios are filled in.
 *
 * @param metrics the result of `embeddingHealth`.
 * @param labels the labels the metrics were measured with, to count the classes (omit without labels).
 * @param reference the metrics measured at the start, on the same rows; omit for none.
 * @example
 * const start = dm.embeddingHealth(x0, labels);
 * const now = dm.healthSnapshot(dm.embeddingHealth(x, labels), labels, start);
 * now.meanNormalizedDistanceRatio; // ~1 healthy, -> 0 collapsing
 */
export function healthSnapshot(
  metrics: HealthMetrics,
  labels?: ArrayLike<number> | null,
  reference?: HealthMetrics | null,
): HealthSnapshot {
  if (metrics === null || typeof metrics !== 'object' || !('spread' in metrics) || !('shape' in metrics)) {
    throw invalidArgument(
      `Argument \`metrics\` must be the HealthMetrics returned by embeddingHealth. Received: ${String(metrics)}`,
    );
  }
  const ratio = (value: number, start: number | undefined) => (start === undefined ? NaN : value / start);
  const { spread, norms, shape, separation, nonFinite } = metrics;
  return {
    rows: metrics.rows,
    dim: metrics.dim,
    nonFinite: nonFinite.count,
    meanDistance: spread.meanDistance,
    meanNormalizedDistance: spread.meanNormalizedDistance,
    meanDistanceRatio: ratio(spread.meanDistance, reference?.spread.meanDistance),
    meanNormalizedDistanceRatio: ratio(spread.meanNormalizedDistance, reference?.spread.meanNormalizedDistance),
    normalizedStdSqrtDim: spread.normalizedStdSqrtDim,
    normMean: norms.mean,
    normMin: norms.min,
    normMax: norms.max,
    nearZeroShare: norms.nearZeroShare,
    normMeanRatio: ratio(norms.mean, reference?.norms.mean),
    effectiveRank: shape.effectiveRank,
    effectiveRankRatio: ratio(shape.effectiveRank, reference?.shape.effectiveRank),
    firstComponentShare: shape.firstComponentShare,
    deadDimensions: shape.deadDimensions.count,
    numClasses: labels === undefined || labels === null ? 0 : new Set(Array.from(labels)).size,
    meanPositive: separation?.meanPositive ?? NaN,
    meanNegative: separation?.meanNegative ?? NaN,
    gap: separation?.gap ?? NaN,
    violationFraction: separation?.violationFraction ?? NaN,
    margin: separation?.margin ?? NaN,
  };
}

/**
 * Reads a snapshot back from JSON (a `log.jsonl` record's `health`, a `summary.json`): null is NaN
 * (JSON has no NaN); a missing field or one that is not a number or null is an error naming it.
 *
 * @example
 * const snapshot = dm.parseHealthSnapshot(JSON.parse(line).health, 'log.jsonl line 12');
 */
export function parseHealthSnapshot(value: unknown, where = 'health'): HealthSnapshot {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument(`${where}: expected an object of health numbers. Received: ${JSON.stringify(value)}`);
  }
  const record = value as Record<string, unknown>;
  const out: Partial<HealthSnapshot> = {};
  for (const field of HEALTH_SNAPSHOT_FIELDS) {
    const v = record[field];
    if (v === null) out[field] = NaN;
    else if (typeof v === 'number') out[field] = v;
    else throw invalidArgument(`${where}: field \`${field}\` must be a number or null. Received: ${JSON.stringify(v)}`);
  }
  return out as HealthSnapshot;
}
