export { createOptimizer } from './create-optimizer.js';
export type { OptimizerOptions, AdamOptions, SgdOptions } from './create-optimizer.js';
export { Optimizer } from './optimizer.js';
export type { OptimizerConfig, OptimizerName } from './optimizer.js';
export { optimizerState, restoreOptimizer } from './optimizer-state.js';
export type { OptimizerState, OptimizerSlot } from './optimizer-state.js';
export { gradientNorm } from './gradient-norm.js';
export { getLearningRate, setLearningRate } from './tfjs-internals.js';
