export { knn } from './knn.js';
export type { KnnOptions, KnnResult } from './knn.js';
export { retrievalMetrics } from './retrieval-metrics.js';
export type { RetrievalMetrics, RetrievalMetricsOptions } from './retrieval-metrics.js';
export { clusteringMetrics } from './clustering-metrics.js';
export type { ClusteringMetrics } from './clustering-metrics.js';
export { kMeans } from './k-means.js';
export type { KMeansOptions, KMeansResult } from './k-means.js';
