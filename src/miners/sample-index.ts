/**
 * The first index whose cumulative weight exceeds u: index j with probability w_j / total for a
 * uniform u in [0, total). The draw of the miners that sample (distance-weighted, softmax-hard).
 */
export function sampleIndex(cumulative: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  // u < total, barring rounding; if it rounds up to total the last weighted index is the answer.
  if (!(u < cumulative[hi])) {
    while (hi > 0 && cumulative[hi - 1] === cumulative[hi]) hi--;
    return hi;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
