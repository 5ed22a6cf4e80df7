import { parquetReadObjects } from 'hyparquet';
import { invalidInput } from '../errors.js';
import { readFileBytes } from './read-file-bytes.js';

/** A Parquet file's embedding column as a matrix, and its label column's raw values. */
export interface ParquetEmbeddings {
  matrix: { data: Float32Array; rows: number; dim: number };
  /** The label column's values (null without `labelColumn`). */
  labels: unknown[] | null;
}

/**
 * Reads embeddings from a Parquet file (pandas `to_parquet`, pyarrow, Spark): one row per
 * embedding, the embedding in a list or fixed-size-list column of numbers (`key`, or the first
 * such column), the label in `labelColumn` (a name, or an index among the columns). Every row's
 * list must have the same length.
 *
 * @example
 * const { matrix, labels } = await readParquetEmbeddings('emb.parquet', { labelColumn: 'label' });
 */
export async function readParquetEmbeddings(
  path: string,
  options: { key?: string | null; labelColumn?: number | string | null } = {},
): Promise<ParquetEmbeddings> {
  const bytes = await readFileBytes(path);
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file: new Uint8Array(bytes).buffer });
  } catch (cause) {
    throw invalidInput(path, 'is not a readable Parquet file', cause);
  }
  if (rows.length === 0) throw invalidInput(path, 'holds no rows');
  const columns = Object.keys(rows[0]);
  const isVector = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' || typeof x === 'bigint');
  const key = options.key ?? columns.find((c) => isVector(rows[0][c]));
  if (key === undefined || !columns.includes(key)) {
    throw invalidInput(
      path,
      key === undefined
        ? `has no list column of numbers to read as embeddings; columns: ${columns.join(', ')}`
        : `has no column '${key}'; columns: ${columns.join(', ')}`,
    );
  }
  const dim = (rows[0][key] as unknown[]).length;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((row, r) => {
    const v = row[key];
    if (!isVector(v) || (v as unknown[]).length !== dim) {
      throw invalidInput(path, `row ${r}, column '${key}': expected a list of ${dim} numbers like row 0, found ${describe(v)}`);
    }
    (v as Array<number | bigint>).forEach((x, j) => (data[r * dim + j] = Number(x)));
  });
  let labels: unknown[] | null = null;
  if (options.labelColumn !== undefined && options.labelColumn !== null) {
    const wanted = options.labelColumn;
    const name = typeof wanted === 'number' ? columns[wanted < 0 ? columns.length + wanted : wanted] : wanted;
    if (name === undefined || !columns.includes(name)) {
      throw invalidInput(path, `has no label column ${JSON.stringify(wanted)}; columns: ${columns.join(', ')}`);
    }
    labels = rows.map((row) => row[name]);
  }
  return { matrix: { data, rows: rows.length, dim }, labels };
}

function describe(v: unknown): string {
  return Array.isArray(v) ? `a list of ${v.length}` : JSON.stringify(typeof v === 'bigint' ? String(v) : v) ?? String(v);
}
