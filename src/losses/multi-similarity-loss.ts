import { tf } from '../tf.js';
import { CosineSimilarity } from '../distances/index.js';
import { MeanReducer } from '../reducers/index.js';
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
import { rowMasks } from './row-masks.js';

export interface MultiSimilarityLossOptions extends BaseMetricLossOptions {
  /** The exponential weight of positive pairs. Default 2. */
  alpha?: number;
  /** The exponential weight of negative pairs. Default 50. */
  beta?: number;
  /** The shift of both exponents. Default 0.5. */
  base?: number;
}

/** What the last `MultiSimilarityLoss.compute` saw: the distinct pairs of its masks. */
export interface MultiSimilarityLossStats {
  numPosPairs: number;
  numNegPairs: number;
}

const OPTION_KEYS = ['alpha', 'beta', 'base', 'distance', 'reducer'] as const;

/**
 * The multi-similarity loss (Wang et al. 2019), exactly as pytorch-metric-learning's
 * `MultiSimilarityLoss`. For each row a of the batch, with P(a) its positives and N(a) its
 * negatives and s a similarity (the default, cosine):
 *
 *   L_a = (1/alpha) log(1 + sum_{p in P(a)} e^{alpha (base - s_ap)})
 *       + (1/beta)  log(1 + sum_{n in N(a)} e^{beta (s_an - base)})
 *
 * (with a distance, `d - base` and `base - d`). A term is 0 for a row without such pairs. The
 * per-row losses are reduced by `reducer` (default `MeanReducer`, over every row of the batch).
 *
 * The pairs form masks, so a pair given twice counts once: a miner's pairs, a miner's triplets
 * as `(a, p)` and `(a, n)`, or every pair of the batch. When every index array has at most one
 * entry the loss is PML's zero loss `sum(embeddings * 0)`.
 *
 * Options (PML's names and defaults): `alpha = 2`, `beta = 50`, `base = 0.5` (alpha and beta
 * > 0), `distance = new CosineSimilarity()`, `reducer = new MeanReducer()`.
 *
 * @example
 * const loss = new dm.MultiSimilarityLoss({ alpha: 2, beta: 50, base: 0.5 });
 * const miner = new dm.MultiSimilarityMiner({ epsilon: 0.1 });
 * const value = loss.compute(embeddings, labels, miner.mine(embeddings, labels));
 */
export class MultiSimilarityLoss extends BaseMetricLossFunction<MultiSimilarityLossStats> {
  readonly alpha: number;
  readonly beta: number;
  readonly base: number;

  constructor(options: MultiSimilarityLossOptions = {}) {
    super(options, {
      name: 'MultiSimilarityLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new MeanReducer(),
      defaultDistance: () => new CosineSimilarity(),
      reference: 'native',
    });
    this.alpha = checkNumber('alpha', options.alpha ?? 2, { minExclusive: 0 });
    this.beta = checkNumber('beta', options.beta ?? 50, { minExclusive: 0 });
    this.base = checkNumber('base', options.base ?? 0.5, {});
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
    ref: CheckedReference | undefined,
  ): LossTerms<MultiSimilarityLossStats> {
    const inputs = pairLossInputs(this.distance, embeddings, labels, indices, ref);
    if (inputs === null)
      return { losses: tf.zeros([0]), statistics: [], toStats: () => ({ numPosPairs: 0, numNegPairs: 0 }) };
    const { pairs, mat, m } = inputs;
    const n = embeddings.shape[0];
    const pos = rowMasks(pairFlags(pairs.a1, pairs.p, n, m), n, m);
    const neg = rowMasks(pairFlags(pairs.a2, pairs.n, n, m), n, m);
    const base = tf.scalar(this.base);
    const posExp = this.distance.margin(mat, base) as tf.Tensor2D;
    const negExp = this.distance.margin(base, mat) as tf.Tensor2D;
    const posLoss = tf.mul(1 / this.alpha, maskedLogSumExp(tf.mul(this.alpha, posExp), pos.mask, pos.any, true, 1));
    const negLoss = tf.mul(1 / this.beta, maskedLogSumExp(tf.mul(this.beta, negExp), neg.mask, neg.any, true, 1));
    return {
      losses: tf.add(posLoss, negLoss) as tf.Tensor1D,
      statistics: [],
      toStats: () => ({ numPosPairs: pos.count, numNegPairs: neg.count }),
    };
  }
}
