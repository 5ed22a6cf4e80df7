export { BaseMetricLossFunction } from './base-metric-loss-function.js';
export type { BaseMetricLossOptions, LossSpec, LossTerms } from './base-metric-loss-function.js';
export { TripletMarginLoss } from './triplet-margin-loss.js';
export type { TripletLossStats, TripletMarginLossOptions } from './triplet-margin-loss.js';
export { allTripletIndices, convertToTriplets, pairsToTriplets, randomTripletIndices } from './convert-to-triplets.js';
export type {
  CheckedReference,
  ReferenceBatch,
  ReferenceSupport,
  SubLoss,
  SubLossTerms,
} from './base-metric-loss-function.js';
export { ContrastiveLoss } from './contrastive-loss.js';
export type { ContrastiveLossOptions, ContrastiveLossStats } from './contrastive-loss.js';
export { MultiSimilarityLoss } from './multi-similarity-loss.js';
export type { MultiSimilarityLossOptions, MultiSimilarityLossStats } from './multi-similarity-loss.js';
export { NTXentLoss } from './ntxent-loss.js';
export type { NTXentLossOptions, NTXentLossStats } from './ntxent-loss.js';
export { SupConLoss } from './sup-con-loss.js';
export type { SupConLossOptions, SupConLossStats } from './sup-con-loss.js';
export { CircleLoss } from './circle-loss.js';
export type { CircleLossOptions, CircleLossStats } from './circle-loss.js';
export { MarginLoss } from './margin-loss.js';
export type { MarginLossOptions, MarginLossStats } from './margin-loss.js';
export { ArcFaceLoss } from './arc-face-loss.js';
export type { ArcFaceLossOptions, ArcFaceLossStats } from './arc-face-loss.js';
export { ProxyAnchorLoss } from './proxy-anchor-loss.js';
export type { ProxyAnchorLossOptions, ProxyAnchorLossStats } from './proxy-anchor-loss.js';
export { allPairIndices, convertToPairs } from './convert-to-pairs.js';
export { convertToWeights } from './convert-to-weights.js';
export { CrossBatchMemory } from './cross-batch-memory.js';
export type { CrossBatchMemoryOptions, CrossBatchMemoryStats } from './cross-batch-memory.js';
export { mineAgainstMemory, MEMORY_MINERS } from './mine-against-memory.js';
