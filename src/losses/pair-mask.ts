import { tf } from '../tf.js';

/**
 * The n x m boolean mask with `true` at every (rows[k], cols[k]): PML's `mask[a, p] = 1`, so a pair
 * listed twice is kept once. Built on the JS side, where the indices are.
 *
 * @example
 * pairMask(Int32Array.of(0, 1), Int32Array.of(1, 0), 2, 2); // [[false, true], [true, false]]
 */
export function pairMask(rows: Int32Array, cols: Int32Array, n: number, m: number): tf.Tensor2D {
  return tf.tensor2d(pairFlags(rows, cols, n, m), [n, m], 'bool');
}

/** The same mask as flags in row-major order, for code that also counts on the JS side. */
export function pairFlags(rows: Int32Array, cols: Int32Array, n: number, m: number): Uint8Array {
  const flags = new Uint8Array(n * m);
  for (let k = 0; k < rows.length; k++) flags[rows[k] * m + cols[k]] = 1;
  return flags;
}

/** The entries `mat[rows[k], cols[k]]` of an n x m matrix, repeats included, differentiable. */
export function pairPositions(rows: Int32Array, cols: Int32Array, m: number): Int32Array {
  const positions = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) positions[k] = rows[k] * m + cols[k];
  return positions;
}
