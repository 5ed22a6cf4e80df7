import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { resolveIndexSettings, type VectorIndexSettings } from './build-vector-index.js';
import { exactNeighboursOf, knnRecall, sampleRows } from './knn-recall.js';
import { loadUsearch } from './load-usearch.js';
import type { NeighbourSearch } from './neighbour-chunks.js';
import { vectorIndexMetric } from './vector-index-metric.js';

/** How much the approximation is checked against exact search. */
export interface ApproximationCheckOptions {
  /** Query rows whose exact neighbours are searched to measure recall@k. Default 1000 (all when fewer). */
  recallQueries?: number;
  /**
   * Rows of the query evaluated by themselves (leave-one-out) both exactly and approximately, to
   * report the metrics' difference. Default 10,000 (all when fewer); 0 skips this comparison.
   */
  compareRows?: number;
  /** Seed of both samples. Default 0. */
  seed?: number;
}

/** The five retrieval metrics, without `k`. */
export interface MetricValues {
  precisionAt1: number;
  rPrecision: number;
  meanAveragePrecisionAtR: number;
  meanAveragePrecision: number;
  meanReciprocalRank: number;
}

/** What `retrievalMetrics({ knn: 'approximate' })` measured of its own approximation. */
export interface ApproximationReport {
  library: 'usearch';
  version: string;
  /** USearch's metric for the distance: `l2sq` or `ip`. */
  metric: 'l2sq' | 'ip';
  /** The distance as deepmetric measured it, e.g. `Euclidean on L2-normalized rows`. */
  distance: string;
  settings: Required<VectorIndexSettings>;
  /** recall@k of the neighbours used, against exact search, on `queries` seeded query rows. */
  recall: { k: number; queries: number; seed: number; recallAtK: number };
  /** The metrics of a seeded subset of the query rows, exact and approximate; null when `compareRows` is 0. */
  subset: {
    rows: number;
    seed: number;
    k: number;
    exact: MetricValues;
    approximate: MetricValues;
    /** approximate - exact, per metric. */
    difference: MetricValues;
  } | null;
}

export const METRIC_KEYS: ReadonlyArray<keyof MetricValues> = [
  'precisionAt1',
  'rPrecision',
  'meanAveragePrecisionAtR',
  'meanAveragePrecision',
  'meanReciprocalRank',
];

/** Checked options with defaults. */
export function resolveCheckOptions(options: ApproximationCheckOptions = {}): Required<ApproximationCheckOptions> {
  const resolved = {
    recallQueries: options.recallQueries ?? 1000,
    compareRows: options.compareRows ?? 10000,
    seed: options.seed ?? 0,
  };
  for (const [name, value] of Object.entries(resolved)) {
    const min = name === 'recallQueries' ? 1 : 0;
    if (!(Number.isInteger(value) && value >= min)) {
      throw invalidArgument(
        `Option \`approximation.${name}\` must be an integer >= ${min}. Received: ${name}=${String(value)}`,
      );
    }
  }
  return resolved;
}

/**
 * Builds the report of an approximate search: recall@k of the approximate neighbours of the
 * sampled rows (`approximateOf` gives them, as the search kept them) against exact search, and the
 * exact and approximate metrics of a row subset (`subsetMetrics` computes them).
 *
 * @example
 * approximationReport(search, settings, check, (rows) => kept.get(rows), (method, rows) => metricsOn(rows));
 */
export function approximationReport(
  search: NeighbourSearch,
  settings: VectorIndexSettings,
  check: Required<ApproximationCheckOptions>,
  recallRows: Int32Array,
  approximateOfRecallRows: Int32Array,
  subsetMetrics: (rows: Int32Array) => { k: number; exact: MetricValues; approximate: MetricValues },
): ApproximationReport {
  const metric = vectorIndexMetric(search.distance);
  const exactOfRecallRows = exactNeighboursOf(search, recallRows);
  const numRows = search.query.shape[0];
  let subset: ApproximationReport['subset'] = null;
  if (check.compareRows > 0) {
    const rows = sampleRows(numRows, check.compareRows, check.seed + 1);
    const { k, exact, approximate } = subsetMetrics(rows);
    const e = {} as MetricValues;
    const a = {} as MetricValues;
    const difference = {} as MetricValues;
    for (const key of METRIC_KEYS) {
      e[key] = exact[key];
      a[key] = approximate[key];
      difference[key] = a[key] - e[key];
    }
    subset = { rows: rows.length, seed: check.seed + 1, k, exact: e, approximate: a, difference };
  }
  return {
    library: 'usearch',
    version: loadUsearch().version,
    metric: metric.metric,
    distance: metric.description,
    settings: resolveIndexSettings(settings),
    recall: {
      k: search.k,
      queries: recallRows.length,
      seed: check.seed,
      recallAtK: knnRecall(approximateOfRecallRows, exactOfRecallRows, search.k),
    },
    subset,
  };
}

/** The rows `rows` of `x`, as a new tensor the caller disposes. */
export function gatherRows(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  return tf.tidy(() => tf.gather(x, rows) as tf.Tensor2D);
}
