import { isTripletIndices, type PairIndices, type TripletIndices } from '../miners/index.js';

/**
 * A weight per row of the batch from how often it occurs in `indices`, as PML's
 * `lmu.convert_to_weights`: its count over every index array, divided by the largest count, and 0
 * for a row that does not occur. Without indices, or with only empty arrays, every weight is 1.
 * float32 values, as torch computes them.
 *
 * @example
 * convertToWeights({ anchors: Int32Array.of(0, 0), positives: Int32Array.of(1, 1), negatives: Int32Array.of(2, 3) }, 5);
 * // [1, 1, 0.5, 0.5, 0]
 */
export function convertToWeights(indices: TripletIndices | PairIndices | undefined, n: number): Float32Array {
  const weights = new Float32Array(n);
  const arrays =
    indices === undefined
      ? []
      : isTripletIndices(indices)
        ? [indices.anchors, indices.positives, indices.negatives]
        : [indices.a1, indices.p, indices.a2, indices.n];
  if (arrays.every((a) => a.length === 0)) return weights.fill(1);
  const counts = new Float64Array(n);
  for (const a of arrays) for (const i of a) counts[i]++;
  let max = 0;
  for (const c of counts) max = Math.max(max, c);
  for (let i = 0; i < n; i++) weights[i] = counts[i] / max;
  return weights;
}
