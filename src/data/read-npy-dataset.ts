import { invalidInput } from '../errors.js';
import { createDataset, type Dataset } from './dataset.js';
import { readLabelsFile } from './read-labels-file.js';
import { readNpy } from './read-npy.js';

/** Options of `readNpyDataset`. */
export interface ReadNpyDatasetOptions {
  /** Names of classes 0, 1, ... for integer labels; default "0" .. "max label". */
  classNames?: readonly string[];
}

/**
 * Reads a `.npy` features array and its labels (a `.npy` integer array or a text file with one
 * label per line, see `readLabelsFile`) into a `Dataset`.
 *
 * The features' first dimension counts samples; the rest is the sample shape (`[n, d]` gives
 * vectors of `d`, `[n, h, w, c]` images, `[n]` one value per sample). float32 and float64 are
 * read as float32; uint8 is taken to be pixels and scaled to [0, 1] (divided by 255). Other
 * types are refused.
 *
 * @example
 * const ds = await readNpyDataset('features.npy', 'labels.txt');
 */
export async function readNpyDataset(
  featuresPath: string,
  labelsPath: string,
  options: ReadNpyDatasetOptions = {},
): Promise<Dataset> {
  const [array, encoded] = await Promise.all([readNpy(featuresPath), readLabelsFile(labelsPath, options)]);
  const { data } = array;
  const features = new Float32Array(data.length);
  if (data instanceof Uint8Array) {
    for (let i = 0; i < features.length; i++) features[i] = data[i] / 255;
  } else if (data instanceof Float32Array || data instanceof Float64Array) {
    features.set(data);
  } else {
    throw invalidInput(
      featuresPath,
      `features must have dtype float32, float64 or uint8; found ${array.dtype}. In numpy: np.save(path, x.astype('float32'))`,
    );
  }
  if (array.shape.length === 0) {
    throw invalidInput(featuresPath, 'holds a single scalar; features need a first dimension that counts samples');
  }
  const n = array.shape[0];
  if (encoded.labels.length !== n) {
    throw invalidInput(labelsPath, `has ${encoded.labels.length} labels, but ${featuresPath} has ${n} samples`);
  }
  if (n === 0) throw invalidInput(featuresPath, 'contains no samples (its first dimension is 0)');
  const sampleShape = array.shape.length === 1 ? [1] : array.shape.slice(1);
  return createDataset({ features, sampleShape, ...encoded, source: featuresPath });
}
