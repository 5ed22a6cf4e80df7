import { invalidInput } from '../errors.js';
import { createDataset, type Dataset } from './dataset.js';
import { integerLabels } from './encode-labels.js';
import { readIdx, type IdxArray } from './read-idx.js';

/** Options of `readIdxDataset`. */
export interface ReadIdxDatasetOptions {
  /** Names of classes 0, 1, ...; default "0" .. "max label". */
  classNames?: readonly string[];
}

/**
 * Reads a pair of IDX files (samples and labels, gzipped or not) into a `Dataset`, as MNIST and
 * Fashion-MNIST ship: `train-images-idx3-ubyte[.gz]` with `train-labels-idx1-ubyte[.gz]`.
 *
 * The first dimension of the samples file counts samples. A 3-D file holds grey images and
 * gets a channel axis (`[n, 28, 28]` → sample shape `[28, 28, 1]`); a 2-D file holds vectors;
 * a 4-D file holds `[n, h, w, c]` images. uint8 values are scaled to [0, 1] (divided by 255);
 * other types are converted to float32 unchanged. The labels file must be 1-D, of an integer
 * type, with one label per sample.
 *
 * @example
 * const train = await readIdxDataset('mnist/train-images-idx3-ubyte.gz', 'mnist/train-labels-idx1-ubyte.gz');
 * train.sampleShape; // [28, 28, 1]
 */
export async function readIdxDataset(
  imagesPath: string,
  labelsPath: string,
  options: ReadIdxDatasetOptions = {},
): Promise<Dataset> {
  const [images, labelArray] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
  return idxToDataset(images, imagesPath, labelArray, labelsPath, options.classNames);
}

function idxToDataset(
  images: IdxArray,
  imagesPath: string,
  labelArray: IdxArray,
  labelsPath: string,
  classNames: readonly string[] | undefined,
): Dataset {
  if (labelArray.shape.length !== 1) {
    throw invalidInput(labelsPath, `a labels IDX file must be 1-D; found shape [${labelArray.shape.join(', ')}]`);
  }
  if (labelArray.dtype === 'float32' || labelArray.dtype === 'float64') {
    throw invalidInput(labelsPath, `labels must be of an integer IDX type; found ${labelArray.dtype}`);
  }
  const n = images.shape[0];
  if (labelArray.shape[0] !== n) {
    throw invalidInput(labelsPath, `has ${labelArray.shape[0]} labels, but ${imagesPath} has ${n} samples`);
  }
  if (n === 0) throw invalidInput(imagesPath, 'contains no samples (its first dimension is 0)');
  const rest = images.shape.slice(1);
  const sampleShape = rest.length === 0 ? [1] : rest.length === 2 ? [...rest, 1] : rest;
  const features = new Float32Array(images.data.length);
  if (images.dtype === 'uint8') {
    for (let i = 0; i < features.length; i++) features[i] = images.data[i] / 255;
  } else {
    features.set(images.data);
  }
  const encoded = integerLabels(labelArray.data, labelsPath, classNames);
  return createDataset({ features, sampleShape, ...encoded, source: imagesPath });
}
