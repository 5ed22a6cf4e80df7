import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { heapOffset } from '../backend/kernels/heap-offset.js';
import { simdKernels } from '../backend/kernels/simd-kernels.js';
import { adamStepState, finishAdamStep, getLearningRate } from './tfjs-internals.js';

/**
 * tfjs Adam's `applyGradients` on the wasm backend as one SIMD pass per variable (`adamStep`,
 * assembly/adam-step.ts), with the same float32 operations in the same order, so the weights,
 * moments, running powers and iteration count come out bit for bit as tfjs's: eleven kernels and
 * their intermediates per variable become one. Returns false, having done nothing, where it does
 * not apply: another backend, another optimizer, a gradient that is not float32.
 *
 * @example
 * if (!wasmAdamStep(tfOptimizer, grads)) tfOptimizer.applyGradients(grads);
 */
export function wasmAdamStep(optimizer: tf.Optimizer, grads: tf.NamedTensorMap): boolean {
  // Not `instanceof`: tfjs makes every optimizer an instance of every optimizer class.
  if (tf.getBackend() !== 'wasm' || optimizer.getClassName() !== tf.AdamOptimizer.className) return false;
  const names = Object.keys(grads);
  const variables = tf.engine().registeredVariables;
  if (names.some((name) => grads[name].dtype !== 'float32' || variables[name]?.dtype !== 'float32')) return false;
  const backend = tf.backend() as BackendWasm;
  const kernels = simdKernels(backend);
  const state = adamStepState(optimizer as tf.AdamOptimizer, names);
  const { beta1, beta2, epsilon, accBeta1, accBeta2, moments } = state;
  // As tfjs computes them: 1 − beta^t in float32 from the float32 powers, 1 − beta in float64.
  const c1 = Math.fround(1 - accBeta1.dataSync()[0]);
  const c2 = Math.fround(1 - accBeta2.dataSync()[0]);
  const negLr = -getLearningRate(optimizer);
  names.forEach((name, i) => {
    const w = variables[name];
    const [m, v] = moments[i];
    const outs = [w, m, v].map(() => backend.makeOutput(w.shape, 'float32'));
    const [wOut, mOut, vOut] = outs.map((info) => heapOffset(backend, info));
    kernels.adamStep(
      heapOffset(backend, w),
      heapOffset(backend, m),
      heapOffset(backend, v),
      heapOffset(backend, grads[name]),
      wOut,
      mOut,
      vOut,
      w.size,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      c1,
      c2,
      epsilon,
      negLr,
    );
    const [newW, newM, newV] = outs.map((info) => tf.engine().makeTensorFromTensorInfo(info));
    w.assign(newW);
    m.assign(newM);
    v.assign(newV);
    tf.dispose([newW, newM, newV]);
  });
  finishAdamStep(optimizer as tf.AdamOptimizer, state);
  return true;
}
