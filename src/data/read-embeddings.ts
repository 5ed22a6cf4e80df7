import { invalidArgument, invalidInput } from '../errors.js';
import { encodeLabels } from './encode-labels.js';
import { csvFeatures, readCsvTable } from './read-csv-table.js';
import { readNpy } from './read-npy.js';
import { readNpz } from './read-npz.js';
import { readParquetEmbeddings } from './read-parquet-embeddings.js';
import { readSafetensors } from './read-safetensors.js';
import type { TensorArray } from './tensor-array.js';

/** Embeddings read from a file: an n x d row-major matrix, and labels when the file holds them. */
export interface EmbeddingsFile {
  matrix: { data: Float32Array; rows: number; dim: number };
  /** Labels from the file itself (a CSV or Parquet label column, an archive's labels array) as class ids; null without. */
  labels: Int32Array | null;
}

export interface ReadEmbeddingsOptions {
  /** A CSV's or Parquet file's label column: an index (negative from the end) or a header name. */
  labelColumn?: number | string | null;
  /** The embeddings array of an `.npz` or safetensors file, or the Parquet embedding column; default: found by its usual names. */
  key?: string | null;
  /** The labels array of an `.npz` or safetensors file; default: found by its usual names. */
  labelsKey?: string | null;
  /** A CSV's first line is a header (as `train --csv-header`); default: it is when a field of it is not a number. */
  csvHeader?: boolean;
}

/** The names an archive's embeddings and labels usually have, in the order they are tried. */
export const EMBEDDING_KEYS = ['embeddings', 'embedding', 'emb', 'embs', 'features', 'feats', 'vectors', 'x', 'X'];
export const LABEL_KEYS = ['labels', 'label', 'y', 'targets', 'target', 'classes'];

/** The file formats `readEmbeddings` reads, by extension. */
export const EMBEDDING_FORMATS = ['.npy', '.npz', '.safetensors', '.parquet', '.csv', '.tsv'];

/**
 * Embeddings saved by any framework:
 * - `.npy` (2-D, any numeric dtype and layout `readNpy` reads);
 * - `.npz` and safetensors: the embeddings and labels arrays by `key` / `labelsKey`, or by their
 *   usual names (EMBEDDING_KEYS, LABEL_KEYS), or the only 2-D array;
 * - Parquet: a list column of numbers, labels by `labelColumn`;
 * - `.csv` (numbers including numpy's `nan` and `inf`: a NaN is a finding, not bad input; a first
 *   line with a field that is not a number is a header) with an optional label column;
 * - `.tsv` as TensorBoard's projector writes it (`tensors.tsv`: tab-separated numbers, no header).
 *
 * @example
 * const { matrix, labels } = await readEmbeddings('emb.npz'); // arrays 'embeddings' and 'labels'
 */
export async function readEmbeddings(path: string, options: ReadEmbeddingsOptions = {}): Promise<EmbeddingsFile> {
  const lower = path.toLowerCase();
  const labelColumn = options.labelColumn ?? null;
  const only = (flag: string, value: unknown, formats: string) => {
    if (value !== null && value !== undefined) {
      throw invalidArgument(`${flag} applies to ${formats}; ${path} is ${lower.slice(lower.lastIndexOf('.'))}`);
    }
  };
  if (!lower.endsWith('.csv') && !lower.endsWith('.parquet')) only('--label-column', labelColumn, 'a .csv or Parquet file');
  if (!lower.endsWith('.csv')) only('--csv-header', options.csvHeader || null, 'a .csv file');
  if (!/\.(npz|safetensors)$/.test(lower)) only('--labels-key', options.labelsKey, 'an .npz or safetensors file');
  if (!/\.(npz|safetensors|parquet)$/.test(lower)) only('--key', options.key, 'an .npz, safetensors or Parquet file');
  if (lower.endsWith('.npy')) {
    const array = await readNpy(path);
    return { matrix: matrixOf(path, array), labels: null };
  }
  if (lower.endsWith('.npz') || lower.endsWith('.safetensors')) {
    const arrays = lower.endsWith('.npz') ? await readNpz(path) : await readSafetensors(path);
    return fromArchive(path, arrays, options);
  }
  if (lower.endsWith('.parquet')) {
    const { matrix, labels } = await readParquetEmbeddings(path, { key: options.key, labelColumn });
    return { matrix: checkMatrix(path, matrix), labels: labels === null ? null : labelIds(path, labels.map(String)) };
  }
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) {
    const tsv = lower.endsWith('.tsv');
    const table = await readCsvTable(path, { header: tsv ? false : options.csvHeader ? true : 'auto', labelColumn, nonFinite: true, delimiter: tsv ? '\t' : ',' });
    const { labelIndex, rows } = table;
    const hint = labelIndex === null && !tsv ? ' (for a label column, pass --label-column)' : '';
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
  throw invalidInput(path, `is neither a run directory nor an embeddings file: expected a folder or one of ${EMBEDDING_FORMATS.join(', ')}`);
}

function fromArchive(path: string, arrays: Record<string, TensorArray>, options: ReadEmbeddingsOptions): EmbeddingsFile {
  const names = Object.keys(arrays);
  const listed = `arrays: ${names.map((n) => `${n} [${arrays[n].shape.join(', ')}]`).join(', ')}`;
  const pick = (key: string | null | undefined, usual: string[], what: string, fallback: string | undefined) => {
    if (key !== null && key !== undefined) {
      if (!(key in arrays)) throw invalidInput(path, `has no array '${key}' (${what}); ${listed}`);
      return key;
    }
    return usual.find((n) => n in arrays) ?? fallback;
  };
  const twoD = names.filter((n) => arrays[n].shape.length === 2);
  const embeddingsKey = pick(options.key, EMBEDDING_KEYS, '--key', twoD.length === 1 ? twoD[0] : undefined);
  if (embeddingsKey === undefined) {
    throw invalidInput(path, `has no embeddings array named ${EMBEDDING_KEYS.join(', ')} (or a single 2-D array): give its name with --key; ${listed}`);
  }
  const labelsKey = pick(options.labelsKey, LABEL_KEYS, '--labels-key', undefined);
  const matrix = matrixOf(`${path}:${embeddingsKey}`, arrays[embeddingsKey]);
  if (labelsKey === undefined) return { matrix, labels: null };
  const labels = arrays[labelsKey];
  if (labels.shape.length !== 1 || labels.shape[0] !== matrix.rows) {
    throw invalidInput(path, `array '${labelsKey}' has shape [${labels.shape.join(', ')}]; labels of '${embeddingsKey}' need shape [${matrix.rows}]`);
  }
  return { matrix, labels: labelIds(`${path}:${labelsKey}`, Array.from(labels.data as ArrayLike<number | bigint>, String)) };
}

function labelIds(file: string, values: string[]): Int32Array {
  return encodeLabels(values, file, (r) => `row ${r}`).labels;
}

function matrixOf(path: string, array: TensorArray): EmbeddingsFile['matrix'] {
  if (array.shape.length !== 2) {
    throw invalidInput(path, `embeddings must be a 2-D array (rows x dimensions); found shape [${array.shape.join(', ')}]`);
  }
  const [rows, dim] = array.shape;
  const data =
    array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as ArrayLike<number | bigint>, Number);
  return checkMatrix(path, { data, rows, dim });
}

function checkMatrix(path: string, m: EmbeddingsFile['matrix']): EmbeddingsFile['matrix'] {
  if (m.rows < 2 || m.dim < 1) throw invalidInput(path, `holds ${m.rows} x ${m.dim} embeddings; at least 2 rows of 1 dimension are needed`);
  return m;
}
