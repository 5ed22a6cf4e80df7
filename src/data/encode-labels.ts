import { invalidInput } from '../errors.js';

/** Labels as class ids plus the names of the classes they index. */
export interface EncodedLabels {
  labels: Int32Array;
  classNames: string[];
}

const INTEGER = /^\d+$/;

/**
 * Turns label strings read from a text file or a CSV column into class ids. When every label is a
 * non-negative integer, the integers are kept as the ids (a digit stays that digit) and the class
 * names are "0" .. "max". Otherwise each distinct string is a class, numbered in sorted order
 * (code-unit order, so the numbering does not depend on the locale or on the order of rows).
 * `place(i)` says where label `i` is in the file, for errors.
 */
export function encodeLabels(values: readonly string[], file: string, place: (i: number) => string): EncodedLabels {
  for (let i = 0; i < values.length; i++) {
    if (values[i] === '') throw invalidInput(file, `${place(i)}: the label is empty`);
  }
  if (values.every((v) => INTEGER.test(v))) {
    const ints = values.map((v, i) => {
      const n = Number(v);
      if (n > 2147483647) throw invalidInput(file, `${place(i)}: label ${v} does not fit in a 32-bit integer`);
      return n;
    });
    return integerLabels(ints, file);
  }
  const names = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ids = new Map(names.map((name, i) => [name, i]));
  return { labels: Int32Array.from(values, (v) => ids.get(v) as number), classNames: names };
}

/**
 * Checks integer labels read from a binary file (IDX, .npy) and pairs them with class names:
 * the given `classNames` (every label must index into it), or "0" .. "max".
 */
export function integerLabels(
  values: ArrayLike<number | bigint>,
  file: string,
  classNames?: readonly string[],
): EncodedLabels {
  const labels = new Int32Array(values.length);
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (!Number.isInteger(n) || n < 0 || n > 2147483647) {
      throw invalidInput(file, `label ${i} is ${String(v)}; labels must be integers in [0, 2^31)`);
    }
    labels[i] = n;
    if (n > max) max = n;
  }
  if (classNames !== undefined) {
    if (max >= classNames.length) {
      throw invalidInput(file, `has label ${max}, but only ${classNames.length} class names were given`);
    }
    return { labels, classNames: [...classNames] };
  }
  return { labels, classNames: Array.from({ length: max + 1 }, (_, i) => String(i)) };
}
