/** torch's F.normalize clamp, as `l2Normalize` in src/distances uses: a zero row stays zero. */
const NORM_EPS = 1e-12;

/** First and second moments of the L2-normalized rows, with the norms they were normalized by. */
export interface NormalizedMoments {
  /** The L2 norm of each row before normalization. */
  norms: Float64Array;
  /** The mean of the normalized rows (dim). */
  mean: Float64Array;
  /** Their covariance, unbiased (divided by rows - 1), dim x dim row-major. */
  covariance: Float64Array;
}

/**
 * Norms, mean and covariance of the L2-normalized rows of a finite row-major matrix, in float64.
 *
 * Computed in JavaScript doubles on purpose rather than by a float32 matMul on the backend: the
 * effective rank takes square roots of the eigenvalues, and the ~1e-7 relative rounding of a
 * float32 product turns into singular values of ~3e-4 in every empty direction, which lifts
 * RankMe of a rank-1 batch of 512 x 128 from 1.0002 to 1.2 (measured on wasm). Centering before
 * the products keeps the covariance exact relative to the spread even when all rows huddle
 * around one point, which is the collapse to be measured. Cost: rows * dim^2 / 2 multiply-adds.
 *
 * @example
 * const { norms, mean, covariance } = normalizedMoments(data, 512, 128); // covariance: 128 x 128
 */
export function normalizedMoments(data: Float32Array, rows: number, dim: number): NormalizedMoments {
  const norms = new Float64Array(rows);
  const mean = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    let sumSq = 0;
    for (let k = 0; k < dim; k++) sumSq += data[o + k] * data[o + k];
    const norm = Math.sqrt(sumSq);
    norms[i] = norm;
    const scale = 1 / Math.max(norm, NORM_EPS);
    for (let k = 0; k < dim; k++) mean[k] += data[o + k] * scale;
  }
  for (let k = 0; k < dim; k++) mean[k] /= rows;
  // The centered rows go through the cross product a block at a time: memory stays CHUNK_ROWS x dim.
  const covariance = new Float64Array(dim * dim);
  const z = new Float64Array(Math.min(rows, CHUNK_ROWS) * dim);
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, rows - start);
    for (let r = 0; r < count; r++) {
      const o = (start + r) * dim;
      const scale = 1 / Math.max(norms[start + r], NORM_EPS);
      for (let k = 0; k < dim; k++) z[r * dim + k] = data[o + k] * scale - mean[k];
    }
    addUpperCrossProduct(z, count, dim, covariance);
  }
  const scale = 1 / (rows - 1);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = covariance[a * dim + b] * scale;
      covariance[a * dim + b] = v;
      covariance[b * dim + a] = v;
    }
  }
  return { norms, mean, covariance };
}

/** Rows per block of the cross product: a multiple of 4, so that the rows group as in one pass. */
const CHUNK_ROWS = 1024;

/**
 * Adds the upper triangle of z^T z (the first `rows` rows of z) to `acc`. Four rows and two columns a per pass: each accumulator is loaded
 * once per four products and each z[., b] serves two of them (2x the speed of one column at a
 * time, measured); every entry still adds its four products in the same order, so the result is
 * the same to the bit.
 */
function addUpperCrossProduct(z: Float64Array, rows: number, dim: number, acc: Float64Array): void {
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const o0 = i * dim;
    const o1 = o0 + dim;
    const o2 = o1 + dim;
    const o3 = o2 + dim;
    let a = 0;
    for (; a + 2 <= dim; a += 2) {
      const x0 = z[o0 + a];
      const x1 = z[o1 + a];
      const x2 = z[o2 + a];
      const x3 = z[o3 + a];
      const y0 = z[o0 + a + 1];
      const y1 = z[o1 + a + 1];
      const y2 = z[o2 + a + 1];
      const y3 = z[o3 + a + 1];
      const row = a * dim;
      const next = row + dim;
      acc[row + a] += x0 * x0 + x1 * x1 + x2 * x2 + x3 * x3;
      for (let b = a + 1; b < dim; b++) {
        const z0 = z[o0 + b];
        const z1 = z[o1 + b];
        const z2 = z[o2 + b];
        const z3 = z[o3 + b];
        acc[row + b] += x0 * z0 + x1 * z1 + x2 * z2 + x3 * z3;
        acc[next + b] += y0 * z0 + y1 * z1 + y2 * z2 + y3 * z3;
      }
    }
    if (a < dim) {
      const last = a * dim + a;
      acc[last] += z[o0 + a] * z[o0 + a] + z[o1 + a] * z[o1 + a] + z[o2 + a] * z[o2 + a] + z[o3 + a] * z[o3 + a];
    }
  }
  for (; i < rows; i++) {
    const o = i * dim;
    for (let a = 0; a < dim; a++) {
      const x = z[o + a];
      const row = a * dim;
      for (let b = a; b < dim; b++) acc[row + b] += x * z[o + b];
    }
  }
}
