import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

/**
 * The float32 values of `t` for reading right away, without a copy where the backend allows: a
 * view of the wasm heap, or the cpu backend's own array. `dataSync` on wasm copies into fresh
 * memory, which for the large matrices of offline mining costs more than computing them.
 * The view is valid only until the next tensor is created (the wasm heap may grow and move)
 * and must never be written to.
 */
export function tensorValues(t: tf.Tensor): Float32Array {
  const backend = tf.engine().backend;
  if (t.dtype === 'float32' && backend instanceof BackendWasm && backend.dataIdMap.has(t.dataId)) {
    return backend.typedArrayFromHeap(t) as Float32Array;
  }
  return t.dataSync() as Float32Array;
}
