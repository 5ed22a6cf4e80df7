import type * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { batchTensor, type Dataset } from '../data/index.js';

/**
 * The model's embeddings of every row of a dataset, in row order, as one `[n, dim]` tensor the
 * caller disposes. Rows go through the model in batches of `batchSize`, so memory stays bounded
 * by the batch, not the dataset.
 *
 * @example
 * const embeddings = embedDataset(model, test);     // [2000, 64]
 */
export function embedDataset(model: tfl.LayersModel, dataset: Dataset, batchSize = 256): tf.Tensor2D {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw invalidArgument(`Argument \`batchSize\` must be an integer > 0. Received: batchSize=${String(batchSize)}`);
  }
  const n = dataset.labels.length;
  const parts: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const rows = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      parts.push(
        tf.tidy(() => {
          // predict's own batchSize (default 32) would slice the batch again: one pass per batch.
          const out = model.predict(batchTensor(dataset, rows), { batchSize: rows.length });
          if (Array.isArray(out) || out.rank !== 2) {
            throw invalidArgument('Argument `model` must have one output of shape [batch, dim] (an embedding model).');
          }
          return out;
        }),
      );
    }
    return (parts.length === 1 ? tf.clone(parts[0]) : tf.concat(parts)) as tf.Tensor2D;
  } finally {
    tf.dispose(parts);
  }
}
