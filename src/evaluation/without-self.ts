/**
 * The k neighbours left of `taken` = k + 1 candidates (row-major, nearest first) once the query's
 * own row `self` is removed, or the last candidate when `self` is not among them (exact duplicates
 * can push it out): PML's CustomKNN rule, the one exact search follows. Writes into `out` at `outAt`.
 *
 * @example
 * withoutSelf([4, 7, 2], [0.1, 0.2, 0.3], 0, 3, 7, indices, distances, 0); // indices <- [4, 2]
 */
export function withoutSelf(
  indices: ArrayLike<number>,
  distances: ArrayLike<number> | null,
  from: number,
  taken: number,
  self: number,
  outIndices: Int32Array,
  outDistances: Float32Array | null,
  outAt: number,
): void {
  let skip = taken - 1;
  for (let j = 0; j < taken; j++) {
    if (indices[from + j] === self) {
      skip = j;
      break;
    }
  }
  let out = outAt;
  for (let j = 0; j < taken; j++) {
    if (j === skip) continue;
    outIndices[out] = indices[from + j];
    if (outDistances !== null && distances !== null) outDistances[out] = distances[from + j];
    out++;
  }
}
