import { invalidArgument } from '../errors.js';
import { sampleSize, type Dataset } from './dataset.js';

/**
 * A new dataset holding the samples of `dataset` at `indices`, in that order (an index may repeat).
 * Features and labels are copied; class names and source are kept, so label ids mean the same
 * classes in the subset as in the whole.
 *
 * @example
 * const firstTen = subset(ds, Array.from({ length: 10 }, (_, i) => i));
 */
export function subset(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const n = dataset.labels.length;
  const size = sampleSize(dataset.sampleShape);
  const features = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw invalidArgument(
        `Argument \`indices\` must hold integers in [0, ${n}) for a dataset of ${n} samples. Received: indices[${k}]=${i}`,
      );
    }
    features.set(dataset.features.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = dataset.labels[i];
  }
  return {
    features,
    sampleShape: [...dataset.sampleShape],
    labels,
    classNames: [...dataset.classNames],
    source: dataset.source,
  };
}
