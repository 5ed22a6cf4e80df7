import { checkEmbeddings } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { symmetricEigen } from '../linalg/index.js';
import type { tf } from '../tf.js';

/** Points in 2-D, row-major: point i is (xy[2i], xy[2i + 1]). */
export interface Projection2D {
  xy: Float64Array;
  /** Share of the total variance along each of the two axes (PCA); null for a nonlinear map (UMAP). */
  explained: [number, number] | null;
}

/**
 * Projects the rows onto their first two principal components: the rows are centred, the d x d
 * covariance C = X^T X / (n - 1) is accumulated in float64 and decomposed by `symmetricEigen`
 * (tfjs has no SVD), and each row is mapped to (x . v1, x . v2). Each axis's sign is fixed so that
 * its largest-magnitude loading is positive (as scikit-learn's `svd_flip` does), so a map is
 * reproducible. A 1-D input gets a zero second axis.
 *
 * @example
 * const { xy, explained } = pcaProjection(embeddings);   // explained[0] + explained[1] <= 1
 */
export function pcaProjection(x: tf.Tensor2D): Projection2D {
  checkEmbeddings(x, 'x');
  const [n, d] = x.shape;
  if (n < 2) throw invalidArgument(`Argument \`x\` must have at least 2 rows for PCA. Received: ${n} row`);
  const data = x.dataSync();
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b] /= n - 1;
      cov[b * d + a] = cov[a * d + b];
    }
  }
  const { values, vectors } = symmetricEigen(cov, d, { vectors: true });
  const axes = Math.min(2, d);
  const loadings: Float64Array[] = [];
  for (let k = 0; k < axes; k++) {
    const v = new Float64Array(d);
    let largest = 0;
    for (let j = 0; j < d; j++) {
      v[j] = (vectors as Float64Array)[j * d + k];
      if (Math.abs(v[j]) > Math.abs(largest)) largest = v[j];
    }
    if (largest < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
    loadings.push(v);
  }
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < axes; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (data[i * d + j] - mean[j]) * loadings[k][j];
      xy[2 * i + k] = s;
    }
  }
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  const share = (k: number) => (k < d && total > 0 ? Math.max(values[k], 0) / total : 0);
  return { xy, explained: [share(0), share(1)] };
}
