import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { sampleSize, type Dataset } from './dataset.js';

/**
 * The rows `rows` of a dataset as one float32 tensor of shape `[rows.length, ...sampleShape]`:
 * a batch for a model. The caller disposes it.
 *
 * @example
 * const x = batchTensor(train, sampler.nextBatch()); // [32, 28, 28, 1]
 */
export function batchTensor(dataset: Dataset, rows: ArrayLike<number>): tf.Tensor {
  const size = sampleSize(dataset.sampleShape);
  const n = dataset.labels.length;
  const values = new Float32Array(rows.length * size);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!(Number.isInteger(row) && row >= 0 && row < n)) {
      throw invalidArgument(`Argument \`rows\` must hold row indices in [0, ${n}). Received: rows[${i}]=${row}`);
    }
    values.set(dataset.features.subarray(row * size, (row + 1) * size), i * size);
  }
  return tf.tensor(values, [rows.length, ...dataset.sampleShape], 'float32');
}
