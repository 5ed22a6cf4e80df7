/**
 * Plain-loop reference health metrics in doubles, independent of tfjs and of src/health: every
 * quantity is computed from its definition, eigenvalues by cyclic Jacobi rotations.
 */
import { lpMatrix, normalizeRows } from './distances.js';

export { normalizeRows };

/** Rows of a row-major float32 matrix as plain number arrays (the exact float32 values). */
export function rowsOf(data: Float32Array, rows: number, dim: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
}

/** Mean Euclidean distance over all ordered pairs of distinct rows. */
export function meanPairwiseDistance(x: number[][]): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      if (i === j) continue;
      let s = 0;
      for (let k = 0; k < x[i].length; k++) s += (x[i][k] - x[j][k]) ** 2;
      sum += Math.sqrt(s);
    }
  }
  return sum / (x.length * (x.length - 1));
}

export function rowNorms(x: number[][]): number[] {
  return x.map((row) => Math.sqrt(row.reduce((s, v) => s + v * v, 0)));
}

export function columnMeans(x: number[][]): number[] {
  const d = x[0].length;
  return Array.from({ length: d }, (_, k) => x.reduce((s, row) => s + row[k], 0) / x.length);
}

/** Unbiased variance of each column (torch.var's default). */
export function columnVariances(x: number[][]): number[] {
  const mean = columnMeans(x);
  return mean.map((m, k) => x.reduce((s, row) => s + (row[k] - m) ** 2, 0) / (x.length - 1));
}

/** SimSiam: mean over columns of the std of the L2-normalized rows, times sqrt(d). */
export function stdSqrtDim(x: number[][]): number {
  const v = columnVariances(normalizeRows(x));
  return (v.reduce((s, vk) => s + Math.sqrt(vk), 0) / v.length) * Math.sqrt(v.length);
}

/** z^T z (d x d). */
export function gram(z: number[][]): number[][] {
  const d = z[0].length;
  const g = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const row of z) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) g[a][b] += row[a] * row[b];
  return g;
}

/** The unbiased covariance of the rows. */
export function covariance(x: number[][]): number[][] {
  const mean = columnMeans(x);
  return gram(x.map((row) => row.map((v, k) => v - mean[k]))).map((r) => r.map((v) => v / (x.length - 1)));
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, largest first. */
export function jacobiEigenvalues(matrix: number[][]): number[] {
  const n = matrix.length;
  const a = matrix.map((r) => r.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        total += a[i][j] ** 2;
        if (i !== j) off += a[i][j] ** 2;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        // The angle that zeroes a[p][q]: tan(2 theta) = 2 a_pq / (a_qq - a_pp).
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((r, i) => r[i]).sort((x, y) => y - x);
}

/** RankMe as written in Garrido et al. 2023: exp(-sum p log p), p_k = sigma_k / sum sigma + 1e-7. */
export function rankMe(singularValues: number[]): number {
  const total = singularValues.reduce((s, v) => s + v, 0);
  let entropy = 0;
  for (const sv of singularValues) {
    const p = sv / total + 1e-7;
    entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/** RankMe of the L2-normalized rows: singular values as square roots of the eigenvalues of Z^T Z. */
export function normalizedEffectiveRank(x: number[][]): number {
  return rankMe(jacobiEigenvalues(gram(normalizeRows(x))).map((l) => Math.sqrt(Math.max(l, 0))));
}

/** Share of the variance of the L2-normalized rows along the first principal component. */
export function firstComponentShare(x: number[][]): number {
  const values = jacobiEigenvalues(covariance(normalizeRows(x))).map((l) => Math.max(l, 0));
  return values[0] / values.reduce((s, v) => s + v, 0);
}

export interface ReferenceSeparation {
  meanPositive: number;
  meanNegative: number;
  numTriplets: number;
  numViolations: number;
  /** The smallest |d(a,p) - d(a,n) + margin| over all triplets: how close the nearest one is to flipping. */
  closestToMargin: number;
}

/** Every triplet (a, p, n) enumerated, as PML's tests do, with `dist` a full distance matrix. */
export function enumerateTriplets(
  dist: number[][],
  labels: number[],
  margin: number,
  inverted = false,
): ReferenceSeparation {
  const n = labels.length;
  let pos = 0;
  let numPos = 0;
  let neg = 0;
  let numNeg = 0;
  let numTriplets = 0;
  let numViolations = 0;
  let closest = Infinity;
  for (let a = 0; a < n; a++) {
    for (let j = 0; j < n; j++) {
      if (j === a) continue;
      if (labels[j] === labels[a]) {
        pos += dist[a][j];
        numPos++;
      } else {
        neg += dist[a][j];
        numNeg++;
      }
    }
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let k = 0; k < n; k++) {
        if (labels[k] === labels[a]) continue;
        const violation = (inverted ? dist[a][k] - dist[a][p] : dist[a][p] - dist[a][k]) + margin;
        numTriplets++;
        if (violation > 0) numViolations++;
        closest = Math.min(closest, Math.abs(violation));
      }
    }
  }
  return {
    meanPositive: pos / numPos,
    meanNegative: neg / numNeg,
    numTriplets,
    numViolations,
    closestToMargin: closest,
  };
}

/** Euclidean distances between L2-normalized rows (PML's default LpDistance). */
export function normalizedDistanceMatrix(x: number[][]): number[][] {
  const z = normalizeRows(x);
  return lpMatrix(z, z);
}
