import { invalidArgument, invalidInput } from '../errors.js';
import { createDataset, type Dataset } from './dataset.js';
import { encodeLabels, integerLabels } from './encode-labels.js';
import { csvColumn, csvFeatures, readCsvTable } from './read-csv-table.js';

/** Options of `readCsvDataset`. */
export interface ReadCsvDatasetOptions {
  /** The first non-empty line holds column names. Default false. */
  header?: boolean;
  /**
   * The label column: a 0-based index (negative counts from the end, -1 is the last column) or,
   * with `header`, a column name. Default -1.
   */
  labelColumn?: number | string;
  /** The field separator, one character. Default ','. */
  delimiter?: string;
  /** Names of classes 0, 1, ... when the labels are integers; default "0" .. "max label". */
  classNames?: readonly string[];
}

/**
 * Reads a CSV file with one sample per line: every column but the label column is a feature
 * (a decimal number), giving samples of shape `[columns - 1]`. Labels that are all non-negative
 * integers are kept as class ids; otherwise each distinct string is a class, numbered in sorted
 * order. Fields are trimmed and may be quoted with `"` (a doubled `""` inside is a quote); a field
 * cannot span lines. Empty lines are skipped.
 *
 * Errors name the file, the line (1-based) and the column (0-based index, with its name when there
 * is a header): a line with the wrong number of fields, a feature that is not a number, an empty
 * label, an unterminated quote, no data lines.
 *
 * @example
 * // iris.csv: "sepal_length,sepal_width,petal_length,petal_width,species"
 * const ds = await readCsvDataset('iris.csv', { header: true, labelColumn: 'species' });
 * ds.sampleShape; // [4]
 */
export async function readCsvDataset(path: string, options: ReadCsvDatasetOptions = {}): Promise<Dataset> {
  const header = options.header ?? false;
  const delimiter = options.delimiter ?? ',';
  const labelOption = options.labelColumn ?? -1;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw invalidArgument(`Argument \`delimiter\` must be one character other than a quote or newline. Received: delimiter=${JSON.stringify(delimiter)}`);
  }
  if (typeof labelOption === 'string' && !header) {
    throw invalidArgument(
      `Argument \`labelColumn\` can be a column name only when the file has a header (header: true). Received: labelColumn=${JSON.stringify(labelOption)}`,
    );
  }
  if (typeof labelOption === 'number' && !Number.isInteger(labelOption)) {
    throw invalidArgument(`Argument \`labelColumn\` must be an integer index or a column name. Received: labelColumn=${labelOption}`);
  }
  const table = await readCsvTable(path, { header, delimiter, labelColumn: labelOption });
  if (table.width < 2) {
    throw invalidInput(path, `line ${table.firstLine} has ${table.width} field; a CSV dataset needs at least one feature column and a label column`);
  }
  const labelIndex = table.labelIndex as number;
  const features = csvFeatures(path, table);
  const { rows } = table;
  let encoded = encodeLabels(
    rows.map((r) => r.fields[labelIndex]),
    path,
    (i) => `line ${rows[i].line}, ${csvColumn(table, labelIndex)}`,
  );
  if (options.classNames !== undefined) encoded = integerLabels(encoded.labels, path, options.classNames);
  return createDataset({ features, sampleShape: [table.width - 1], ...encoded, source: path });
}
