import { invalidInput } from '../errors.js';
import { encodeLabels, integerLabels, type EncodedLabels } from './encode-labels.js';
import { readFileBytes } from './read-file-bytes.js';
import { readNpy } from './read-npy.js';

/**
 * Reads a labels file: a `.npy` array of integers (shape `[n]` or `[n, 1]`), or a text file with
 * one label per line. Text labels that are all non-negative integers are kept as class ids;
 * otherwise each distinct string is a class, numbered in sorted order (see `encodeLabels`).
 * Trailing empty lines are ignored; an empty line before the last label is an error, since it
 * would shift every label after it.
 *
 * @example
 * const { labels, classNames } = await readLabelsFile('labels.txt'); // lines "cat", "dog", "cat"
 * // labels Int32Array [0, 1, 0], classNames ['cat', 'dog']
 */
export async function readLabelsFile(path: string, options: { classNames?: readonly string[] } = {}): Promise<EncodedLabels> {
  if (path.toLowerCase().endsWith('.npy')) {
    const array = await readNpy(path);
    const { shape } = array;
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
      throw invalidInput(path, `labels must have shape [n] or [n, 1]; found [${shape.join(', ')}]`);
    }
    if (array.dtype === 'float32' || array.dtype === 'float64') {
      throw invalidInput(path, `labels must be integers; found dtype ${array.dtype}. In numpy: y.astype('int64')`);
    }
    return integerLabels(array.data, path, options.classNames);
  }
  const text = new TextDecoder('utf-8').decode(await readFileBytes(path));
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const encoded = encodeLabels(lines, path, (i) => `line ${i + 1}`);
  if (options.classNames !== undefined) return integerLabels(encoded.labels, path, options.classNames);
  return encoded;
}
