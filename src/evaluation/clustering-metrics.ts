import { checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { expectedMutualInformation } from './expected-mutual-information.js';

/** How well a clustering agrees with the true classes, in scikit-learn's definitions. */
export interface ClusteringMetrics {
  /** Normalized mutual information: MI / mean(H(labels), H(clusters)), in [0, 1]. */
  nmi: number;
  /** Adjusted mutual information: (MI - E[MI]) / (mean(H(labels), H(clusters)) - E[MI]); ~0 for chance, 1 for a perfect match. */
  ami: number;
}

/** Below this a sum term is rounding noise, as scikit-learn treats it. */
const EPS = 2 ** -52;

/**
 * NMI and AMI of a clustering against the true labels, exactly as scikit-learn's
 * `normalized_mutual_info_score` and `adjusted_mutual_info_score` with their default arithmetic
 * normalization (which PML's AccuracyCalculator reports as `NMI` and `AMI`):
 *
 *   MI  = sum_ij n_ij/n ln(n n_ij / (a_i b_j)),   H(U) = -sum_i a_i/n ln(a_i/n)
 *   NMI = MI / ((H(U) + H(V)) / 2)
 *   AMI = (MI - E[MI]) / ((H(U) + H(V)) / 2 - E[MI])
 *
 * with n_ij the contingency table, a and b its row and column sums, and E[MI] the expected mutual
 * information under the hypergeometric model (computed in log space). Degenerate cases follow
 * scikit-learn: when both labelings have a single group they agree perfectly (1, 1); when only one
 * of them does, MI = 0 and NMI = AMI = 0; all singletons give AMI ~ 0 (up to ~1e-14 of rounding).
 * Only the grouping matters, not the label values: renaming clusters changes nothing.
 *
 * @param labels the true class of each sample (integers)
 * @param clusters the cluster of each sample (integers), e.g. `kMeans(...).labels`
 * @example
 * const { nmi, ami } = dm.clusteringMetrics([0, 0, 1, 1], [5, 5, 7, 7]); // { nmi: 1, ami: 1 }
 */
export function clusteringMetrics(labels: ArrayLike<number>, clusters: ArrayLike<number>): ClusteringMetrics {
  const n = labels?.length;
  if (typeof n !== 'number' || n === 0) {
    throw invalidArgument(
      `Argument \`labels\` must be a non-empty Int32Array or number[]. Received: ${describe(labels)}`,
    );
  }
  const truth = checkLabels(labels, n, 'labels');
  const pred = checkLabels(clusters, n, 'clusters');
  const table = contingency(truth, pred);
  const numClasses = table.rowSums.length;
  const numClusters = table.colSums.length;
  if (numClasses === 1 && numClusters === 1) return { nmi: 1, ami: 1 };

  const mi = mutualInformation(table, n);
  const hTrue = entropy(table.rowSums, n);
  const hPred = entropy(table.colSums, n);
  const normalizer = (hTrue + hPred) / 2;
  const nmi = mi === 0 ? 0 : mi / normalizer;

  const emi = expectedMutualInformation(table.rowSums, table.colSums, n);
  // normalizer >= emi in exact arithmetic; rounding can flip the sign of a tiny difference, so
  // keep its sign and bound it away from 0 (a perfect match then gives (MI-EMI)/(MI-EMI) = 1).
  let denominator = normalizer - emi;
  denominator = denominator < 0 ? Math.min(denominator, -EPS) : Math.max(denominator, EPS);
  return { nmi, ami: (mi - emi) / denominator };
}

interface Contingency {
  rowSums: Int32Array;
  colSums: Int32Array;
  /** Non-zero cells: row index, column index, count. */
  rows: Int32Array;
  cols: Int32Array;
  counts: Int32Array;
}

function contingency(truth: Int32Array, pred: Int32Array): Contingency {
  const rowOf = denseIds(truth);
  const colOf = denseIds(pred);
  const numRows = rowOf.count;
  const numCols = colOf.count;
  const rowSums = new Int32Array(numRows);
  const colSums = new Int32Array(numCols);
  const cells = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    const r = rowOf.ids[i];
    const c = colOf.ids[i];
    rowSums[r]++;
    colSums[c]++;
    const key = r * numCols + c;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  const keys = Array.from(cells.keys()).sort((x, y) => x - y);
  const rows = new Int32Array(keys.length);
  const cols = new Int32Array(keys.length);
  const counts = new Int32Array(keys.length);
  keys.forEach((key, t) => {
    rows[t] = Math.floor(key / numCols);
    cols[t] = key % numCols;
    counts[t] = cells.get(key) as number;
  });
  return { rowSums, colSums, rows, cols, counts };
}

/** Each value's rank among the sorted distinct values (np.unique's inverse). */
function denseIds(values: Int32Array): { ids: Int32Array; count: number } {
  const distinct = Array.from(new Set(values)).sort((x, y) => x - y);
  const rank = new Map(distinct.map((v, i) => [v, i]));
  const ids = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) ids[i] = rank.get(values[i]) as number;
  return { ids, count: distinct.length };
}

function mutualInformation(t: Contingency, n: number): number {
  // MI <= min(H(U), H(V)), and a single group has zero entropy.
  if (t.rowSums.length === 1 || t.colSums.length === 1) return 0;
  const logN = Math.log(n);
  let sum = 0;
  for (let c = 0; c < t.counts.length; c++) {
    const nij = t.counts[c];
    const p = nij / n;
    const outer = t.rowSums[t.rows[c]] * t.colSums[t.cols[c]];
    const term = p * (Math.log(nij) - logN) + p * (-Math.log(outer) + logN + logN);
    if (Math.abs(term) >= EPS) sum += term;
  }
  return Math.max(sum, 0);
}

function entropy(groupSizes: Int32Array, n: number): number {
  if (groupSizes.length === 1) return 0;
  const logN = Math.log(n);
  let sum = 0;
  for (const size of groupSizes) sum += (size / n) * (Math.log(size) - logN);
  return -sum;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const length = (value as { length?: unknown }).length;
  return typeof length === 'number' ? `${length} labels` : typeof value;
}
