export { BaseRegularizer } from './base-regularizer.js';
export type { BaseRegularizerOptions } from './base-regularizer.js';
export { LpRegularizer } from './lp-regularizer.js';
export type { LpRegularizerOptions } from './lp-regularizer.js';
export { ZeroMeanRegularizer } from './zero-mean-regularizer.js';
