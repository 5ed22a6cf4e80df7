import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationMetrics, RawComparison } from '../evaluation/index.js';

/** The metrics the report and `deepmetric eval` show, in order, with their display names. */
export const METRIC_LABELS: ReadonlyArray<readonly [keyof Omit<EvaluationMetrics, 'k'>, string]> = [
  ['precisionAt1', 'precision@1'],
  ['rPrecision', 'R-precision'],
  ['meanAveragePrecisionAtR', 'MAP@R'],
  ['meanAveragePrecision', 'MAP'],
  ['meanReciprocalRank', 'MRR'],
  ['nmi', 'NMI (k-means)'],
  ['ami', 'AMI (k-means)'],
];

/** The two sources compared, as the chart's legend names them. */
export const SOURCES = ['embeddings', 'raw input'] as const;

/**
 * Grouped bars of the final metrics: for each metric, the trained embeddings next to the raw input
 * features (the baseline every model should beat), on a shared [0, 1] axis.
 *
 * @example
 * const spec = metricsChartSpec(compareWithRaw(embeddings, test));
 */
export function metricsChartSpec(comparison: RawComparison): TopLevelSpec {
  const values = METRIC_LABELS.flatMap(([key, label]) => [
    { metric: label, source: SOURCES[0], value: comparison.embedding[key] },
    { metric: label, source: SOURCES[1], value: comparison.raw[key] },
  ]);
  return {
    data: { values },
    width: 300,
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'metric', type: 'nominal', title: null, sort: METRIC_LABELS.map(([, label]) => label) },
      yOffset: { field: 'source', type: 'nominal', sort: [...SOURCES] },
      x: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
      color: {
        field: 'source',
        type: 'nominal',
        title: null,
        scale: { domain: [...SOURCES], range: ['#4c78a8', '#bab0ac'] },
        legend: { orient: 'bottom' },
      },
    },
  };
}
