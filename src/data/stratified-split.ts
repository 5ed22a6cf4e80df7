import { invalidArgument } from '../errors.js';
import { Random } from '../random.js';
import type { Dataset, DatasetSplit } from './dataset.js';
import { subset } from './subset.js';

/** Options of `stratifiedSplit`. */
export interface StratifiedSplitOptions {
  /** The fraction of each class that goes to `test`, in (0, 1). Default 0.2. */
  fraction?: number;
  /** Seed of the `Random` that picks the samples. Default 0. */
  seed?: number;
}

/**
 * Splits a dataset in two with the same class proportions on both sides: of the `n_c` samples
 * of class `c`, `round(fraction * n_c)` go to `test` (the held-out part: test or validation) and
 * the rest to `train`, chosen at random with the seeded generator, so a seed always gives the
 * same split. Both parts keep the original sample order. A class with a single sample stays in
 * `train` unless `fraction >= 0.5`.
 *
 * @example
 * const { train, test } = stratifiedSplit(ds, { fraction: 0.1, seed: 1 });
 */
export function stratifiedSplit(dataset: Dataset, options: StratifiedSplitOptions = {}): DatasetSplit {
  const fraction = options.fraction ?? 0.2;
  const seed = options.seed ?? 0;
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) {
    throw invalidArgument(`Argument \`fraction\` must be a number in (0, 1). Received: fraction=${String(fraction)}`);
  }
  const rng = new Random(seed);
  const byClass = new Map<number, number[]>();
  dataset.labels.forEach((label, i) => {
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [i]);
    else members.push(i);
  });
  const isTest = new Uint8Array(dataset.labels.length);
  // Classes in ascending id order, so the draws do not depend on which class comes first in the file.
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(byClass.get(label) as number[]);
    const take = Math.round(fraction * members.length);
    for (let k = 0; k < take; k++) isTest[members[k]] = 1;
  }
  const train: number[] = [];
  const test: number[] = [];
  isTest.forEach((t, i) => (t ? test : train).push(i));
  if (train.length === 0 || test.length === 0) {
    throw invalidArgument(
      `Argument \`fraction\` leaves the ${train.length === 0 ? 'train' : 'test'} part empty: ${dataset.labels.length} samples, ` +
        `fraction=${fraction} rounds to ${test.length} test samples. Use a fraction nearer 0.5 or more data (${dataset.source})`,
    );
  }
  return { train: subset(dataset, train), test: subset(dataset, test) };
}
