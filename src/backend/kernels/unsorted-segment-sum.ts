import { invalidArgument } from '../../errors.js';
import { tf } from '../../tf.js';
import { wasmKernelConfig } from './wasm-kernel-scope.js';

/**
 * `UnsortedSegmentSum` for the wasm backend (it is the gradient of `tf.gather`), which
 * tfjs-backend-wasm 4.22 lacks: `out[s, ...] = Σ_{i : ids[i] = s} x[i, ...]` for
 * `s` in `[0, numSegments)`; ids outside that range are dropped, as in TensorFlow. `segmentIds`
 * may have any rank r with `x.shape[:r] = segmentIds.shape`; the output is
 * `[numSegments, ...x.shape[r:]]` with x's dtype (float32 or int32).
 *
 * It is the backend's `ScatterNd`, which adds up duplicate indices. That kernel does not check
 * bounds, so ids are first clamped into range and the rows of dropped ids multiplied by 0 (as the
 * cpu backend's masked sum does: a dropped row holding Infinity gives NaN there too).
 *
 * @example
 * tf.registerKernel(unsortedSegmentSumConfig); // done by registerWasmKernels()
 * tf.grad((t: tf.Tensor2D) => tf.gather(t, tf.tensor1d([0, 0, 2], 'int32')).sum())(table);
 */
export const unsortedSegmentSumConfig = wasmKernelConfig<tf.UnsortedSegmentSumInputs, tf.UnsortedSegmentSumAttrs>(
  tf.UnsortedSegmentSum,
  (scope, { x, segmentIds }, { numSegments }) => {
    const idsShape = segmentIds.shape;
    if (!idsShape.every((d, i) => d === x.shape[i]) || idsShape.length > x.shape.length) {
      throw invalidArgument(
        `UnsortedSegmentSum: segmentIds.shape must be a prefix of x.shape. Received: segmentIds.shape=[${idsShape.join(', ')}], x.shape=[${x.shape.join(', ')}]`,
      );
    }
    if (!(Number.isInteger(numSegments) && numSegments >= 0)) {
      throw invalidArgument(
        `UnsortedSegmentSum: numSegments must be an integer >= 0. Received: numSegments=${numSegments}`,
      );
    }
    if (x.dtype !== 'float32' && x.dtype !== 'int32') {
      throw invalidArgument(`UnsortedSegmentSum on wasm supports float32 and int32 x. Received: x.dtype=${x.dtype}`);
    }
    if (segmentIds.dtype !== 'int32') {
      throw invalidArgument(
        `UnsortedSegmentSum: segmentIds must be int32. Received: segmentIds.dtype=${segmentIds.dtype}`,
      );
    }
    const inner = x.shape.slice(idsShape.length);
    const outShape = [numSegments, ...inner];
    const count = idsShape.reduce((a, b) => a * b, 1);
    const innerSize = inner.reduce((a, b) => a * b, 1);
    if (count === 0 || numSegments === 0 || innerSize === 0) {
      return scope.run('Fill', {}, { shape: outShape, value: 0, dtype: x.dtype });
    }
    const ids = scope.reshape(segmentIds, [count]);
    const clamped = scope.run('Maximum', {
      a: scope.run('Minimum', { a: ids, b: scope.int32([numSegments - 1], []) }),
      b: scope.int32([0], []),
    });
    const inRange = scope.run('Cast', { x: scope.run('Equal', { a: clamped, b: ids }) }, { dtype: x.dtype });
    const updates = scope.run('Multiply', {
      a: scope.reshape(x, [count, innerSize]),
      b: scope.reshape(inRange, [count, 1]),
    });
    const sums = scope.run(
      'ScatterNd',
      { indices: scope.reshape(clamped, [count, 1]), updates },
      { shape: [numSegments, innerSize] },
    );
    return scope.reshape(sums, outShape);
  },
);
