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
import { maskedLogSumExp } from './masked-log-sum-exp.js';
import { pairLossInputs } from './pair-loss-inputs.js';
import { pairFlags } from './pair-mask.js';
import { requireCosine } from './require-cosine.js';
import { rowMasks } from './row-masks.js';

export interface CircleLossOptions extends BaseMetricLossOptions {
  /** The relaxation factor: the radius of the decision boundary. Default 0.4. */
  m?: number;
  /** The scale factor. Default 80. */
  gamma?: number;
}

/** What the last `CircleLoss.compute` saw: the distinct pairs of its masks. */
export interface CircleLossStats {
  numPosPairs: number;
  numNegPairs: number;
}

const OPTION_KEYS = ['m', 'gamma', 'distance', 'reducer'] as const;

/** torch.nn.Softplus's default threshold: above it softplus(x) is x. */
const SOFTPLUS_THRESHOLD = 20;

/**
 * The circle loss (Sun et al. 2020) for pair labels, exactly as pytorch-metric-learning's
 * `CircleLoss`. For each row a, with cosine similarities s_ap to its positives and s_an to its
 * negatives:
 *
 *   L_a = softplus( logsumexp_p( -gamma [1 + m - s_ap]_+ (s_ap - (1 - m)) )
 *                 + logsumexp_n(  gamma [s_an + m]_+     (s_an - m) ) )
 *
 * and 0 for a row without a positive or without a negative. As in PML the weights `[.]_+` are
 * computed from detached similarities, so the gradient is not the derivative of the value (it is
 * the circle loss's by design); softplus is torch's (x itself above 20). Reduced over the rows by
 * `reducer` (default `AvgNonZeroReducer`).
 *
 * The pairs form masks (a pair given twice counts once): a miner's pairs, a miner's triplets as
 * `(a, p)` and `(a, n)`, or every pair of the batch. When every index array has at most one
 * entry the loss is PML's zero loss. The distance must be a CosineSimilarity (PML asserts it).
 *
 * Options (PML's names and defaults): `m = 0.4`, `gamma = 80` (> 0),
 * `distance = new CosineSimilarity()`, `reducer = new AvgNonZeroReducer()`.
 *
 * @example
 * const loss = new dm.CircleLoss({ m: 0.25, gamma: 256 });
 * const value = loss.compute(embeddings, labels);
 */
export class CircleLoss extends BaseMetricLossFunction<CircleLossStats> {
  readonly m: number;
  readonly gamma: number;

  constructor(options: CircleLossOptions = {}) {
    super(options, {
      name: 'CircleLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new AvgNonZeroReducer(),
      defaultDistance: () => new CosineSimilarity(),
      checkDistance: requireCosine('CircleLoss'),
      reference: 'native',
    });
    this.m = checkNumber('m', options.m ?? 0.4, {});
    this.gamma = checkNumber('gamma', options.gamma ?? 80, { minExclusive: 0 });
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
    ref: CheckedReference | undefined,
  ): LossTerms<CircleLossStats> {
    const inputs = pairLossInputs(this.distance, embeddings, labels, indices, ref);
    if (inputs === null)
      return { losses: tf.zeros([0]), statistics: [], toStats: () => ({ numPosPairs: 0, numNegPairs: 0 }) };
    const { pairs, mat, m: cols } = inputs;
    const n = embeddings.shape[0];
    const pos = rowMasks(pairFlags(pairs.a1, pairs.p, n, cols), n, cols);
    const neg = rowMasks(pairFlags(pairs.a2, pairs.n, n, cols), n, cols);
    const detached = noGradient((v) => tf.clone(v), mat);
    // PML's constants: op = 1 + m, on = -m, delta_p = 1 - m, delta_n = m.
    const posLogits = tf.mul(tf.mul(-this.gamma, tf.relu(tf.sub(1 + this.m, detached))), tf.sub(mat, 1 - this.m));
    const negLogits = tf.mul(tf.mul(this.gamma, tf.relu(tf.sub(detached, -this.m))), tf.sub(mat, this.m));
    // PML writes the negatives after the positives: a pair given as both is a negative.
    const logits = tf.where(neg.mask, negLogits, tf.where(pos.mask, posLogits, tf.zerosLike(mat))) as tf.Tensor2D;
    const sum = tf.add(
      maskedLogSumExp(logits, pos.mask, pos.any, false, 1),
      maskedLogSumExp(logits, neg.mask, neg.any, false, 1),
    );
    const big = noGradient((v) => tf.greater(v, SOFTPLUS_THRESHOLD), sum);
    const softplus = tf.where(big, sum, tf.log1p(tf.exp(tf.minimum(sum, SOFTPLUS_THRESHOLD))));
    const keep = tf.cast(tf.logicalAnd(pos.any, neg.any), 'float32');
    return {
      losses: tf.mul(softplus, keep) as tf.Tensor1D,
      statistics: [],
      toStats: () => ({ numPosPairs: pos.count, numNegPairs: neg.count }),
    };
  }
}
