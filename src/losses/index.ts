export { BaseMetricLossFunction } from './base-metric-loss-function.js';
export type { BaseMetricLossOptions, LossSpec, LossTerms } from './base-metric-loss-function.js';
export { TripletMarginLoss } from './triplet-margin-loss.js';
export type { TripletLossStats, TripletMarginLossOptions } from './triplet-margin-loss.js';
export { allTripletIndices, convertToTriplets, pairsToTriplets, randomTripletIndices } from './convert-to-triplets.js';
