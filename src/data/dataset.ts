import { invalidInput } from '../errors.js';

/**
 * A labelled dataset held in memory, as plain typed arrays (no tensors, so nothing to dispose).
 *
 * - `features`: `n * prod(sampleShape)` float32 values, sample after sample, each sample in
 *   row-major (C) order. Images are `[height, width, channels]` with values in [0, 1].
 * - `sampleShape`: the shape of one sample: `[28, 28, 1]` for a grey image, `[d]` for a vector.
 * - `labels`: one class id per sample; `classNames[labels[i]]` is the name of sample `i`'s class.
 * - `source`: where the data came from (a path), for messages and run configs.
 */
export interface Dataset {
  features: Float32Array;
  sampleShape: number[];
  labels: Int32Array;
  classNames: string[];
  source: string;
}

/** A dataset split in two: the part to train on and the held-out part (test or validation). */
export interface DatasetSplit {
  train: Dataset;
  test: Dataset;
}

/** The number of float values in one sample: the product of `sampleShape`. */
export function sampleSize(sampleShape: readonly number[]): number {
  return sampleShape.reduce((a, b) => a * b, 1);
}

/**
 * Checks the fields of a dataset and returns it: at least one sample, one label per sample,
 * `features.length === labels.length * prod(sampleShape)`, finite features, and every label a valid index into
 * `classNames`. Errors name `source`, since a dataset almost always comes from a file.
 *
 * @example
 * const ds = createDataset({
 *   features: new Float32Array([0, 1, 2, 3]), sampleShape: [2],
 *   labels: new Int32Array([0, 1]), classNames: ['a', 'b'], source: 'inline',
 * });
 */
export function createDataset(fields: Dataset): Dataset {
  const { features, sampleShape, labels, classNames, source } = fields;
  if (labels.length === 0) {
    throw invalidInput(source, 'contains no samples; a dataset needs at least one labelled sample');
  }
  if (sampleShape.length === 0 || sampleShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw invalidInput(
      source,
      `sample shape must be a non-empty list of positive integers. Received: [${sampleShape.join(', ')}]`,
    );
  }
  const size = sampleSize(sampleShape);
  if (features.length !== labels.length * size) {
    throw invalidInput(
      source,
      `expected ${labels.length} samples x ${size} values = ${labels.length * size} feature values ` +
        `(sample shape [${sampleShape.join(', ')}]), found ${features.length}`,
    );
  }
  for (let j = 0; j < features.length; j++) {
    if (!Number.isFinite(features[j])) {
      throw invalidInput(
        source,
        `sample ${Math.floor(j / size)} has the non-finite value ${features[j]} at position ${j % size}; features must be finite`,
      );
    }
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= classNames.length) {
      throw invalidInput(
        source,
        `sample ${i} has label ${labels[i]}, outside the ${classNames.length} classes [0, ${classNames.length})`,
      );
    }
  }
  return { features, sampleShape: [...sampleShape], labels, classNames: [...classNames], source };
}
