import { logFactorials } from './log-factorials.js';

/**
 * The expected mutual information E[MI(U, V)] of two labelings under the hypergeometric model
 * (Vinh, Epps and Bailey 2010): all labelings with the same class sizes `a` (rows) and cluster
 * sizes `b` (columns) of `n` samples are equally likely.
 *
 *   EMI = sum_i sum_j sum_{nij = max(1, a_i + b_j - n)}^{min(a_i, b_j)}
 *           nij/n * ln(n nij / (a_i b_j)) * a_i! b_j! (n-a_i)! (n-b_j)! / (n! nij! (a_i-nij)! (b_j-nij)! (n-a_i-b_j+nij)!)
 *
 * The factorial ratio is formed in log space (its parts overflow a double beyond 170!), as
 * scikit-learn does; a labeling with one class or one cluster has zero entropy, so EMI = 0.
 *
 * @param a class sizes (contingency row sums), b cluster sizes (column sums), n samples
 * @example
 * expectedMutualInformation([2, 2], [2, 2], 4); // 0.231...: two pairs, randomly paired
 */
export function expectedMutualInformation(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  if (a.length === 1 || b.length === 1) return 0;
  const lf = logFactorials(n);
  const logN = Math.log(n);
  let emi = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    const logAi = Math.log(ai);
    const fixedA = lf[ai] + lf[n - ai];
    for (let j = 0; j < b.length; j++) {
      const bj = b[j];
      const fixed = fixedA + lf[bj] + lf[n - bj] - lf[n];
      const logAB = logAi + Math.log(bj);
      const end = Math.min(ai, bj);
      for (let nij = Math.max(1, ai - n + bj); nij <= end; nij++) {
        const logTerm = logN + Math.log(nij) - logAB;
        const logProb = fixed - lf[nij] - lf[ai - nij] - lf[bj - nij] - lf[n - ai - bj + nij];
        emi += (nij / n) * logTerm * Math.exp(logProb);
      }
    }
  }
  return emi;
}
