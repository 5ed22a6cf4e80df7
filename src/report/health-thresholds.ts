import {
  COLLAPSED_NEAR_ZERO_SHARE,
  COLLAPSED_NORMALIZED_DISTANCE,
  COLLAPSED_RAW_SPREAD_RATIO,
  COLLAPSED_STD,
  COLLAPSING_RAW_SPREAD_RATIO,
  COLLAPSING_SPREAD_RATIO,
  DEAD_DIMENSION_SHARE,
  DIMENSIONAL_FIRST_COMPONENT_SHARE,
  DIMENSIONAL_MIN_RANK,
  DIMENSIONAL_RANK_FRACTION,
  UNSEPARATED_VIOLATION_FRACTION,
  type HealthSnapshot,
} from '../health/index.js';
import type { HealthThreshold } from './health-chart.js';

/**
 * The health metrics the report charts, in order: the ones the collapse detector reads. Runs whose
 * loss measures raw embeddings are judged on the raw spread and norms instead of the normalized
 * spread. The mean norm is the one before the model's L2-normalize layer when it has one (after it
 * every norm is 1), so it shows norms shrinking or exploding in every run.
 *
 * @example
 * healthChartMetrics({ normalizeEmbeddings: true }); // ['meanNormalizedDistance', ...]
 */
export function healthChartMetrics(config: { normalizeEmbeddings: boolean }): string[] {
  const spread = config.normalizeEmbeddings
    ? ['meanNormalizedDistance', 'meanNormalizedDistanceRatio', 'normalizedStdSqrtDim']
    : ['meanDistanceRatio', 'nearZeroShare', 'meanNormalizedDistance'];
  return [...spread, 'effectiveRank', 'firstComponentShare', 'deadDimensions', 'violationFraction', 'gap', 'normMean'];
}

/**
 * The detector's thresholds (`src/health/thresholds.ts`) as lines on the health chart. Two depend
 * on the run: the effective rank the classes need, DIMENSIONAL_RANK_FRACTION x min(classes - 1,
 * dim), and the dead-dimension count, DEAD_DIMENSION_SHARE x dim, both read from the last probe.
 * The spread ratios are drawn against the start of training (the detector also compares with the
 * spread's peak during the run, which the chart does not know).
 *
 * @example
 * healthThresholds(lastProbe, config.normalizeEmbeddings);
 * // [{ metric: 'meanNormalizedDistance', value: 0.1, bad: 'below', label: 'collapsed' }, ...]
 */
export function healthThresholds(last: HealthSnapshot | null, normalizeEmbeddings: boolean): HealthThreshold[] {
  const out: HealthThreshold[] = normalizeEmbeddings
    ? [
        { metric: 'meanNormalizedDistance', value: COLLAPSED_NORMALIZED_DISTANCE, bad: 'below', label: 'collapsed' },
        { metric: 'meanNormalizedDistanceRatio', value: COLLAPSING_SPREAD_RATIO, bad: 'below', label: 'collapsing' },
        { metric: 'normalizedStdSqrtDim', value: COLLAPSED_STD, bad: 'below', label: 'collapsed' },
      ]
    : [
        { metric: 'meanDistanceRatio', value: COLLAPSING_RAW_SPREAD_RATIO, bad: 'below', label: 'collapsing' },
        { metric: 'meanDistanceRatio', value: COLLAPSED_RAW_SPREAD_RATIO, bad: 'below', label: 'collapsed' },
        { metric: 'nearZeroShare', value: COLLAPSED_NEAR_ZERO_SHARE, bad: 'above', label: 'collapsed' },
      ];
  const classes = last?.numClasses ?? 0;
  const dim = last?.dim ?? NaN;
  if (classes >= 2 && Number.isFinite(dim)) {
    out.push({
      metric: 'effectiveRank',
      value: round(DIMENSIONAL_RANK_FRACTION * Math.min(classes - 1, dim)),
      bad: 'below',
      label: 'dimensional collapse',
    });
  } else {
    out.push({ metric: 'effectiveRank', value: DIMENSIONAL_MIN_RANK, bad: 'below', label: 'dimensional collapse' });
    out.push({
      metric: 'firstComponentShare',
      value: DIMENSIONAL_FIRST_COMPONENT_SHARE,
      bad: 'above',
      label: 'on a line',
    });
  }
  if (Number.isFinite(dim))
    out.push({ metric: 'deadDimensions', value: round(DEAD_DIMENSION_SHARE * dim), bad: 'above', label: 'dead units' });
  out.push({ metric: 'violationFraction', value: UNSEPARATED_VIOLATION_FRACTION, bad: 'above', label: 'unseparated' });
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
