import { invalidArgument } from '../errors.js';

/** Eigenvalues (and optionally eigenvectors) of a real symmetric matrix. */
export interface SymmetricEigen {
  /** The n eigenvalues, largest first. */
  values: Float64Array;
  /**
   * The eigenvectors as the columns of an n x n row-major matrix: component `i` of the
   * eigenvector of `values[k]` is `vectors[i * n + k]`. Orthonormal. `null` unless requested.
   */
  vectors: Float64Array | null;
}

export interface SymmetricEigenOptions {
  /** Also compute the eigenvectors (about 4x the work of the eigenvalues alone). Default false. */
  vectors?: boolean;
}

/** Tolerated asymmetry, relative to the largest entry: matrices computed in float32 are off by rounding. */
const SYMMETRY_TOLERANCE = 1e-4;
/** QR sweeps per eigenvalue before giving up; the implicit Wilkinson-shift step converges in 2-3. */
const MAX_STEPS_PER_VALUE = 30;

/**
 * The eigen-decomposition `A = V diag(lambda) V^T` of a real symmetric n x n matrix, in float64
 * plain JavaScript (tfjs has no eigen-solver or SVD). Householder reduction to tridiagonal form,
 * then implicit QR steps with Wilkinson shifts (Golub & Van Loan, Matrix Computations, 8.3):
 * about (4/3) n^3 flops for the eigenvalues, 3-4x that with the eigenvectors; a few ms for n = 128.
 *
 * The matrix is read as `(A + A^T) / 2`, so rounding-level asymmetry from a float32 product is
 * averaged out; a matrix that is not symmetric beyond that is refused.
 *
 * @param matrix the n*n entries, row-major.
 * @param n the order of the matrix.
 * @example
 * const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2, { vectors: true });
 * // values = [3, 1]; the first column of `vectors` is [1, 1] / sqrt(2) (up to sign)
 */
export function symmetricEigen(
  matrix: ArrayLike<number>,
  n: number,
  options: SymmetricEigenOptions = {},
): SymmetricEigen {
  const wantVectors = options.vectors ?? false;
  if (typeof wantVectors !== 'boolean') {
    throw invalidArgument(`Option \`vectors\` must be a boolean. Received: vectors=${String(options.vectors)}`);
  }
  const a = checkedSymmetric(matrix, n);
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const reflectors = tridiagonalize(a, n, d, e, wantVectors);
  // The eigenvectors are kept as the rows of Q^T, so that each rotation touches two contiguous rows.
  const qt = wantVectors ? transpose(accumulate(reflectors, n), n) : null;
  diagonalize(d, e, qt, n);
  return sortDescending(d, qt, n);
}

function checkedSymmetric(matrix: ArrayLike<number>, n: number): Float64Array {
  if (!(Number.isInteger(n) && n >= 1)) {
    throw invalidArgument(`Argument \`n\` must be an integer >= 1. Received: n=${String(n)}`);
  }
  if (matrix === null || typeof matrix !== 'object' || matrix.length !== n * n) {
    throw invalidArgument(
      `Argument \`matrix\` must hold n*n = ${n * n} entries (row-major). Received: ${matrix === null || typeof matrix !== 'object' ? String(matrix) : `${matrix.length} entries`}`,
    );
  }
  let largest = 0;
  for (let i = 0; i < n * n; i++) {
    const v = matrix[i];
    if (!Number.isFinite(v)) {
      throw invalidArgument(
        `Argument \`matrix\` must hold finite numbers. Received: matrix[${Math.floor(i / n)}][${i % n}]=${v}`,
      );
    }
    largest = Math.max(largest, Math.abs(v));
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const lower = matrix[i * n + j];
      const upper = matrix[j * n + i];
      if (Math.abs(lower - upper) > SYMMETRY_TOLERANCE * largest) {
        throw invalidArgument(
          `Argument \`matrix\` must be symmetric. Received: matrix[${i}][${j}]=${lower} but matrix[${j}][${i}]=${upper}`,
        );
      }
      const v = (lower + upper) / 2;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** A Householder reflector `H = I - beta v v^T` acting on rows/columns `offset..n-1`. */
interface Reflector {
  offset: number;
  v: Float64Array;
  beta: number;
}

/**
 * Reduces `a` in place by n-2 reflections `H A H` to the tridiagonal matrix with diagonal `d` and
 * sub-diagonal `e`; returns the reflections when the eigenvectors are wanted.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, keep: boolean): Reflector[] {
  const reflectors: Reflector[] = [];
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const offset = k + 1;
    const m = n - offset;
    const v = new Float64Array(m);
    let sumSq = 0;
    for (let i = 0; i < m; i++) {
      v[i] = a[(offset + i) * n + k];
      sumSq += v[i] * v[i];
    }
    d[k] = a[k * n + k];
    if (sumSq === 0) {
      e[k] = 0;
      continue;
    }
    const norm = Math.sqrt(sumSq);
    // The sign opposite to x0 makes v0 = x0 - alpha a sum of like signs: no cancellation.
    const alpha = v[0] >= 0 ? -norm : norm;
    e[k] = alpha;
    v[0] -= alpha;
    const beta = 1 / (norm * (norm + Math.abs(v[0] + alpha)));
    // H A22 H = A22 - v w^T - w v^T with p = beta A22 v and w = p - (beta p.v / 2) v, on the lower
    // triangle only (the matrix stays symmetric): half the memory traffic of the full update.
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const row = (offset + i) * n + offset;
      const vi = v[i];
      let s = 0;
      for (let j = 0; j < i; j++) {
        const aij = a[row + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s + a[row + i] * vi;
    }
    let pv = 0;
    for (let i = 0; i < m; i++) {
      p[i] *= beta;
      pv += p[i] * v[i];
    }
    const half = (beta * pv) / 2;
    for (let i = 0; i < m; i++) p[i] -= half * v[i];
    for (let i = 0; i < m; i++) {
      const row = (offset + i) * n + offset;
      const vi = v[i];
      const wi = p[i];
      for (let j = 0; j <= i; j++) a[row + j] -= vi * p[j] + wi * v[j];
    }
    if (keep) reflectors.push({ offset, v, beta });
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2];
    e[n - 2] = a[(n - 1) * n + n - 2];
  }
  d[n - 1] = a[(n - 1) * n + n - 1];
  return reflectors;
}

/** Q = H_0 H_1 ... H_{n-3}, built from the last reflector back, so that A = Q T Q^T. */
function accumulate(reflectors: Reflector[], n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const t = new Float64Array(n);
  for (let r = reflectors.length - 1; r >= 0; r--) {
    const { offset, v, beta } = reflectors[r];
    const m = n - offset;
    // Rows and columns before `offset` of this block are still the identity's.
    t.fill(0, offset, n);
    for (let i = 0; i < m; i++) {
      const row = (offset + i) * n;
      const vi = v[i];
      for (let j = offset; j < n; j++) t[j] += vi * q[row + j];
    }
    for (let i = 0; i < m; i++) {
      const row = (offset + i) * n;
      const bvi = beta * v[i];
      for (let j = offset; j < n; j++) q[row + j] -= bvi * t[j];
    }
  }
  return q;
}

/**
 * Diagonalizes the symmetric tridiagonal (d, e) in place by implicit QR steps with Wilkinson
 * shifts on its lowest unreduced block, rotating the rows of `qt` (the columns of Q) along when given.
 */
function diagonalize(d: Float64Array, e: Float64Array, qt: Float64Array | null, n: number): void {
  let hi = n - 1;
  let steps = 0;
  while (hi > 0) {
    for (let i = 0; i < hi; i++) {
      if (Math.abs(e[i]) <= Number.EPSILON * (Math.abs(d[i]) + Math.abs(d[i + 1]))) e[i] = 0;
    }
    if (e[hi - 1] === 0) {
      hi--;
      continue;
    }
    if (++steps > MAX_STEPS_PER_VALUE * n) {
      throw new Error(`symmetricEigen: no convergence after ${steps - 1} QR steps (n=${n})`);
    }
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    // Wilkinson shift: the eigenvalue of the trailing 2x2 block nearer to d[hi].
    const half = (d[hi - 1] - d[hi]) / 2;
    const off = e[hi - 1];
    const mu = d[hi] - (off * off) / (half + (half >= 0 ? 1 : -1) * Math.hypot(half, off));
    let x = d[lo] - mu;
    let z = e[lo];
    for (let k = lo; k < hi; k++) {
      // The rotation R on (k, k+1) with R^T [x, z] = [r, 0]: the shifted first column at k = lo,
      // then the bulge at (k+1, k-1) chased down the band.
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : -z / r;
      if (k > lo) e[k - 1] = r;
      const dk = d[k];
      const dk1 = d[k + 1];
      const ek = e[k];
      d[k] = c * c * dk - 2 * c * s * ek + s * s * dk1;
      d[k + 1] = s * s * dk + 2 * c * s * ek + c * c * dk1;
      e[k] = c * s * (dk - dk1) + (c * c - s * s) * ek;
      if (k < hi - 1) {
        z = -s * e[k + 1];
        e[k + 1] *= c;
        x = e[k];
      }
      if (qt !== null) {
        const rk = k * n;
        const rk1 = rk + n;
        for (let i = 0; i < n; i++) {
          const qk = qt[rk + i];
          const qk1 = qt[rk1 + i];
          qt[rk + i] = c * qk - s * qk1;
          qt[rk1 + i] = s * qk + c * qk1;
        }
      }
    }
  }
}

function sortDescending(d: Float64Array, qt: Float64Array | null, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = Float64Array.from(order, (i) => d[i]);
  if (qt === null) return { values, vectors: null };
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const source = order[k] * n;
    for (let i = 0; i < n; i++) vectors[i * n + k] = qt[source + i];
  }
  return { values, vectors };
}

function transpose(m: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = m[i * n + j];
  return t;
}
