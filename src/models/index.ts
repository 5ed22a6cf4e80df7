export { buildModel } from './build-model.js';
export type { BuildModelOptions } from './build-model.js';
export { parseModelSpec, DEFAULT_MLP_HIDDEN, DEFAULT_CONVNET } from './parse-model-spec.js';
export type { ModelSpec } from './parse-model-spec.js';
export { L2Normalize } from './l2-normalize-layer.js';
export type { L2NormalizeArgs } from './l2-normalize-layer.js';
export { saveModel, modelFiles, MODEL_JSON, WEIGHTS_BIN } from './save-model.js';
export { loadModel } from './load-model.js';
export { embedDataset } from './embed-dataset.js';
