/** deepmetric's public API. */
export { tf } from './tf.js';
export { DeepmetricError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { initBackend } from './backend/index.js';
export type { BackendChoice, BackendName } from './backend/index.js';
export {
  BaseDistance,
  LpDistance,
  DotProductSimilarity,
  CosineSimilarity,
} from './distances/index.js';
export type { BaseDistanceOptions, LpDistanceOptions } from './distances/index.js';
export { BaseReducer, MeanReducer, AvgNonZeroReducer, SumReducer } from './reducers/index.js';
