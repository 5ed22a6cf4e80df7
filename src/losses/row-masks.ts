import { tf } from '../tf.js';

/** A pair mask as the mask-based losses use it: the n x m booleans, which rows have an entry, how many entries. */
export interface RowMasks {
  mask: tf.Tensor2D;
  /** n booleans: the row has at least one entry. */
  any: tf.Tensor1D;
  /** Entries per row, as float32. */
  perRow: tf.Tensor1D;
  /** Entries in all. */
  count: number;
}

/**
 * The tensors of an n x m mask given as row-major flags, counted on the JS side.
 *
 * @example
 * rowMasks(Uint8Array.of(0, 1, 0, 0), 2, 2); // any [true, false], perRow [1, 0], count 1
 */
export function rowMasks(flags: Uint8Array, n: number, m: number): RowMasks {
  const perRow = new Float32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) perRow[i] += flags[i * m + j];
    count += perRow[i];
  }
  return {
    mask: tf.tensor2d(flags, [n, m], 'bool'),
    any: tf.tensor1d(
      Uint8Array.from(perRow, (c) => (c > 0 ? 1 : 0)),
      'bool',
    ),
    perRow: tf.tensor1d(perRow),
    count,
  };
}
