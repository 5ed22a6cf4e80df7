export { embeddingHealth } from './embedding-health.js';
export type {
  EmbeddingMatrix,
  EmbeddingsInput,
  HealthMetrics,
  HealthOptions,
  NonFiniteCount,
  NormMetrics,
  SeparationMetrics,
  ShapeMetrics,
  SpreadMetrics,
} from './health-metrics.js';
export { effectiveRank } from './effective-rank.js';
export { symmetricEigen } from './symmetric-eigen.js';
export type { SymmetricEigen, SymmetricEigenOptions } from './symmetric-eigen.js';
