import { tf } from '../tf.js';
import { CosineSimilarity } from '../distances/index.js';
import { gatherFlat } from '../ops/gather-flat.js';
import { noGradient } from '../ops/no-gradient.js';
import { MeanReducer } from '../reducers/index.js';
import { checkNumber } from '../validation.js';
import type { PairIndices, TripletIndices } from '../miners/index.js';
import {
  BaseMetricLossFunction,
  type BaseMetricLossOptions,
  type CheckedReference,
  type LossTerms,
} from './base-metric-loss-function.js';
import { FLOAT32_MAX, FLOAT32_TINY } from './float32-limits.js';
import { pairLossInputs } from './pair-loss-inputs.js';
import { pairPositions } from './pair-mask.js';

export interface NTXentLossOptions extends BaseMetricLossOptions {
  /** Divides every similarity before the softmax; smaller is sharper. Default 0.07. */
  temperature?: number;
}

/** What the last `NTXentLoss.compute` saw. */
export interface NTXentLossStats {
  /** Positive pairs: one loss each. */
  numPosPairs: number;
  numNegPairs: number;
}

const OPTION_KEYS = ['temperature', 'distance', 'reducer'] as const;

/**
 * The NT-Xent loss (normalized temperature-scaled cross entropy; SimCLR, InfoNCE), exactly as
 * pytorch-metric-learning's `NTXentLoss`. For each positive pair (a, p), over the negative pairs
 * (a, n) of the same anchor, with s a similarity (for a distance, s = -d) and t the temperature:
 *
 *   L_ap = -log( e^{s_ap/t} / (e^{s_ap/t} + sum_n e^{s_an/t}) + tiny )
 *
 * computed as PML does (exponents shifted by their detached max, `tiny` = float32's smallest
 * normal): where float32 underflows, a pair loss stops at -log(tiny) = 87.34 with a zero gradient,
 * as in PML. Reduced over the positive pairs by `reducer` (default `MeanReducer`). A positive
 * pair whose anchor has no negative pair has loss -log(1 + tiny) = -0.
 *
 * The pairs: a miner's pairs as they are (a negative pair listed twice counts twice), a miner's
 * triplets as `(a, p)` and `(a, n)`, or every pair of the batch. Without a positive or without a
 * negative pair, or when every index array has at most one entry, the loss is PML's zero loss.
 *
 * Options (PML's names and defaults): `temperature = 0.07` (> 0),
 * `distance = new CosineSimilarity()`, `reducer = new MeanReducer()`.
 *
 * @example
 * // Two views of each image: row i and row i + n/2 share a label.
 * const loss = new dm.NTXentLoss({ temperature: 0.1 });
 * const value = loss.compute(dm.tf.concat([view1, view2]), [...ids, ...ids]);
 */
export class NTXentLoss extends BaseMetricLossFunction<NTXentLossStats> {
  readonly temperature: number;

  constructor(options: NTXentLossOptions = {}) {
    super(options, {
      name: 'NTXentLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new MeanReducer(),
      defaultDistance: () => new CosineSimilarity(),
      reference: 'native',
    });
    this.temperature = checkNumber('temperature', options.temperature ?? 0.07, { minExclusive: 0 });
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
    ref: CheckedReference | undefined,
  ): LossTerms<NTXentLossStats> {
    const inputs = pairLossInputs(this.distance, embeddings, labels, indices, ref);
    const { a1, p, a2, n } = inputs?.pairs ?? {
      a1: new Int32Array(0),
      a2: new Int32Array(0),
      p: new Int32Array(0),
      n: new Int32Array(0),
    };
    const stats = () => ({ numPosPairs: a1.length, numNegPairs: a2.length });
    if (inputs === null || a1.length === 0 || a2.length === 0)
      return { losses: tf.zeros([0]), statistics: [], toStats: stats };
    const { mat, m } = inputs;
    const k = a1.length;
    const scaled = tf.div(this.distance.isInverted ? mat : tf.neg(mat), this.temperature) as tf.Tensor2D;
    const pos = gatherFlat(scaled, pairPositions(a1, p, m));
    // For each positive pair, its anchor's row with how often each column is one of its negative
    // pairs: the k x m form of PML's k x #neg-pairs matrix (a pair listed twice counts twice).
    const counts = negativeCounts(a2, n, embeddings.shape[0], m);
    const rowPositions = new Int32Array(k * m);
    const rowCounts = new Float32Array(k * m);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < m; j++) {
        rowPositions[i * m + j] = a1[i] * m + j;
        rowCounts[i * m + j] = counts[a1[i] * m + j];
      }
    }
    const negCounts = tf.tensor2d(rowCounts, [k, m]);
    const isNeg = tf.tensor2d(
      Uint8Array.from(rowCounts, (c) => (c > 0 ? 1 : 0)),
      [k, m],
      'bool',
    );
    const negRows = tf.where(
      isNeg,
      tf.reshape(gatherFlat(scaled, rowPositions), [k, m]),
      tf.fill([k, m], -FLOAT32_MAX),
    );
    const maxVal = noGradient((a, b) => tf.maximum(a, tf.max(b, 1)), pos, negRows);
    const numerator = tf.exp(tf.sub(pos, maxVal));
    const denominator = tf.add(
      tf.sum(tf.mul(negCounts, tf.exp(tf.sub(negRows, tf.expandDims(maxVal, 1)))), 1),
      numerator,
    );
    const logExp = tf.log(tf.add(tf.div(numerator, denominator), FLOAT32_TINY));
    return { losses: tf.neg(logExp) as tf.Tensor1D, statistics: [], toStats: stats };
  }
}

/** counts[r * m + c]: how often (r, c) is among the negative pairs. */
function negativeCounts(a2: Int32Array, n: Int32Array, rows: number, m: number): Float32Array {
  const counts = new Float32Array(rows * m);
  for (let j = 0; j < a2.length; j++) counts[a2[j] * m + n[j]]++;
  return counts;
}
