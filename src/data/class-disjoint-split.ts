import { invalidArgument } from '../errors.js';
import { Random } from '../random.js';
import type { Dataset, DatasetSplit } from './dataset.js';
import { subset } from './subset.js';

/** Options of `classDisjointSplit`. */
export interface ClassDisjointSplitOptions {
  /**
   * The classes held out for `test`: a list of class names or ids, a count (an integer >= 1) or a
   * fraction of the classes (in (0, 1), rounded, at least one).
   */
  holdoutClasses: readonly (string | number)[] | number;
  /**
   * With a count or fraction, which classes: 'last' takes those with the highest ids (the usual
   * protocol, e.g. CUB-200: train on the first 100 classes, test on the last 100), 'random' draws
   * them with `seed`. Default 'last'.
   */
  pick?: 'last' | 'random';
  /** Seed for `pick: 'random'`. Default 0. */
  seed?: number;
}

/**
 * Splits a dataset by class, the standard metric-learning protocol: the samples of the held-out
 * classes form `test`, the others `train`, so no class is on both sides and the test measures
 * how well the embedding generalises to classes never seen in training. Label ids and class
 * names are kept as they are in `dataset`. Both parts keep the original sample order.
 *
 * @example
 * const { train, test } = classDisjointSplit(ds, { holdoutClasses: ['Bag', 'Ankle boot'] });
 * const half = classDisjointSplit(ds, { holdoutClasses: 0.5 }); // last half of the classes
 */
export function classDisjointSplit(dataset: Dataset, options: ClassDisjointSplitOptions): DatasetSplit {
  const held = new Set(holdoutClassIds(dataset, options));
  const train: number[] = [];
  const test: number[] = [];
  dataset.labels.forEach((label, i) => (held.has(label) ? test : train).push(i));
  return { train: subset(dataset, train), test: subset(dataset, test) };
}

/**
 * The ids of the classes `classDisjointSplit` would hold out of `dataset`, in ascending order.
 * Only classes with at least one sample count; at least one class must stay for training.
 */
export function holdoutClassIds(dataset: Dataset, options: ClassDisjointSplitOptions): number[] {
  const { holdoutClasses } = options ?? {};
  const pick = options?.pick ?? 'last';
  const seed = options?.seed ?? 0;
  if (pick !== 'last' && pick !== 'random') {
    throw invalidArgument(`Argument \`pick\` must be 'last' or 'random'. Received: pick=${JSON.stringify(pick)}`);
  }
  const present = [...new Set(dataset.labels)].sort((a, b) => a - b);
  let held: number[];
  if (typeof holdoutClasses === 'number') {
    const count = countOf(holdoutClasses, present.length);
    if (pick === 'last') {
      held = present.slice(present.length - count);
    } else {
      held = new Random(seed).shuffle([...present]).slice(0, count);
    }
  } else if (Array.isArray(holdoutClasses) && holdoutClasses.length > 0) {
    held = holdoutClasses.map((c) => idOf(c, dataset, present));
  } else {
    throw invalidArgument(
      `Argument \`holdoutClasses\` must be a non-empty list of class names or ids, a count or a fraction. Received: holdoutClasses=${JSON.stringify(holdoutClasses)}`,
    );
  }
  const unique = [...new Set(held)].sort((a, b) => a - b);
  if (unique.length >= present.length) {
    throw invalidArgument(
      `Argument \`holdoutClasses\` holds out all ${present.length} classes of ${dataset.source}; at least one must stay for training. Received: holdoutClasses=${JSON.stringify(holdoutClasses)}`,
    );
  }
  return unique;
}

function countOf(value: number, numClasses: number): number {
  if (Number.isInteger(value) && value >= 1) return value;
  if (value > 0 && value < 1) return Math.max(1, Math.round(value * numClasses));
  throw invalidArgument(
    `Argument \`holdoutClasses\` as a number must be a count (integer >= 1) or a fraction in (0, 1). Received: holdoutClasses=${value}`,
  );
}

function idOf(c: string | number, dataset: Dataset, present: number[]): number {
  if (typeof c === 'string') {
    const id = dataset.classNames.indexOf(c);
    if (id === -1) {
      throw invalidArgument(
        `Argument \`holdoutClasses\` names a class that does not exist: ${JSON.stringify(c)}. Classes: ${dataset.classNames.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    if (!present.includes(id)) {
      throw invalidArgument(`Argument \`holdoutClasses\` names class ${JSON.stringify(c)}, which has no sample in ${dataset.source}`);
    }
    return id;
  }
  if (!Number.isInteger(c) || !present.includes(c)) {
    throw invalidArgument(
      `Argument \`holdoutClasses\` holds class id ${c}, which has no sample in ${dataset.source}; ids present: ${present.join(', ')}`,
    );
  }
  return c;
}
