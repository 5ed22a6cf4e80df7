export { BaseDistance } from './base-distance.js';
export type { BaseDistanceOptions } from './base-distance.js';
export { LpDistance } from './lp-distance.js';
export type { LpDistanceOptions } from './lp-distance.js';
export { DotProductSimilarity } from './dot-product-similarity.js';
export { CosineSimilarity } from './cosine-similarity.js';
export { l2Normalize } from './l2-normalize.js';
export { euclideanMatrix, squaredEuclideanMatrix } from './euclidean-matrix.js';
