import type { tf } from './tf.js';
import { invalidArgument } from './errors.js';

/** Throws unless `x` is a non-empty 2-D float tensor (rows = samples, columns = dimensions). */
export function checkEmbeddings(x: tf.Tensor, name = 'embeddings'): asserts x is tf.Tensor2D {
  if (x === null || typeof x !== 'object' || !('shape' in x)) {
    throw invalidArgument(`Argument \`${name}\` must be a 2-D tf.Tensor. Received: ${String(x)}`);
  }
  if (x.rank !== 2) {
    throw invalidArgument(
      `Argument \`${name}\` must be 2-D (samples x dimensions). Received: shape [${x.shape.join(', ')}]`,
    );
  }
  if (x.shape[0] === 0 || x.shape[1] === 0) {
    throw invalidArgument(`Argument \`${name}\` must not be empty. Received: shape [${x.shape.join(', ')}]`);
  }
  if (x.dtype !== 'float32') {
    throw invalidArgument(`Argument \`${name}\` must have dtype float32. Received: dtype ${x.dtype}`);
  }
}

/**
 * Returns the labels as an Int32Array after checking that there is one integer label per row.
 * Plain number arrays are accepted because that is what users have at hand.
 */
export function checkLabels(labels: ArrayLike<number>, numRows: number, name = 'labels'): Int32Array {
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw invalidArgument(`Argument \`${name}\` must be an Int32Array or number[]. Received: ${String(labels)}`);
  }
  if (labels.length !== numRows) {
    throw invalidArgument(
      `Argument \`${name}\` must have one label per embedding row (${numRows}). Received: ${labels.length} labels`,
    );
  }
  if (labels instanceof Int32Array) return labels;
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw invalidArgument(`Argument \`${name}\` must hold 32-bit integers. Received: ${name}[${i}]=${v}`);
    }
    out[i] = v;
  }
  return out;
}
