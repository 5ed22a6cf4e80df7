import { InvalidArgumentError, Option, type Command } from 'commander';
import { COLORS } from '../run/index.js';
import type { DataSourceSettings } from '../run/index.js';

/** The data-source flags as commander parses them (each absent unless given). */
export type DataSourceFlags = { [K in keyof DataSourceSettings]?: Exclude<DataSourceSettings[K], null> };

/**
 * Adds the flags that say how to read one format of `--data` (`.npy` labels, CSV header and label
 * column, image size and colour) to `command`; `train`, `embed` and `eval` share them, and
 * `dataOptions` turns them into `loadData` options.
 */
export function withDataSourceFlags(command: Command): Command {
  return command
    .option('--labels <file>', 'labels of .npy data: a .npy of integers, or text with one label per line')
    .option('--csv-header', "the CSV's first line is a header")
    .option(
      '--label-column <column>',
      "the CSV's label column: an index (negative from the end; default -1, the last) or, with --csv-header, a name",
    )
    .option('--image-size <size>', "resize an image folder's images: 'n' (n x n) or 'HxW', e.g. 28 or 64x48", imageSize)
    .addOption(
      new Option('--color <mode>', "read an image folder's images as grey or RGB (default rgb)").choices(COLORS),
    );
}

/** The data-source settings of `flags`, each taken from `base` (a run's config) where the flag is absent. */
export function dataSourceSettings(flags: DataSourceFlags, base: DataSourceSettings | null): DataSourceSettings {
  return {
    labels: flags.labels ?? base?.labels ?? null,
    csvHeader: flags.csvHeader ?? base?.csvHeader ?? false,
    labelColumn: flags.labelColumn ?? base?.labelColumn ?? null,
    imageSize: flags.imageSize ?? base?.imageSize ?? null,
    color: flags.color ?? base?.color ?? null,
  };
}

function imageSize(value: string): string {
  if (!/^[1-9]\d*(x[1-9]\d*)?$/.test(value))
    throw new InvalidArgumentError("expected 'n' or 'HxW' of positive integers, e.g. 28 or 64x48.");
  return value;
}
