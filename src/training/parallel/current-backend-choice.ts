import { tf } from '../../tf.js';
import { DeepmetricError } from '../../errors.js';
import type { BackendChoice } from '../../backend/index.js';

/** tfjs's names of the backends deepmetric starts, back to `initBackend`'s. */
const CHOICE: Record<string, BackendChoice> = { wasm: 'wasm', cpu: 'cpu', tensorflow: 'node' };

/**
 * The `initBackend` choice that starts, in a worker thread, the backend this thread runs on.
 *
 * @example
 * await initBackend('wasm');
 * currentBackendChoice(); // 'wasm'
 */
export function currentBackendChoice(): BackendChoice {
  const name = tf.getBackend();
  const choice = CHOICE[name];
  if (choice === undefined) {
    throw new DeepmetricError(
      'backend',
      `Parallel workers run on the backends deepmetric starts (wasm, cpu, node); the current backend is ${name}.`,
    );
  }
  return choice;
}
