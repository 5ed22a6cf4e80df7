/**
 * The matrices of Winograd's minimal filtering algorithm F(m, r): m outputs of an r-tap
 * correlation `y[i] = Σ_k d[i + k] · g[k]` from n = m + r − 1 inputs with n multiplications,
 * `y = Aᵀ [(G g) ⊙ (Bᵀ d)]`, and in two dimensions `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`.
 */
export interface WinogradMatrices {
  /** m x n */
  AT: number[][];
  /** n x r */
  G: number[][];
  /** n x n */
  BT: number[][];
}

/**
 * Toom-Cook at the points 0, 1, −1, 2, −2, ... and infinity (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016). A linear convolution `s = g * h` is evaluated at the n
 * points (`G g ⊙ E h`, E the evaluation of the m-term h) and interpolated back (`C = V⁻¹`, V the
 * evaluation of a degree n − 1 polynomial); the correlation is its transpose in h:
 * `dᵀ s = hᵀ Eᵀ [(G g) ⊙ (Cᵀ d)]`, so `Aᵀ = Eᵀ` and `Bᵀ = Cᵀ`, then Bᵀ's rows are rescaled to small
 * integers (Lavin's Bᵀ for F(4, 3) at n = 6). Computed in float64.
 *
 * @example
 * winogradMatrices(2, 3).AT; // [[1, 1, 1, 0], [0, 1, -1, 1]]
 */
export function winogradMatrices(m: number, r: number): WinogradMatrices {
  const n = m + r - 1;
  const points = [0, 1, -1, 2, -2, 0.5, -0.5, 3, -3].slice(0, n - 1);
  if (points.length !== n - 1)
    throw new RangeError(`winogradMatrices supports m + r − 1 <= 10. Received: m=${m}, r=${r}`);
  const evaluation = (terms: number) => [
    ...points.map((p) => Array.from({ length: terms }, (_, k) => p ** k)),
    // The point at infinity reads the leading coefficient.
    Array.from({ length: terms }, (_, k) => (k === terms - 1 ? 1 : 0)),
  ];
  const AT = transpose(evaluation(m));
  const G = evaluation(r);
  const BT = transpose(inverse(evaluation(n)));
  // Scaling row i of Bᵀ by s and row i of G by 1/s leaves every product (G g)ᵢ (Bᵀ d)ᵢ as it is:
  // dividing by the smallest entry makes Bᵀ, which every input tile goes through, small integers.
  BT.forEach((row, i) => {
    const s = Math.min(...row.filter((v) => v !== 0).map(Math.abs));
    BT[i] = row.map((v) => v / s);
    G[i] = G[i].map((v) => v * s);
  });
  return { AT, G, BT };
}

function transpose(a: number[][]): number[][] {
  return a[0].map((_, j) => a.map((row) => row[j]));
}

/** Gauss-Jordan with partial pivoting; the Vandermonde matrices here are small and invertible. */
function inverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(m[i][col]) > Math.abs(m[pivot][col])) pivot = i;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    const p = m[col][col];
    for (let j = 0; j < 2 * n; j++) m[col][j] /= p;
    for (let i = 0; i < n; i++) {
      if (i === col || m[i][col] === 0) continue;
      const f = m[i][col];
      for (let j = 0; j < 2 * n; j++) m[i][j] -= f * m[col][j];
    }
  }
  return m.map((row) => row.slice(n));
}
