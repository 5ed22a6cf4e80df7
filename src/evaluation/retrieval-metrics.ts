import { tf } from '../tf.js';
import { checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/index.js';
import { checkSearchInputs, defaultKnnDistance, type NeighbourSearch } from './neighbour-chunks.js';
import { checkKnnMethod, forEachNeighbours, type KnnMethod } from './knn-method.js';
import type { VectorIndexSettings } from './build-vector-index.js';
import { sampleRows } from './knn-recall.js';
import {
  approximationReport,
  gatherRows,
  resolveCheckOptions,
  type ApproximationCheckOptions,
  type ApproximationReport,
} from './approximation-report.js';

export interface RetrievalMetricsOptions {
  /** Embeddings of the queries (n x d). */
  query: tf.Tensor2D;
  /** One integer class per query row. */
  queryLabels: ArrayLike<number>;
  /** Embeddings searched (m x d). Omitted: the query searches itself, without its own row. */
  reference?: tf.Tensor2D;
  /** One integer class per reference row; given exactly when `reference` is. */
  referenceLabels?: ArrayLike<number>;
  /**
   * The first n rows of `reference` are the query rows (same values, same labels): each query's own
   * row is not counted as its neighbour. Default: false with a reference; always true without one.
   */
  refIncludesQuery?: boolean;
  /**
   * Neighbours per query: an integer, `'maxBinCount'` (the largest number of same-label references
   * any query can have, so that R-precision and MAP@R are exact), or omitted / null for every
   * reference (PML's default).
   */
  k?: number | 'maxBinCount' | null;
  /** Default: Euclidean without normalization, `new LpDistance({ normalizeEmbeddings: false })`. */
  distance?: BaseDistance;
  /** Average each metric per class first, then over classes. Default: false. */
  avgOfAvgs?: boolean;
  /** Query rows per k-NN chunk. Default: as many as keep a chunk's largest intermediate under 2^23 entries. */
  batchSize?: number;
  /**
   * `'exact'` (default) compares every pair; `'approximate'` searches a USearch HNSW index of the
   * references (Node only) and reports its recall@k and the metrics' difference from exact search
   * on a subset (`approximation` in the result).
   */
  knn?: KnnMethod;
  /** HNSW settings of the approximate search (see `VectorIndexSettings`). */
  index?: VectorIndexSettings;
  /** How the approximate search is checked against exact search (sample sizes, seed). */
  approximation?: ApproximationCheckOptions;
}

export interface RetrievalMetrics {
  precisionAt1: number;
  rPrecision: number;
  meanAveragePrecisionAtR: number;
  meanAveragePrecision: number;
  meanReciprocalRank: number;
  /** The k that was searched (PML's `num_k`), after resolving `'maxBinCount'` or all references. */
  k: number;
}

/** What `retrievalMetrics` returns: the metrics, and with `knn: 'approximate'` the report of the approximation. */
export interface RetrievalMetricsResult extends RetrievalMetrics {
  /** The index used, its measured recall@k and the subset comparison; only with `knn: 'approximate'`. */
  approximation?: ApproximationReport;
}

/**
 * Retrieval quality of embeddings, with exactly the semantics of pytorch-metric-learning 2.8.1's
 * `AccuracyCalculator.get_accuracy` (names in camelCase). For a query q with label y, its k nearest
 * references r_1..r_k (see `knn`), rel_j = [label(r_j) = y], R = the number of references labelled y
 * (minus 1 when the query is among the references) and R' = min(R, k):
 *
 *   precisionAt1            = rel_1
 *   rPrecision              = (sum_{j <= R'} rel_j) / R'
 *   meanAveragePrecisionAtR = (sum_{j <= R'} rel_j P@j) / R,      P@j = (sum_{i <= j} rel_i) / j
 *   meanAveragePrecision    = (sum_{j <= k} rel_j P@j) / R        (divided by R even when k < R)
 *   meanReciprocalRank      = 1 / (rank of the first relevant neighbour), 0 if none, in float32
 *
 * each averaged over the queries (or per class first, with `avgOfAvgs`). As in PML: queries whose
 * label has no other example among the references are left out, and when every query is such a
 * "lone" query all metrics are NaN; with k below the largest class, R-precision and MAP@R are
 * computed on the first k neighbours only (use `k: 'maxBinCount'` for exact values).
 *
 * With `knn: 'approximate'` the neighbours come from a USearch HNSW index under the same
 * distance (Euclidean as `l2sq`, cosine and dot product as `ip`), with the same self exclusion and
 * tie order; the result's `approximation` holds recall@k against exact search on a seeded sample
 * of queries and the five metrics exact and approximate on a seeded subset of the rows.
 *
 * @example
 * const m = dm.retrievalMetrics({ query: embeddings, queryLabels: labels, k: 'maxBinCount' });
 * m.precisionAt1; m.meanAveragePrecisionAtR;
 * // a separate gallery:
 * dm.retrievalMetrics({ query, queryLabels, reference: gallery, referenceLabels: galleryLabels });
 */
export function retrievalMetrics(options: RetrievalMetricsOptions): RetrievalMetricsResult {
  return computeRetrievalMetrics(options, true);
}

function computeRetrievalMetrics(options: RetrievalMetricsOptions, report: boolean): RetrievalMetricsResult {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument(`Argument \`options\` must be an object. Received: ${String(options)}`);
  }
  const { query, reference, batchSize } = options;
  const distance = options.distance ?? defaultKnnDistance();
  const avgOfAvgs = options.avgOfAvgs ?? false;
  if (typeof avgOfAvgs !== 'boolean') {
    throw invalidArgument(`Option \`avgOfAvgs\` must be a boolean. Received: avgOfAvgs=${String(avgOfAvgs)}`);
  }
  if ((reference === undefined) !== (options.referenceLabels === undefined)) {
    throw invalidArgument(
      `Options \`reference\` and \`referenceLabels\` go together. Received: ${reference === undefined ? 'referenceLabels without reference' : 'reference without referenceLabels'}`,
    );
  }
  if (reference === undefined && options.refIncludesQuery === false) {
    throw invalidArgument(
      'Option `refIncludesQuery` cannot be false without a `reference`: the query is then its own reference, without its own row. Pass `reference: query, referenceLabels: queryLabels` to count each query as its own neighbour.',
    );
  }
  const refIncludesQuery = reference === undefined ? true : (options.refIncludesQuery ?? false);
  if (typeof refIncludesQuery !== 'boolean') {
    throw invalidArgument(
      `Option \`refIncludesQuery\` must be a boolean. Received: refIncludesQuery=${String(refIncludesQuery)}`,
    );
  }
  const method = checkKnnMethod(options.knn ?? 'exact', 'knn');
  const check = resolveCheckOptions(options.approximation);
  checkSearchInputs(query, reference, distance, batchSize);
  const ref = reference ?? query;
  const numQueries = query.shape[0];
  const numReferences = ref.shape[0];
  const queryLabels = checkLabels(options.queryLabels, numQueries, 'queryLabels');
  const refLabels =
    options.referenceLabels === undefined
      ? queryLabels
      : checkLabels(options.referenceLabels, numReferences, 'referenceLabels');
  checkSeveralClasses(queryLabels, refLabels);
  if (refIncludesQuery && reference !== undefined) checkQueryIsInReference(query, queryLabels, ref, refLabels);

  const self = refIncludesQuery ? 1 : 0;
  const refCounts = new Map<number, number>();
  for (const label of refLabels) refCounts.set(label, (refCounts.get(label) ?? 0) + 1);
  let maxBinCount = 0;
  for (const label of new Set(queryLabels)) maxBinCount = Math.max(maxBinCount, refCounts.get(label) ?? 0);
  const k = resolveK(options.k, maxBinCount, numReferences, self);

  // R for each query; 0 marks a lone query (no other same-label reference), which is left out.
  const relevant = new Int32Array(numQueries);
  let anyScored = false;
  for (let i = 0; i < numQueries; i++) {
    relevant[i] = Math.max(0, (refCounts.get(queryLabels[i]) ?? 0) - self);
    if (relevant[i] > 0) anyScored = true;
  }
  if (!anyScored) {
    return {
      precisionAt1: NaN,
      rPrecision: NaN,
      meanAveragePrecisionAtR: NaN,
      meanAveragePrecision: NaN,
      meanReciprocalRank: NaN,
      k,
    };
  }

  const perQuery = {
    precisionAt1: new Float64Array(numQueries),
    rPrecision: new Float64Array(numQueries),
    meanAveragePrecisionAtR: new Float64Array(numQueries),
    meanAveragePrecision: new Float64Array(numQueries),
    meanReciprocalRank: new Float64Array(numQueries),
  };
  const search: NeighbourSearch = {
    query,
    reference: ref,
    k,
    distance,
    excludeSelf: refIncludesQuery,
    batchSize,
    withDistances: false,
  };
  // The approximate neighbours of the rows whose recall is measured, kept as the chunks pass.
  const withReport = method === 'approximate' && report;
  const recallRows = withReport ? sampleRows(numQueries, check.recallQueries, check.seed) : new Int32Array(0);
  const kept = new Int32Array(recallRows.length * k);
  let next = 0;
  forEachNeighbours(method, options.index ?? {}, search, (chunk) => {
    while (next < recallRows.length && recallRows[next] < chunk.start + chunk.rows) {
      const r = recallRows[next] - chunk.start;
      kept.set(chunk.indices.subarray(r * k, (r + 1) * k), next * k);
      next++;
    }
    for (let r = 0; r < chunk.rows; r++) {
      const i = chunk.start + r;
      const numRelevant = relevant[i];
      if (numRelevant === 0) continue;
      const label = queryLabels[i];
      const cutoff = Math.min(numRelevant, k);
      let hits = 0;
      let hitsAtR = 0;
      let precisionSum = 0;
      let precisionSumAtR = 0;
      let firstHit = 0;
      for (let j = 0; j < k; j++) {
        if (refLabels[chunk.indices[r * k + j]] !== label) continue;
        hits++;
        const precision = hits / (j + 1);
        precisionSum += precision;
        if (j < cutoff) {
          hitsAtR++;
          precisionSumAtR += precision;
        }
        if (firstHit === 0) firstHit = j + 1;
      }
      perQuery.precisionAt1[i] = firstHit === 1 ? 1 : 0;
      perQuery.rPrecision[i] = hitsAtR / cutoff;
      perQuery.meanAveragePrecisionAtR[i] = precisionSumAtR / numRelevant;
      perQuery.meanAveragePrecision[i] = precisionSum / numRelevant;
      // PML forms 1/rank in float32 (torch's default dtype).
      perQuery.meanReciprocalRank[i] = firstHit === 0 ? 0 : Math.fround(1 / firstHit);
    }
  });

  const average = (values: Float64Array, float32: boolean) =>
    averageOverQueries(values, relevant, queryLabels, avgOfAvgs, float32);
  const metrics: RetrievalMetrics = {
    precisionAt1: average(perQuery.precisionAt1, false),
    rPrecision: average(perQuery.rPrecision, false),
    meanAveragePrecisionAtR: average(perQuery.meanAveragePrecisionAtR, false),
    meanAveragePrecision: average(perQuery.meanAveragePrecision, false),
    meanReciprocalRank: average(perQuery.meanReciprocalRank, true),
    k,
  };
  if (!withReport) return metrics;
  const subsetMetrics = (rows: Int32Array) => {
    const sub = gatherRows(query, rows);
    try {
      const subsetOptions: RetrievalMetricsOptions = {
        query: sub,
        queryLabels: Int32Array.from(rows, (r) => queryLabels[r]),
        k: typeof options.k === 'number' ? Math.min(options.k, rows.length - 1) : options.k,
        distance,
        avgOfAvgs,
        batchSize,
        index: options.index,
      };
      const exact = computeRetrievalMetrics({ ...subsetOptions, knn: 'exact' }, false);
      const approximate = computeRetrievalMetrics({ ...subsetOptions, knn: 'approximate' }, false);
      return { k: exact.k, exact, approximate };
    } finally {
      sub.dispose();
    }
  };
  const approximation = approximationReport(search, options.index ?? {}, check, recallRows, kept, subsetMetrics);
  return { ...metrics, approximation };
}

function resolveK(k: unknown, maxBinCount: number, numReferences: number, self: number): number {
  const available = numReferences - self;
  if (k === undefined || k === null) return available;
  if (k === 'maxBinCount') return maxBinCount - self;
  if (!(typeof k === 'number' && Number.isInteger(k) && k >= 1)) {
    throw invalidArgument(
      `Option \`k\` must be an integer >= 1, 'maxBinCount', or omitted for all references. Received: k=${String(k)}`,
    );
  }
  if (k > available) {
    throw invalidArgument(
      `Option \`k\` must be at most the number of references${self ? ' other than the query itself' : ''} (${available}). Received: k=${k}`,
    );
  }
  return k;
}

/** Retrieval by class needs two classes at least: with one, every neighbour is a match. */
function checkSeveralClasses(queryLabels: Int32Array, refLabels: Int32Array): void {
  const first = queryLabels[0];
  if (queryLabels.every((v) => v === first) && refLabels.every((v) => v === first)) {
    throw invalidArgument(
      `Arguments \`queryLabels\` and \`referenceLabels\` must hold at least 2 classes. Received: every label is ${first}`,
    );
  }
}

/** PML's check for `ref_includes_query`: the first n reference rows equal the query (torch.allclose) and its labels. */
function checkQueryIsInReference(
  query: tf.Tensor2D,
  queryLabels: Int32Array,
  reference: tf.Tensor2D,
  refLabels: Int32Array,
): void {
  const n = query.shape[0];
  if (n > reference.shape[0]) {
    throw invalidArgument(
      `Option \`refIncludesQuery\` needs the ${n} query rows to be the first rows of \`reference\`, which has only ${reference.shape[0]} rows`,
    );
  }
  const labelRow = queryLabels.findIndex((v, i) => v !== refLabels[i]);
  let row = labelRow;
  if (row === -1 && reference !== query) {
    const rowOk = tf.tidy(() => {
      const head = tf.slice(reference, [0, 0], [n, reference.shape[1]]);
      const tolerance = tf.add(1e-8, tf.mul(1e-5, tf.abs(head)));
      return tf.all(tf.lessEqual(tf.abs(tf.sub(query, head)), tolerance), 1);
    });
    const flags = rowOk.dataSync();
    rowOk.dispose();
    row = flags.findIndex((ok) => ok === 0);
  }
  if (row !== -1) {
    throw invalidArgument(
      `Option \`refIncludesQuery\` means the first ${n} rows of \`reference\` and \`referenceLabels\` are the query and its labels. Received: a different ${labelRow === -1 ? 'embedding' : 'label'} in row ${row}`,
    );
  }
}

/**
 * The mean over scored queries (relevant > 0), or with `avgOfAvgs` the mean over classes of the
 * per-class means. `float32` rounds each step as torch does for a float32 tensor.
 */
function averageOverQueries(
  values: Float64Array,
  relevant: Int32Array,
  labels: Int32Array,
  avgOfAvgs: boolean,
  float32: boolean,
): number {
  const round = float32 ? Math.fround : (v: number) => v;
  if (!avgOfAvgs) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < values.length; i++) {
      if (relevant[i] === 0) continue;
      sum += values[i];
      count++;
    }
    return round(round(sum) / count);
  }
  const sums = new Map<number, { sum: number; count: number }>();
  for (let i = 0; i < values.length; i++) {
    if (relevant[i] === 0) continue;
    const entry = sums.get(labels[i]) ?? { sum: 0, count: 0 };
    entry.sum += values[i];
    entry.count++;
    sums.set(labels[i], entry);
  }
  let total = 0;
  for (const { sum, count } of sums.values()) total += round(round(sum) / count);
  return round(round(total) / sums.size);
}
