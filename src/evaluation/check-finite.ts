import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';

/**
 * Throws naming the first row of `x` that holds a NaN or an infinity: one scalar download when all is well.
 *
 * @example
 * checkFinite(embeddings, 'query'); // "Argument `query` must hold finite numbers. Received: NaN or Infinity in row 3 ..."
 */
export function checkFinite(x: tf.Tensor2D, name: string): void {
  const bad = tf.tidy(() => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(x)), 'int32')));
  const count = bad.dataSync()[0];
  bad.dispose();
  if (count === 0) return;
  const rowOk = tf.tidy(() => tf.all(tf.isFinite(x), 1));
  const flags = rowOk.dataSync();
  rowOk.dispose();
  const row = flags.findIndex((ok) => ok === 0);
  throw invalidArgument(
    `Argument \`${name}\` must hold finite numbers. Received: NaN or Infinity in row ${row} (${count} value(s) in all)`,
  );
}
