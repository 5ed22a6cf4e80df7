import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import type { Random } from '../random.js';

/**
 * A trainable float32 `rows x cols` variable for a loss's class weights or proxies: the given
 * nested arrays (checked: that shape, finite numbers), or normal draws from `rng` times `std`.
 *
 * @example
 * classWeights('weights', undefined, 128, 10, 1, new Random(0)); // PML's normal_ init of ArcFace's W
 */
export function classWeights(
  name: string,
  values: number[][] | undefined,
  rows: number,
  cols: number,
  std: number,
  rng: Random,
): tf.Variable<tf.Rank.R2> {
  const data = new Float32Array(rows * cols);
  if (values === undefined) {
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
  } else {
    if (!Array.isArray(values) || values.length !== rows) {
      throw invalidArgument(
        `Option \`${name}\` must be ${rows} rows of ${cols} numbers. Received: ${Array.isArray(values) ? `${values.length} rows` : String(values)}`,
      );
    }
    values.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== cols) {
        throw invalidArgument(
          `Option \`${name}\` must be ${rows} rows of ${cols} numbers. Received: ${name}[${i}] with ${Array.isArray(row) ? row.length : String(row)} entries`,
        );
      }
      row.forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw invalidArgument(
            `Option \`${name}\` must hold finite numbers. Received: ${name}[${i}][${j}]=${String(v)}`,
          );
        }
        data[i * cols + j] = v;
      });
    });
  }
  return tf.tidy(() => tf.variable(tf.tensor2d(data, [rows, cols]), true)) as tf.Variable<tf.Rank.R2>;
}

/** Throws unless every label is a class in [0, numClasses). */
export function checkClassLabels(labels: Int32Array, numClasses: number, loss: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= numClasses) {
      throw invalidArgument(
        `Argument \`labels\` must hold classes in [0, ${numClasses}) (numClasses of ${loss}). Received: labels[${i}]=${labels[i]}`,
      );
    }
  }
}
