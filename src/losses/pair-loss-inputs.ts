import type { tf } from '../tf.js';
import type { BaseDistance } from '../distances/index.js';
import type { PairIndices, TripletIndices } from '../miners/index.js';
import type { CheckedReference } from './base-metric-loss-function.js';
import { convertToPairs } from './convert-to-pairs.js';

/** What a pair loss computes from: its pairs, the batch x reference matrix and its width. */
export interface PairLossInputs {
  pairs: PairIndices;
  /** n x m distances (or similarities) between the batch and the reference (the batch itself without one). */
  mat: tf.Tensor2D;
  /** Columns of `mat`. */
  m: number;
}

/**
 * The shared start of PML's `GenericPairLoss` (Contrastive, MultiSimilarity, NT-Xent, SupCon,
 * Circle): the pairs from `indices` or the labels, and null — PML's zero loss — when every index
 * array has at most one entry (so a single mined triplet gives no loss), else the matrix.
 */
export function pairLossInputs(
  distance: BaseDistance,
  embeddings: tf.Tensor2D,
  labels: Int32Array,
  indices: TripletIndices | PairIndices | undefined,
  ref: CheckedReference | undefined,
): PairLossInputs | null {
  const pairs = convertToPairs(labels, indices, ref?.labels);
  if ([pairs.a1, pairs.p, pairs.a2, pairs.n].every((a) => a.length <= 1)) return null;
  const mat = ref === undefined ? distance.pairwise(embeddings) : distance.pairwise(embeddings, ref.embeddings);
  return { pairs, mat, m: mat.shape[1] };
}
