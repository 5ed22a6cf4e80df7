export { initBackend, BACKENDS } from './init-backend.js';
export type { BackendChoice, BackendName } from './init-backend.js';
export { registerWasmKernels } from './register-wasm-kernels.js';
