export { ParallelTrainer } from './parallel-trainer.js';
export type { ParallelTrainerOptions } from './parallel-trainer.js';
export { GradientWorkers } from './gradient-workers.js';
export type { GradientWorkersOptions } from './gradient-workers.js';
export { currentBackendChoice } from './current-backend-choice.js';
export { embedDatasetParallel } from './embed-dataset-parallel.js';
export type { EmbedDatasetParallelOptions } from './embed-dataset-parallel.js';
export { resolveWorkers } from './resolve-workers.js';
