import { invalidArgument } from '../errors.js';
import type { LoadDataOptions } from '../data/index.js';
import type { TrainConfig } from './train-config.js';

/** How to read a data source: the settings that apply to one format only (`.npy`, CSV, image folder). */
export type DataSourceSettings = Pick<TrainConfig, 'labels' | 'csvHeader' | 'labelColumn' | 'imageSize' | 'color'>;

/**
 * The `loadData` options of a run's settings, only those the settings set: the reader rejects
 * an option that does not apply to the source's format (a `--csv-header` for an image folder).
 */
export function dataOptions(
  config: Pick<TrainConfig, 'seed' | 'testFraction' | 'holdoutClasses'> & Partial<DataSourceSettings>,
): LoadDataOptions {
  const options: LoadDataOptions = { seed: config.seed };
  if (config.testFraction !== null) options.testFraction = config.testFraction;
  if (config.holdoutClasses !== null) options.holdoutClasses = parseHoldoutClasses(config.holdoutClasses);
  if (config.labels != null) options.labels = config.labels;
  if (config.csvHeader === true) options.header = true;
  if (config.labelColumn != null) options.labelColumn = parseLabelColumn(config.labelColumn);
  if (config.imageSize != null) {
    const [height, width = height] = config.imageSize.split('x').map(Number);
    options.size = [height, width];
  }
  if (config.color != null) options.color = config.color;
  return options;
}

/** `--label-column`: an integer is a column index (negative from the end), anything else a header name. */
export function parseLabelColumn(value: string): number | string {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

/** `--holdout-classes`: a count (`3`), a fraction (`0.5`), or comma-separated class names or ids. */
export function parseHoldoutClasses(value: string): number | string[] {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const names = trimmed.split(',').map((s) => s.trim());
  if (names.some((s) => s === '')) {
    throw invalidArgument(
      `Setting \`holdoutClasses\` must be a count, a fraction or comma-separated class names. Received: ${JSON.stringify(value)}`,
    );
  }
  return names;
}
