import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend, type BackendName } from '../../src/backend/index.js';

/** Runs `fn` and checks that it leaves no tensor behind (its result is disposed first). */
export function expectNoLeak<T>(fn: () => T, what = 'function'): T {
  const before = tf.memory().numTensors;
  const result = fn();
  tf.dispose(result as tf.TensorContainer);
  const leaked = tf.memory().numTensors - before;
  assert.equal(leaked, 0, `${what} leaked ${leaked} tensor(s)`);
  return result;
}

/**
 * Declares the same suite once per backend, with the backend started before its tests run.
 * Write a contract once and run it everywhere (tfjs's describeWithFlags).
 */
export function describeBackends(
  backends: readonly BackendName[],
  name: string,
  fn: (backend: BackendName) => void,
): void {
  for (const backend of backends) {
    describe(`${name} [${backend}]`, () => {
      let previous: string;
      before(async () => {
        previous = tf.getBackend();
        await initBackend(backend);
      });
      after(async () => {
        if (previous) await tf.setBackend(previous);
      });
      fn(backend);
    });
  }
}

/** A float32 2-D tensor from nested rows. */
export function matrix(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0]?.length ?? 0], 'float32');
}
