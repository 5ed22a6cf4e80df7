/** ln(n!) is exact enough from the product below this n: the product itself is exact up to 22!. */
const EXACT_BELOW = 10;

/** B_2j / (2j (2j - 1)) for j = 1..8: the Stirling series terms of ln Γ, enough for ~1e-19 at x >= 11. */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400];

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln(n!) = ln Γ(n + 1) for n = 0..max, as a table. Every entry is computed on its own (small n from
 * the exact product, larger n from the Stirling series) rather than as a running sum of logs, so the
 * error of an entry stays at the rounding of one evaluation however large n gets; the expected mutual
 * information subtracts sums of these terms that are each ~n ln n.
 *
 * @example
 * const lf = logFactorials(60000);
 * Math.exp(lf[5]); // ≈ 120
 */
export function logFactorials(max: number): Float64Array {
  const out = new Float64Array(max + 1);
  let product = 1;
  for (let n = 0; n <= max; n++) {
    if (n < EXACT_BELOW) {
      if (n > 0) product *= n;
      out[n] = Math.log(product);
    } else {
      out[n] = stirlingLogGamma(n + 1);
    }
  }
  return out;
}

function stirlingLogGamma(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  let series = 0;
  for (let j = STIRLING.length - 1; j >= 0; j--) series = series * inv2 + STIRLING[j];
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + series * inv;
}
