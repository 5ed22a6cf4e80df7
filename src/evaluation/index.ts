export { knn } from './knn.js';
export type { KnnOptions, KnnResult } from './knn.js';
export { retrievalMetrics } from './retrieval-metrics.js';
export type { RetrievalMetrics, RetrievalMetricsOptions, RetrievalMetricsResult } from './retrieval-metrics.js';
export { clusteringMetrics } from './clustering-metrics.js';
export type { ClusteringMetrics } from './clustering-metrics.js';
export { kMeans } from './k-means.js';
export type { KMeansOptions, KMeansResult } from './k-means.js';
export { compareWithRaw, retrievalWithRaw } from './compare-with-raw.js';
export type { CompareWithRawOptions, EvaluationMetrics, RawComparison } from './compare-with-raw.js';
export { knnRecall, sampleRows } from './knn-recall.js';
export { KNN_METHODS } from './knn-method.js';
export type { KnnMethod } from './knn-method.js';
export { vectorIndexMetric } from './vector-index-metric.js';
export type { VectorIndexMetric } from './vector-index-metric.js';
export {
  buildVectorIndex,
  searchVectorIndex,
  resolveIndexSettings,
  DEFAULT_INDEX_SETTINGS,
} from './build-vector-index.js';
export type { VectorIndexSettings, UsearchIndex } from './build-vector-index.js';
export { loadUsearch } from './load-usearch.js';
export type { ApproximationReport, ApproximationCheckOptions, MetricValues } from './approximation-report.js';
