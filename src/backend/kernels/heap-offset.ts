import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { tf } from '../../tf.js';

/** The byte offset of `x`'s values on the wasm heap: what the SIMD kernels take for a tensor. */
export function heapOffset(backend: BackendWasm, x: tf.TensorInfo): number {
  return backend.dataIdMap.get(x.dataId).memoryOffset;
}
