import { invalidArgument, invalidInput } from '../errors.js';
import { encodeLabels } from './encode-labels.js';
import { csvFeatures, readCsvTable } from './read-csv-table.js';
import { readNpy } from './read-npy.js';

/** Embeddings read from a file: an n x d row-major matrix, and the labels of a CSV's label column. */
export interface EmbeddingsFile {
  matrix: { data: Float32Array; rows: number; dim: number };
  /** The CSV's label column encoded as class ids; null without one (and for .npy). */
  labels: Int32Array | null;
}

/**
 * Embeddings saved by any framework: a `.npy` (2-D, numeric) or a `.csv` (one row per embedding,
 * numbers including numpy's `nan` and `inf`: a NaN is a finding, not bad input), with optionally
 * one label column (an index, negative from the end, or a header name). A CSV's first line is a
 * header when a field of it is not a number.
 *
 * @example
 * const { matrix, labels } = await readEmbeddings('emb.csv', 'label');
 */
export async function readEmbeddings(path: string, labelColumn: number | string | null = null): Promise<EmbeddingsFile> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.npy')) {
    if (labelColumn !== null) {
      throw invalidArgument(`--label-column applies to a .csv file; ${path} is .npy: give the labels with --labels FILE`);
    }
    const array = await readNpy(path);
    if (array.shape.length !== 2) {
      throw invalidInput(path, `embeddings must be a 2-D array (rows x dimensions); found shape [${array.shape.join(', ')}]`);
    }
    const [rows, dim] = array.shape;
    const data = Float32Array.from(array.data as ArrayLike<number | bigint>, (v) => Number(v));
    return { matrix: checkMatrix(path, { data, rows, dim }), labels: null };
  }
  if (lower.endsWith('.csv')) {
    const table = await readCsvTable(path, { header: 'auto', labelColumn, nonFinite: true });
    const { labelIndex, rows } = table;
    const hint = labelIndex === null ? ' (for a label column, pass --label-column)' : '';
    const data = csvFeatures(path, table, true, hint);
    const dim = labelIndex === null ? table.width : table.width - 1;
    const labels =
      labelIndex === null
        ? null
        : encodeLabels(
            rows.map((r) => r.fields[labelIndex]),
            path,
            (r) => `line ${rows[r].line}`,
          ).labels;
    return { matrix: checkMatrix(path, { data, rows: rows.length, dim }), labels };
  }
  throw invalidInput(path, 'is neither a run directory nor an embeddings file: expected a folder, a .npy or a .csv');
}

function checkMatrix(path: string, m: EmbeddingsFile['matrix']): EmbeddingsFile['matrix'] {
  if (m.rows < 2 || m.dim < 1) throw invalidInput(path, `holds ${m.rows} x ${m.dim} embeddings; at least 2 rows of 1 dimension are needed`);
  return m;
}
