import { tf } from '../tf.js';
import { CosineSimilarity } from '../distances/index.js';
import { noGradient } from '../ops/no-gradient.js';
import { AvgNonZeroReducer } from '../reducers/index.js';
import { checkNumber } from '../validation.js';
import type { PairIndices, TripletIndices } from '../miners/index.js';
import {
  BaseMetricLossFunction,
  type BaseMetricLossOptions,
  type CheckedReference,
  type LossTerms,
} from './base-metric-loss-function.js';
import { FLOAT32_TINY } from './float32-limits.js';
import { maskedLogSumExp } from './masked-log-sum-exp.js';
import { pairLossInputs } from './pair-loss-inputs.js';
import { pairFlags } from './pair-mask.js';
import { rowMasks } from './row-masks.js';

export interface SupConLossOptions extends BaseMetricLossOptions {
  /** Divides every similarity before the softmax. Default 0.1. */
  temperature?: number;
}

/** What the last `SupConLoss.compute` saw: the distinct pairs of its masks. */
export interface SupConLossStats {
  numPosPairs: number;
  numNegPairs: number;
}

const OPTION_KEYS = ['temperature', 'distance', 'reducer'] as const;

/**
 * The supervised contrastive loss (Khosla et al. 2020), exactly as pytorch-metric-learning's
 * `SupConLoss`. For each row a, with P(a) its positives, N(a) its negatives, s a similarity
 * (for a distance, s = -d) and t the temperature:
 *
 *   L_a = -(1/|P(a)|) sum_{p in P(a)} log( e^{s_ap/t} / sum_{j in P(a) ∪ N(a)} e^{s_aj/t} )
 *
 * computed as PML does (each row shifted by its detached max over all columns); 0 for a row
 * without positives. Reduced over the rows by `reducer` (default `AvgNonZeroReducer`).
 *
 * The pairs form masks (a pair given twice counts once): a miner's pairs, a miner's triplets as
 * `(a, p)` and `(a, n)`, or every pair of the batch. Without at least one positive and one
 * negative pair, or when every index array has at most one entry, the loss is PML's zero loss.
 *
 * Options (PML's names and defaults): `temperature = 0.1` (> 0),
 * `distance = new CosineSimilarity()`, `reducer = new AvgNonZeroReducer()`.
 *
 * @example
 * const loss = new dm.SupConLoss({ temperature: 0.1 });
 * const value = loss.compute(embeddings, labels);
 */
export class SupConLoss extends BaseMetricLossFunction<SupConLossStats> {
  readonly temperature: number;

  constructor(options: SupConLossOptions = {}) {
    super(options, {
      name: 'SupConLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new AvgNonZeroReducer(),
      defaultDistance: () => new CosineSimilarity(),
      reference: 'native',
    });
    this.temperature = checkNumber('temperature', options.temperature ?? 0.1, { minExclusive: 0 });
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
    ref: CheckedReference | undefined,
  ): LossTerms<SupConLossStats> {
    const inputs = pairLossInputs(this.distance, embeddings, labels, indices, ref);
    const none = {
      losses: tf.zeros([0]) as tf.Tensor1D,
      statistics: [],
      toStats: () => ({ numPosPairs: 0, numNegPairs: 0 }),
    };
    if (inputs === null) return none;
    const { pairs, mat, m } = inputs;
    const n = embeddings.shape[0];
    const posFlags = pairFlags(pairs.a1, pairs.p, n, m);
    const negFlags = pairFlags(pairs.a2, pairs.n, n, m);
    const pos = rowMasks(posFlags, n, m);
    const neg = rowMasks(negFlags, n, m);
    if (pos.count === 0 || neg.count === 0) return none;
    const either = rowMasks(
      posFlags.map((f, i) => f | negFlags[i]),
      n,
      m,
    );
    const scaled = tf.div(this.distance.isInverted ? mat : tf.neg(mat), this.temperature) as tf.Tensor2D;
    const shifted = tf.sub(
      scaled,
      noGradient((v) => tf.max(v, 1, true), scaled),
    ) as tf.Tensor2D;
    const denominator = maskedLogSumExp(shifted, either.mask, either.any, false, 1);
    const logProb = tf.sub(shifted, tf.expandDims(denominator, 1));
    const meanLogProbPos = tf.div(
      tf.sum(tf.mul(tf.cast(pos.mask, 'float32'), logProb), 1),
      tf.add(pos.perRow, FLOAT32_TINY),
    );
    return {
      losses: tf.neg(meanLogProbPos) as tf.Tensor1D,
      statistics: [],
      toStats: () => ({ numPosPairs: pos.count, numNegPairs: neg.count }),
    };
  }
}
