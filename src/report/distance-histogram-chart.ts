import type { TopLevelSpec } from 'vega-lite';
import { invalidArgument } from '../errors.js';
import type { HistogramBin } from './distance-histograms.js';

export interface DistanceHistogramChartOptions {
  /** The axis title: the distance the pairs were measured with. */
  distanceLabel: string;
  /** The phases in display order. Default ['start', 'end']. */
  phases?: string[];
}

/**
 * Histograms of d(a,p) (same class) and d(a,n) (different classes) side by side for each phase
 * (the untrained network, then the trained one), overlaid with transparency on a shared x axis.
 * Training that works pulls the d(a,p) histogram left of d(a,n); collapse squeezes both into a spike.
 *
 * @example
 * const spec = distanceHistogramChartSpec(distanceHistograms(phases), { distanceLabel: 'Euclidean distance (normalized)' });
 */
export function distanceHistogramChartSpec(
  bins: readonly HistogramBin[],
  options: DistanceHistogramChartOptions,
): TopLevelSpec {
  if (!Array.isArray(bins) || bins.length === 0) {
    throw invalidArgument('Argument `bins` must be a non-empty array of histogram bins. Received: none');
  }
  const phases = options.phases ?? ['start', 'end'];
  return {
    data: { values: bins.map((b) => ({ ...b })) },
    facet: {
      column: { field: 'phase', type: 'nominal', sort: phases, title: null, header: { labelFontWeight: 'bold' } },
    },
    spec: {
      width: 290,
      height: 170,
      mark: { type: 'rect', opacity: 0.55 },
      encoding: {
        x: { field: 'x0', type: 'quantitative', title: options.distanceLabel, scale: { nice: false } },
        x2: { field: 'x1' },
        y: { field: 'share', type: 'quantitative', title: 'share of pairs', axis: { format: '.0%' } },
        y2: { datum: 0 },
        color: {
          field: 'pairs',
          type: 'nominal',
          title: null,
          scale: { domain: ['d(a,p)', 'd(a,n)'], range: ['#4c78a8', '#e45756'] },
        },
      },
    },
  };
}
