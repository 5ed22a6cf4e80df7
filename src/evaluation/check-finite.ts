import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';

/**
 * How many rows of `x` hold a NaN or an infinity, and the first of them (-1: none); one scalar
 * download when all is well.
 *
 * @example
 * nonFiniteRows(tf.tensor2d([[1, NaN], [0, 0]])); // { rows: 1, values: 1, first: 0 }
 */
export function nonFiniteRows(x: tf.Tensor2D): { rows: number; values: number; first: number } {
  const bad = tf.tidy(() => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(x)), 'int32')));
  const values = bad.dataSync()[0];
  bad.dispose();
  if (values === 0) return { rows: 0, values: 0, first: -1 };
  const rowOk = tf.tidy(() => tf.all(tf.isFinite(x), 1));
  const flags = rowOk.dataSync();
  rowOk.dispose();
  let rows = 0;
  for (const ok of flags) if (ok === 0) rows++;
  return { rows, values, first: flags.findIndex((ok) => ok === 0) };
}

/**
 * Throws naming the first row of `x` that holds a NaN or an infinity.
 *
 * @example
 * checkFinite(embeddings, 'query'); // "Argument `query` must hold finite numbers. Received: NaN or Infinity in row 3 ..."
 */
export function checkFinite(x: tf.Tensor2D, name: string): void {
  const { values, first } = nonFiniteRows(x);
  if (values === 0) return;
  throw invalidArgument(
    `Argument \`${name}\` must hold finite numbers. Received: NaN or Infinity in row ${first} (${values} value(s) in all)`,
  );
}
