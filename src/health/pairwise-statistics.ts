import { tf } from '../tf.js';
import { LpDistance, type BaseDistance } from '../distances/index.js';
import type { SeparationMetrics } from './health-metrics.js';
import { SeparationAccumulator, type SeparationRowTerms } from './separation-accumulator.js';

/** Above this many rows the n x n matrices are computed in blocks of this many entries. */
const WHOLE_MATRIX_MAX_ROWS = 2048;
const BLOCK_ENTRIES = 1 << 22;

/**
 * The default number of rows of the n x n matrices computed at a time.
 *
 * @example
 * defaultChunkRows(512);    // 512: the whole matrix at once
 * defaultChunkRows(10000);  // 419 rows (16 MB) per block
 */
export function defaultChunkRows(n: number): number {
  return n <= WHOLE_MATRIX_MAX_ROWS ? n : Math.max(1, Math.floor(BLOCK_ENTRIES / n));
}

export interface PairwiseStatistics {
  meanDistance: number;
  meanNormalizedDistance: number;
  separation: SeparationMetrics | null;
  /** Each row's mean raw and normalized distance to the other rows (for standard errors). */
  rowMeans: { raw: Float64Array; normalized: Float64Array };
  /** Each row's share of the separation sums (for standard errors), with `rowTerms` and labels; else null. */
  separationTerms: { terms: SeparationRowTerms; inverted: boolean } | null;
}

export interface PairwiseOptions {
  /** The separation distance; null means Euclidean on L2-normalized rows, whose matrix is then shared with the spread. */
  distance: BaseDistance | null;
  margin: number;
  chunkRows: number;
  /** Keep each row's share of the separation sums: the rows are a sample whose standard errors are wanted. */
  rowTerms?: boolean;
}

/**
 * The metrics that need every pair of rows: mean raw and normalized Euclidean distance over
 * distinct rows, and the separation when labels are given. The matrices are computed on the
 * backend by `src/distances` (the same code the loss uses), `chunkRows` rows at a time, and
 * reduced in float64 in JavaScript, where the diagonal is left out exactly.
 *
 * @example
 * const { meanDistance, separation } = pairwiseStatistics(x, labels, { distance: null, margin: 0.05, chunkRows: 512 });
 */
export function pairwiseStatistics(
  x: tf.Tensor2D,
  labels: Int32Array | null,
  options: PairwiseOptions,
): PairwiseStatistics {
  const [n, dim] = x.shape;
  const raw = new LpDistance({ normalizeEmbeddings: false });
  const normalized = new LpDistance();
  const separationDistance = options.distance ?? normalized;
  const separation =
    labels === null
      ? null
      : new SeparationAccumulator(labels, separationDistance.isInverted, options.margin, options.rowTerms ?? false);
  const rawRows = new Float64Array(n);
  const normalizedRows = new Float64Array(n);
  for (let start = 0; start < n; start += options.chunkRows) {
    const rows = Math.min(options.chunkRows, n - start);
    const whole = rows === n;
    // With the whole matrix, `pairwise(x)` takes the symmetric path, which is exactly 0 on the diagonal.
    const query = whole ? x : tf.slice(x, [start, 0], [rows, dim]);
    const ref = whole ? undefined : x;
    try {
      const rawBlock = download(raw.pairwise(query, ref));
      offDiagonalRowSums(rawBlock, start, rows, n, rawRows);
      const normalizedBlock = download(normalized.pairwise(query, ref));
      offDiagonalRowSums(normalizedBlock, start, rows, n, normalizedRows);
      if (separation !== null) {
        const block =
          separationDistance === normalized ? normalizedBlock : download(separationDistance.pairwise(query, ref));
        separation.addRows(block, start, rows);
      }
    } finally {
      if (!whole) query.dispose();
    }
  }
  const terms = separation?.rowTerms() ?? null;
  const pairs = n * (n - 1);
  const total = (a: Float64Array) => a.reduce((sum, v) => sum + v, 0);
  const meanDistance = total(rawRows) / pairs;
  const meanNormalizedDistance = total(normalizedRows) / pairs;
  for (let i = 0; i < n; i++) {
    rawRows[i] /= n - 1;
    normalizedRows[i] /= n - 1;
  }
  return {
    meanDistance,
    meanNormalizedDistance,
    separation: separation === null ? null : separation.result(),
    rowMeans: { raw: rawRows, normalized: normalizedRows },
    separationTerms: terms === null ? null : { terms, inverted: separationDistance.isInverted },
  };
}

function download(t: tf.Tensor): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

/** The sum of each row start .. start + rows - 1 of an n x n matrix without its diagonal entry, into `out`. */
function offDiagonalRowSums(block: Float32Array, start: number, rows: number, n: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const diagonal = start + r;
    let rowSum = 0;
    for (let j = 0; j < n; j++) if (j !== diagonal) rowSum += block[o + j];
    out[start + r] = rowSum;
  }
}
