import { invalidInput } from '../errors.js';
import { csvNumber } from './csv-number.js';
import { readFileBytes } from './read-file-bytes.js';

/** The lines of a CSV file split into fields, with its header and label column resolved. */
export interface CsvTable {
  /** The header's column names; null without a header. */
  names: string[] | null;
  /** The data lines (empty lines skipped), each with its 1-based line number. */
  rows: Array<{ line: number; fields: string[] }>;
  width: number;
  /** The line that set the width (the first non-empty one). */
  firstLine: number;
  labelIndex: number | null;
}

export interface ReadCsvTableOptions {
  /** The first non-empty line holds column names; `auto`: it does when a name is given for the label column or a field of it is not a number. */
  header: boolean | 'auto';
  /** A column index (negative from the end) or, with a header, a name; null: no label column. */
  labelColumn: number | string | null;
  /** One character. Default ','. */
  delimiter?: string;
  /** numpy's NaN and infinities count as numbers (for `auto`): embeddings to diagnose. */
  nonFinite?: boolean;
}

/**
 * Reads a CSV file into fields: trimmed, optionally quoted with `"` (a doubled `""` is a quote), one
 * line per row, every row as wide as the first. The one CSV reader of deepmetric: datasets
 * (`readCsvDataset`) and embeddings to diagnose (`readEmbeddings`) both read through it.
 *
 * Errors name the file and the line: a row of another width, an unterminated quote, a label
 * column that does not exist, no data lines.
 *
 * @example
 * const table = await readCsvTable('iris.csv', { header: true, labelColumn: 'species' });
 * table.rows[0].fields; // ['5.1', '3.5', '1.4', '0.2', 'setosa']
 */
export async function readCsvTable(path: string, options: ReadCsvTableOptions): Promise<CsvTable> {
  const delimiter = options.delimiter ?? ',';
  const lines = new TextDecoder('utf-8').decode(await readFileBytes(path)).split(/\r?\n/);
  let names: string[] | null = null;
  let width = -1;
  let firstLine = 0;
  let labelIndex: number | null = null;
  let header = options.header;
  const rows: CsvTable['rows'] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const line = i + 1;
    const fields = splitLine(lines[i], delimiter, path, line);
    if (width === -1) {
      width = fields.length;
      firstLine = line;
      if (header === 'auto') header = typeof options.labelColumn === 'string' || !numericLine(fields, options);
      if (options.labelColumn !== null) labelIndex = resolveLabelColumn(options.labelColumn, header ? fields : undefined, width, path);
      if (header) {
        names = fields;
        continue;
      }
    } else if (fields.length !== width) {
      throw invalidInput(
        path,
        `line ${line} has ${fields.length} fields, expected ${width} (as on line ${firstLine}, separated by ${JSON.stringify(delimiter)})`,
      );
    }
    rows.push({ line, fields });
  }
  if (rows.length === 0) throw invalidInput(path, header === true ? 'has a header but no data lines' : 'contains no data lines');
  return { names, rows, width, firstLine, labelIndex };
}

/**
 * The table's columns other than the label column as a row-major matrix of numbers; a field that is
 * not a number is an error naming its line and column (`hint` is appended to it).
 */
export function csvFeatures(path: string, table: CsvTable, nonFinite = false, hint = ''): Float32Array {
  const { rows, width, labelIndex } = table;
  const d = labelIndex === null ? width : width - 1;
  const features = new Float32Array(rows.length * d);
  rows.forEach(({ line, fields }, r) => {
    let k = r * d;
    for (let j = 0; j < width; j++) {
      if (j === labelIndex) continue;
      const value = csvNumber(fields[j], nonFinite);
      if (value === null) {
        throw invalidInput(path, `line ${line}, ${csvColumn(table, j)}: expected a decimal number, found ${JSON.stringify(fields[j])}${hint}`);
      }
      features[k++] = value;
    }
  });
  return features;
}

/** `column j`, with its name when the table has a header: for messages. */
export function csvColumn(table: CsvTable, j: number): string {
  return table.names === null ? `column ${j}` : `column ${j} (${JSON.stringify(table.names[j])})`;
}

function numericLine(fields: string[], options: ReadCsvTableOptions): boolean {
  const width = fields.length;
  const label = typeof options.labelColumn === 'number' ? (options.labelColumn < 0 ? width + options.labelColumn : options.labelColumn) : -1;
  return fields.every((f, j) => j === label || csvNumber(f, options.nonFinite ?? false) !== null);
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
