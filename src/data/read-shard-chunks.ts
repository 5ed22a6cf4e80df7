import { invalidArgument, invalidInput } from '../errors.js';
import { readLabelsFile } from './read-labels-file.js';
import { readNpyChunks, readNpyMatrixHeader } from './read-npy-chunks.js';
import { readParquetEmbeddings } from './read-parquet-embeddings.js';

/** A chunk of rows of one shard, with its place in the whole. */
export interface ShardChunk {
  /** rows x dim float32, row-major; overwritten by a later chunk: copy what you keep. */
  data: Float32Array;
  rows: number;
  dim: number;
  /** One integer label per row; null without label files. */
  labels: Int32Array | null;
  /** Global index of the chunk's first row: rowOffset + the rows of the shards before + its row in the shard. */
  firstRow: number;
  /** The shard file the rows came from. */
  shard: string;
}

export interface ReadShardChunksOptions {
  /** The labels of each shard, one file per shard in the same order (.npy of integers, or text of integers). */
  labels?: readonly string[] | null;
  /** Global index of the first shard's first row (a shard measured alone: the rows before it). Default 0. */
  rowOffset?: number;
  /** A Parquet shard's embedding column, and its label column (name or index). */
  key?: string | null;
  labelColumn?: number | string | null;
  /** Rows per chunk of a `.npy` shard (default about 4 MB of float32). */
  chunkRows?: number;
  /**
   * Only the global rows start .. end - 1 (every shard's header is still read and checked): the
   * part of the shards one thread measures. Default: every row.
   */
  window?: { start: number; end: number };
}

/**
 * The rows of shards (`.npy` files read in chunks with a file handle, or Parquet files read whole
 * one at a time), shard by shard in the order given, with global row indices, so that memory
 * stays about one chunk (one Parquet shard) plus one shard's labels however many rows there are.
 * Every shard must have the dimensions of the first; a labels file must hold one label per row of
 * its shard; labels must be integers (strings would be numbered apart in each shard).
 *
 * @example
 * for await (const chunk of readShardChunks(['part-0.npy', 'part-1.npy'], { labels: ['part-0.labels.npy', 'part-1.labels.npy'] }))
 *   health.add(chunk.data, chunk.rows, chunk.labels, chunk.firstRow, chunk.shard);
 */
export async function* readShardChunks(
  shards: readonly string[],
  options: ReadShardChunksOptions = {},
): AsyncGenerator<ShardChunk> {
  const labelFiles = options.labels ?? null;
  if (labelFiles !== null && labelFiles.length !== shards.length) {
    throw invalidArgument(
      `There are ${shards.length} embeddings shards but ${labelFiles.length} labels files: give one labels file per shard, matched in sorted order`,
    );
  }
  const rowOffset = options.rowOffset ?? 0;
  if (!(Number.isSafeInteger(rowOffset) && rowOffset >= 0)) {
    throw invalidArgument(`--row-offset must be an integer >= 0. Received: ${String(options.rowOffset)}`);
  }
  let firstRow = rowOffset;
  let first: { shard: string; dim: number } | null = null;
  for (const [i, shard] of shards.entries()) {
    const lower = shard.toLowerCase();
    const parquet = lower.endsWith('.parquet');
    if (!parquet && !lower.endsWith('.npy')) {
      throw invalidInput(shard, 'is not a .npy or .parquet file: shards and large inputs are read from .npy or Parquet');
    }
    if (!parquet && (options.key ?? null) !== null) throw invalidArgument(`--key applies to Parquet shards; ${shard} is .npy`);
    const npyHeader = parquet ? null : await readNpyMatrixHeader(shard);
    const window = options.window ?? null;
    if (window !== null && npyHeader !== null) {
      const from = Math.max(window.start - firstRow, 0);
      const to = Math.min(window.end - firstRow, npyHeader.rows);
      if (first === null) first = { shard, dim: npyHeader.dim };
      else if (npyHeader.dim !== first.dim) {
        throw invalidInput(
          shard,
          `holds ${npyHeader.dim}-dimensional embeddings, but ${first.shard} holds ${first.dim}: every shard must have the same dimensions`,
        );
      }
      if (from < to) {
        const labels = labelFiles === null ? null : await shardLabels(labelFiles[i], shard, npyHeader.rows);
        for await (const chunk of readNpyChunks(shard, { chunkRows: options.chunkRows, startRow: from, endRow: to })) {
          yield {
            data: chunk.data,
            rows: chunk.rows,
            dim: npyHeader.dim,
            labels: labels === null ? null : labels.subarray(chunk.firstRow, chunk.firstRow + chunk.rows),
            firstRow: firstRow + chunk.firstRow,
            shard,
          };
        }
      }
      firstRow += npyHeader.rows;
      continue;
    }
    if (window !== null) throw invalidArgument('Option `window` applies to .npy shards only');
    const table = parquet
      ? await readParquetEmbeddings(shard, { key: options.key ?? null, labelColumn: options.labelColumn ?? null })
      : null;
    const rows = npyHeader?.rows ?? (table as NonNullable<typeof table>).matrix.rows;
    const dim = npyHeader?.dim ?? (table as NonNullable<typeof table>).matrix.dim;
    if (first === null) first = { shard, dim };
    else if (dim !== first.dim) {
      throw invalidInput(shard, `holds ${dim}-dimensional embeddings, but ${first.shard} holds ${first.dim}: every shard must have the same dimensions`);
    }
    let labels: Int32Array | null = null;
    if (labelFiles !== null) {
      if (table?.labels !== null && table?.labels !== undefined) {
        throw invalidArgument('Give the labels either with --labels or with --label-column, not both.');
      }
      labels = await shardLabels(labelFiles[i], shard, rows);
    } else if (table !== null && table.labels !== null) {
      labels = integerColumn(shard, table.labels);
    }
    if (table !== null) {
      const step = options.chunkRows ?? 16384;
      const { data } = table.matrix;
      for (let start = 0; start < rows; start += step) {
        const count = Math.min(step, rows - start);
        yield {
          data: data.subarray(start * dim, (start + count) * dim),
          rows: count,
          dim,
          labels: labels === null ? null : labels.subarray(start, start + count),
          firstRow: firstRow + start,
          shard,
        };
      }
    } else {
      for await (const chunk of readNpyChunks(shard, { chunkRows: options.chunkRows })) {
        yield {
          data: chunk.data,
          rows: chunk.rows,
          dim,
          labels: labels === null ? null : labels.subarray(chunk.firstRow, chunk.firstRow + chunk.rows),
          firstRow: firstRow + chunk.firstRow,
          shard,
        };
      }
    }
    firstRow += rows;
  }
}

/** The labels of a shard of `rows` rows, one per row. */
async function shardLabels(file: string, shard: string, rows: number): Promise<Int32Array> {
  const labels = await integerLabelsFile(file);
  if (labels.length !== rows) {
    throw invalidInput(
      file,
      `holds ${labels.length} labels, but its shard ${shard} holds ${rows} rows (one label per row; shards and labels files are matched in sorted order)`,
    );
  }
  return labels;
}

/** A labels file's labels, which must be integers: a text file of strings is numbered per file, which shards cannot share. */
async function integerLabelsFile(path: string): Promise<Int32Array> {
  const { labels, classNames } = await readLabelsFile(path);
  if (!classNames.every((name, i) => name === String(i))) {
    throw invalidInput(
      path,
      `holds labels that are not integers (${classNames.slice(0, 3).join(', ')}, ...): the labels of shards must be integer class ids, numbered alike in every shard`,
    );
  }
  return labels;
}

function integerColumn(path: string, values: unknown[]): Int32Array {
  return Int32Array.from(values, (v, r) => {
    const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (!(typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 2147483647)) {
      throw invalidInput(path, `row ${r} of the label column is ${JSON.stringify(v)}: the labels of shards must be integer class ids in [0, 2^31)`);
    }
    return n;
  });
}
