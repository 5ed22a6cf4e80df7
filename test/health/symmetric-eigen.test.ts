import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { symmetricEigen } from '../../src/linalg/index.js';
import { Random } from '../../src/random.js';
import { jacobiEigenvalues } from '../reference/health.js';

function randomSymmetric(n: number, rng: Random): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** A random orthogonal matrix: Gram-Schmidt on Gaussian columns. */
function randomOrthogonal(n: number, rng: Random): number[][] {
  const cols: number[][] = [];
  while (cols.length < n) {
    const v = Array.from({ length: n }, () => rng.normal());
    for (const c of cols) {
      const dot = c.reduce((s, ck, k) => s + ck * v[k], 0);
      for (let k = 0; k < n; k++) v[k] -= dot * c[k];
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    cols.push(v.map((x) => x / norm));
  }
  return cols;
}

/** Q diag(values) Q^T with Q's columns `cols`. */
function withSpectrum(values: number[], cols: number[][]): Float64Array {
  const n = values.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += cols[k][i] * values[k] * cols[k][j];
      a[i * n + j] = s;
    }
  }
  return a;
}

function toRows(a: ArrayLike<number>, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => a[i * n + j]));
}

/** max |A v_k - lambda_k v_k| and max |V^T V - I|, both relative to the largest |entry| of A. */
function residuals(
  a: ArrayLike<number>,
  n: number,
  values: Float64Array,
  vectors: Float64Array,
): { residual: number; orthogonality: number } {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]));
  let residual = 0;
  let orthogonality = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * vectors[j * n + k];
      residual = Math.max(residual, Math.abs(s - values[k] * vectors[i * n + k]));
    }
    for (let l = 0; l < n; l++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += vectors[i * n + k] * vectors[i * n + l];
      orthogonality = Math.max(orthogonality, Math.abs(s - (k === l ? 1 : 0)));
    }
  }
  return { residual: residual / Math.max(scale, 1e-300), orthogonality };
}

function assertValuesClose(actual: Float64Array, expected: number[], atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(
      Math.abs(actual[k] - expected[k]) <= atol,
      `${what}[${k}]: ${actual[k]} != ${expected[k]} (atol ${atol})`,
    );
  }
}

describe('symmetricEigen', () => {
  it('returns the diagonal of a diagonal matrix, sorted, with unit basis vectors', () => {
    const diag = [3, -1, 7, 0, 2.5];
    const n = diag.length;
    const a = new Float64Array(n * n);
    diag.forEach((v, i) => (a[i * n + i] = v));
    const { values, vectors } = symmetricEigen(a, n, { vectors: true });
    assert.deepEqual(
      Array.from(values),
      [...diag].sort((x, y) => y - x),
    );
    for (let k = 0; k < n; k++) {
      const source = diag.indexOf(values[k]);
      for (let i = 0; i < n; i++)
        assert.equal(Math.abs(vectors![i * n + k]), i === source ? 1 : 0, `vector ${k}[${i}]`);
    }
  });

  it('solves 1x1 and 2x2 matrices in closed form', () => {
    assert.deepEqual(Array.from(symmetricEigen([4.5], 1).values), [4.5]);
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2, { vectors: true });
    assertValuesClose(values, [3, 1], 1e-15, '2x2');
    assert.ok(Math.abs(Math.abs(vectors![0]) - Math.SQRT1_2) < 1e-15 && Math.abs(vectors![0] - vectors![2]) < 1e-15);
  });

  for (const n of [3, 4, 10, 37, 120]) {
    it(`solves a random symmetric ${n}x${n} matrix: A v = lambda v, V orthonormal, values as Jacobi`, () => {
      const a = randomSymmetric(n, new Random(n));
      const { values, vectors } = symmetricEigen(a, n, { vectors: true });
      const { residual, orthogonality } = residuals(a, n, values, vectors!);
      assert.ok(residual < 1e-13 * n, `residual ${residual}`);
      assert.ok(orthogonality < 1e-13 * n, `orthogonality ${orthogonality}`);
      assertValuesClose(values, jacobiEigenvalues(toRows(a, n)), 1e-12 * n, 'vs Jacobi');
      assert.deepEqual(symmetricEigen(a, n).values, values, 'the same values without vectors');
      for (let k = 1; k < n; k++) assert.ok(values[k - 1] >= values[k], 'descending');
    });
  }

  it('separates repeated eigenvalues and gives an orthonormal basis of each eigenspace', () => {
    const spectrum = [5, 2, 2, 2, 0, -1, -1, 1e-9];
    const n = spectrum.length;
    const a = withSpectrum(spectrum, randomOrthogonal(n, new Random(7)));
    const { values, vectors } = symmetricEigen(a, n, { vectors: true });
    assertValuesClose(
      values,
      [...spectrum].sort((x, y) => y - x),
      1e-14,
      'repeated',
    );
    const { residual, orthogonality } = residuals(a, n, values, vectors!);
    assert.ok(residual < 1e-14 && orthogonality < 1e-14, `residual ${residual}, orthogonality ${orthogonality}`);
  });

  it('handles the identity, the zero matrix, a tridiagonal matrix and a zero column', () => {
    const n = 6;
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    assert.deepEqual(Array.from(symmetricEigen(eye, n).values), new Array(n).fill(1));
    assert.deepEqual(Array.from(symmetricEigen(new Float64Array(n * n), n).values), new Array(n).fill(0));
    // The second-difference matrix tridiag(-1, 2, -1): lambda_k = 2 - 2 cos(k pi / (n + 1)).
    const tri = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      tri[i * n + i] = 2;
      if (i + 1 < n) tri[i * n + i + 1] = tri[(i + 1) * n + i] = -1;
    }
    const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort(
      (x, y) => y - x,
    );
    assertValuesClose(symmetricEigen(tri, n).values, expected, 1e-14, 'tridiagonal');
    // A zero first column needs no reflection at the first step.
    const a = randomSymmetric(n, new Random(3));
    for (let i = 0; i < n; i++) a[i * n] = a[i] = 0;
    const { values, vectors } = symmetricEigen(a, n, { vectors: true });
    assertValuesClose(values, jacobiEigenvalues(toRows(a, n)), 1e-13, 'zero column');
    const { residual } = residuals(a, n, values, vectors!);
    assert.ok(residual < 1e-13, `residual ${residual}`);
  });

  it('scales: the eigenvalues of c A are c times those of A, for tiny and huge c', () => {
    const n = 9;
    const a = randomSymmetric(n, new Random(11));
    const base = symmetricEigen(a, n).values;
    for (const c of [1e-150, 1e150]) {
      const scaled = symmetricEigen(
        a.map((v) => v * c),
        n,
      ).values;
      for (let k = 0; k < n; k++) assert.ok(Math.abs(scaled[k] / c - base[k]) < 1e-13 * 10, `c=${c} [${k}]`);
    }
  });

  it('averages float32 rounding asymmetry and rejects bad matrices', () => {
    const sym = [1, 0.5, 0.5 + 1e-9, 2];
    assertValuesClose(
      symmetricEigen(sym, 2).values,
      jacobiEigenvalues([
        [1, 0.5 + 5e-10],
        [0.5 + 5e-10, 2],
      ]),
      1e-15,
      'averaged',
    );
    assert.throws(
      () => symmetricEigen([1, 2, 0, 1], 2),
      /`matrix` must be symmetric\. Received: matrix\[1\]\[0\]=0 but matrix\[0\]\[1\]=2/,
    );
    assert.throws(
      () => symmetricEigen([1, NaN, NaN, 1], 2),
      /must hold finite numbers\. Received: matrix\[0\]\[1\]=NaN/,
    );
    assert.throws(() => symmetricEigen([1, 2, 3], 2), /must hold n\*n = 4 entries.*Received: 3 entries/);
    assert.throws(() => symmetricEigen([], 0), /`n` must be an integer >= 1\. Received: n=0/);
    assert.throws(
      () => symmetricEigen([1], 1, { vectors: 'yes' as unknown as boolean }),
      /`vectors` must be a boolean/,
    );
  });
});
