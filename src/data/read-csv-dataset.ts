import { invalidArgument, invalidInput } from '../errors.js';
import { createDataset, type Dataset } from './dataset.js';
import { encodeLabels, integerLabels } from './encode-labels.js';
import { readFileBytes } from './read-file-bytes.js';

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

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i;

/**
 * A CSV field as a number, or null when it is not a decimal number; with `nonFinite`, numpy's
 * spellings of NaN and infinities too (`nan`, `inf`, `-inf`, any case: embeddings to diagnose,
 * where a NaN is a finding, not bad input).
 *
 * @example
 * csvNumber('-1.5e3'); // -1500
 * csvNumber('nan', true); // NaN
 */
export function csvNumber(field: string, nonFinite = false): number | null {
  if (NUMBER.test(field)) return Number(field);
  const special = nonFinite ? NON_FINITE.exec(field) : null;
  if (special === null) return null;
  if (special[2].toLowerCase() === 'nan') return NaN;
  return special[1] === '-' ? -Infinity : Infinity;
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
  const text = new TextDecoder('utf-8').decode(await readFileBytes(path));
  const lines = text.split(/\r?\n/);
  let names: string[] | undefined;
  let width = -1;
  let widthLine = 0;
  let labelIndex = -1;
  const rows: { line: number; fields: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const line = i + 1;
    const fields = splitLine(lines[i], delimiter, path, line);
    if (width === -1) {
      width = fields.length;
      widthLine = line;
      if (width < 2) {
        throw invalidInput(path, `line ${line} has ${width} field; a CSV dataset needs at least one feature column and a label column`);
      }
      labelIndex = resolveLabelColumn(labelOption, header ? fields : undefined, width, path);
      if (header) {
        names = fields;
        continue;
      }
    } else if (fields.length !== width) {
      throw invalidInput(
        path,
        `line ${line} has ${fields.length} fields, expected ${width} (as on line ${widthLine}, separated by ${JSON.stringify(delimiter)})`,
      );
    }
    rows.push({ line, fields });
  }
  if (rows.length === 0) {
    throw invalidInput(path, header ? 'has a header but no data lines' : 'contains no data lines');
  }
  const column = (j: number): string => (names === undefined ? `column ${j}` : `column ${j} (${JSON.stringify(names[j])})`);
  const d = width - 1;
  const features = new Float32Array(rows.length * d);
  rows.forEach(({ line, fields }, r) => {
    let k = r * d;
    for (let j = 0; j < width; j++) {
      if (j === labelIndex) continue;
      const value = csvNumber(fields[j]);
      if (value === null) {
        throw invalidInput(path, `line ${line}, ${column(j)}: expected a decimal number, found ${JSON.stringify(fields[j])}`);
      }
      features[k++] = value;
    }
  });
  let encoded = encodeLabels(
    rows.map((r) => r.fields[labelIndex]),
    path,
    (i) => `line ${rows[i].line}, ${column(labelIndex)}`,
  );
  if (options.classNames !== undefined) encoded = integerLabels(encoded.labels, path, options.classNames);
  return createDataset({ features, sampleShape: [d], ...encoded, source: path });
}

function resolveLabelColumn(option: number | string, names: string[] | undefined, width: number, path: string): number {
  if (typeof option === 'string') {
    const matches = (names ?? []).flatMap((n, j) => (n === option ? [j] : []));
    if (matches.length !== 1) {
      throw invalidInput(
        path,
        `${matches.length === 0 ? 'has no' : 'has more than one'} column named ${JSON.stringify(option)} in its header; columns: ${(names ?? []).map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    return matches[0];
  }
  const index = option < 0 ? width + option : option;
  if (index < 0 || index >= width) {
    throw invalidInput(path, `has ${width} columns, so label column ${option} does not exist (allowed: ${-width} to ${width - 1})`);
  }
  return index;
}

function splitLine(text: string, delimiter: string, path: string, line: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t') && text[i] !== delimiter) i++;
    let field: string;
    if (text[i] === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          throw invalidInput(path, `line ${line}: the quote opened at character ${start + 1} is never closed (fields cannot span lines)`);
        }
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      while (i < text.length && text[i] !== delimiter && (text[i] === ' ' || text[i] === '\t')) i++;
      if (i < text.length && text[i] !== delimiter) {
        throw invalidInput(path, `line ${line}: unexpected ${JSON.stringify(text[i])} at character ${i + 1}, after a quoted field`);
      }
      field = value;
    } else {
      const end = text.indexOf(delimiter, i);
      field = (end === -1 ? text.slice(i) : text.slice(i, end)).trim();
      i = end === -1 ? text.length : end;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // past the delimiter
  }
}
