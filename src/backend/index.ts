export { initBackend } from './init-backend.js';
export type { BackendChoice, BackendName } from './init-backend.js';
