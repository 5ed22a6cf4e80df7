import { invalidArgument } from '../errors.js';
import type { LoadDataOptions } from '../data/index.js';
import type { TrainConfig } from './train-config.js';

/** Only the options the config sets: the reader rejects options that do not apply to a source. */
export function dataOptions(config: Pick<TrainConfig, 'seed' | 'testFraction' | 'holdoutClasses'>): LoadDataOptions {
  const options: LoadDataOptions = { seed: config.seed };
  if (config.testFraction !== null) options.testFraction = config.testFraction;
  if (config.holdoutClasses !== null) options.holdoutClasses = parseHoldoutClasses(config.holdoutClasses);
  return options;
}

/** `--holdout-classes`: a count (`3`), a fraction (`0.5`), or comma-separated class names or ids. */
export function parseHoldoutClasses(value: string): number | string[] {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const names = trimmed.split(',').map((s) => s.trim());
  if (names.some((s) => s === '')) {
    throw invalidArgument(`Setting \`holdoutClasses\` must be a count, a fraction or comma-separated class names. Received: ${JSON.stringify(value)}`);
  }
  return names;
}
