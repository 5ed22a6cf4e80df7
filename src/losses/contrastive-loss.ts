import { tf } from '../tf.js';
import { gatherFlat } from '../ops/gather-flat.js';
import { AvgNonZeroReducer } from '../reducers/index.js';
import { checkNumber } from '../validation.js';
import type { PairIndices, TripletIndices } from '../miners/index.js';
import {
  BaseMetricLossFunction,
  type BaseMetricLossOptions,
  type CheckedReference,
  type SubLossTerms,
} from './base-metric-loss-function.js';
import { pairLossInputs } from './pair-loss-inputs.js';
import { pairPositions } from './pair-mask.js';

export interface ContrastiveLossOptions extends BaseMetricLossOptions {
  /** Positive pairs farther apart than this (closer, for a similarity) are penalized. Default 0. */
  posMargin?: number;
  /** Negative pairs closer than this (more similar, for a similarity) are penalized. Default 1. */
  negMargin?: number;
}

/** What the last `ContrastiveLoss.compute` saw. */
export interface ContrastiveLossStats {
  numPosPairs: number;
  numNegPairs: number;
  /** Positive (negative) pairs with a loss > 0: what AvgNonZeroReducer averages over. */
  numNonZeroPos: number;
  numNonZeroNeg: number;
}

const OPTION_KEYS = ['posMargin', 'negMargin', 'distance', 'reducer'] as const;

/**
 * The contrastive loss, exactly as pytorch-metric-learning's `ContrastiveLoss`:
 *
 *   L_pos(a, p) = [ d(a, p) - posMargin ]_+        L_neg(a, n) = [ negMargin - d(a, n) ]_+
 *
 * (for a similarity `[posMargin - s(a, p)]_+` and `[s(a, n) - negMargin]_+`). The positive and
 * the negative pair losses are two parts, `pos_loss` and `neg_loss`, each reduced by `reducer`
 * on its own (default `AvgNonZeroReducer`) and added; a part without pairs adds PML's zero loss.
 *
 * The pairs: a miner's pairs as they are; a miner's triplets as `(a, p)` and `(a, n)`, one per
 * triplet; without `indices` every pair of the batch. When every index array has at most one
 * entry the loss is PML's zero loss `sum(embeddings * 0)`.
 *
 * Options (PML's names in camelCase, PML's defaults): `posMargin = 0`, `negMargin = 1`,
 * `distance = new LpDistance()`, `reducer = new AvgNonZeroReducer()`.
 *
 * @example
 * const loss = new dm.ContrastiveLoss({ posMargin: 0, negMargin: 1 });
 * const value = loss.compute(embeddings, labels, new dm.PairMarginMiner().mine(embeddings, labels));
 * loss.lastSubLosses; // { pos_loss, neg_loss }
 */
export class ContrastiveLoss extends BaseMetricLossFunction<ContrastiveLossStats> {
  readonly posMargin: number;
  readonly negMargin: number;

  constructor(options: ContrastiveLossOptions = {}) {
    super(options, {
      name: 'ContrastiveLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new AvgNonZeroReducer(),
      reference: 'native',
    });
    this.posMargin = checkNumber('posMargin', options.posMargin ?? 0, {});
    this.negMargin = checkNumber('negMargin', options.negMargin ?? 1, {});
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
    ref: CheckedReference | undefined,
  ): SubLossTerms<ContrastiveLossStats> {
    const inputs = pairLossInputs(this.distance, embeddings, labels, indices, ref);
    if (inputs === null) {
      return {
        subLosses: [{ name: 'pos_loss' }, { name: 'neg_loss' }],
        statistics: [],
        toStats: () => ({ numPosPairs: 0, numNegPairs: 0, numNonZeroPos: 0, numNonZeroNeg: 0 }),
      };
    }
    const { pairs, mat, m } = inputs;
    const pos =
      pairs.a1.length === 0
        ? undefined
        : (tf.relu(
            this.distance.margin(gatherFlat(mat, pairPositions(pairs.a1, pairs.p, m)), tf.scalar(this.posMargin)),
          ) as tf.Tensor1D);
    const neg =
      pairs.a2.length === 0
        ? undefined
        : (tf.relu(
            this.distance.margin(tf.scalar(this.negMargin), gatherFlat(mat, pairPositions(pairs.a2, pairs.n, m))),
          ) as tf.Tensor1D);
    const active = (l: tf.Tensor1D | undefined): tf.Scalar =>
      l === undefined ? tf.scalar(0) : tf.sum(tf.cast(tf.greater(l, 0), 'float32'));
    return {
      subLosses: [
        { name: 'pos_loss', losses: pos },
        { name: 'neg_loss', losses: neg },
      ],
      statistics: [active(pos), active(neg)],
      toStats: ([numNonZeroPos, numNonZeroNeg]) => ({
        numPosPairs: pairs.a1.length,
        numNegPairs: pairs.a2.length,
        numNonZeroPos,
        numNonZeroNeg,
      }),
    };
  }
}
