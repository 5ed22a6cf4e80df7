import { invalidArgument } from '../errors.js';
import { portableExp, portableLog } from '../linalg/index.js';

/** RankMe's epsilon, added to each normalized singular value (Garrido et al. 2023). */
const RANKME_EPS = 1e-7;

/**
 * RankMe (Garrido et al., "RankMe: Assessing the downstream performance of pretrained
 * self-supervised representations by their rank", ICML 2023): the exponential of the Shannon
 * entropy of the normalized singular values,
 *
 *   p_k = sigma_k / sum_j sigma_j + eps,   effectiveRank = exp(-sum_k p_k log p_k),   eps = 1e-7.
 *
 * 1 for a rank-1 matrix (plus ~d * 1.6e-6 from eps), d when all singular values are equal.
 * A zero matrix has no direction at all and gets 0 (the formula is 0/0 there).
 *
 * @example
 * effectiveRank([1, 1, 1, 1]); // 4
 * effectiveRank([5, 0, 0]);    // ~1
 */
export function effectiveRank(singularValues: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < singularValues.length; k++) {
    const s = singularValues[k];
    if (!(Number.isFinite(s) && s >= 0)) {
      throw invalidArgument(
        `Argument \`singularValues\` must hold finite numbers >= 0. Received: singularValues[${k}]=${s}`,
      );
    }
    sum += s;
  }
  if (sum === 0) return 0;
  let entropy = 0;
  for (let k = 0; k < singularValues.length; k++) {
    const p = singularValues[k] / sum + RANKME_EPS;
    // portableLog / portableExp: the same rank to the last bit in a page as in the CLI.
    entropy -= p * portableLog(p);
  }
  return portableExp(entropy);
}
