import { tf } from '../tf.js';
import { CosineSimilarity } from '../distances/index.js';
import { invalidArgument } from '../errors.js';
import { Random } from '../random.js';
import { DivisorReducer } from '../reducers/index.js';
import { checkNumber } from '../validation.js';
import type { PairIndices, TripletIndices } from '../miners/index.js';
import { BaseMetricLossFunction, type BaseMetricLossOptions, type SubLossTerms } from './base-metric-loss-function.js';
import { checkClassLabels, classWeights } from './class-weights.js';
import { convertToWeights } from './convert-to-weights.js';
import { maskedLogSumExp } from './masked-log-sum-exp.js';

export interface ProxyAnchorLossOptions extends BaseMetricLossOptions {
  /** The number of classes (proxies): labels are in [0, numClasses). Required. */
  numClasses: number;
  /** The width of the embeddings. Required. */
  embeddingSize: number;
  /** Default 0.1. */
  margin?: number;
  /** The scale of the exponents. Default 32. */
  alpha?: number;
  /** `numClasses` rows of `embeddingSize` numbers. Default: PML's kaiming_normal_(mode='fan_out'), normal draws from `rng` with std sqrt(2 / numClasses). */
  proxies?: number[][];
  /** Draws the default proxies. Default `new Random(0)`. */
  rng?: Random;
}

/** What the last `ProxyAnchorLoss.compute` saw. */
export interface ProxyAnchorLossStats {
  /** Proxies whose class occurs in the batch: DivisorReducer's divisor of `pos_loss`. */
  numPosProxies: number;
}

const OPTION_KEYS = [
  'numClasses',
  'embeddingSize',
  'margin',
  'alpha',
  'proxies',
  'rng',
  'distance',
  'reducer',
] as const;

/**
 * The proxy anchor loss (Kim et al. 2020), exactly as pytorch-metric-learning's
 * `ProxyAnchorLoss`: one trainable proxy per class (`numClasses x embeddingSize`), learned with
 * the model. With s_ic the cosine similarity between embedding i and proxy c, X_c^+ the rows of
 * class c and X_c^- the others, per proxy c:
 *
 *   pos_c = log(1 + sum_{i in X_c^+} e^{alpha (margin - s_ic) + w_i})
 *   neg_c = log(1 + sum_{i in X_c^-} e^{alpha (s_ic + margin) + w_i})
 *
 * (pos_c = 0 for a class absent from the batch). The parts `pos_loss` and `neg_loss` are reduced
 * by `reducer` (default `DivisorReducer`: the sum of pos_c over the number of proxies whose class
 * occurs in the batch, the sum of neg_c over `numClasses`) and added. w_i is 0 without `indices`;
 * with a miner's tuple it is PML's `convert_to_weights - 1`, *added* to the exponent: how often
 * row i occurs over the largest count, minus 1 (so -1 for an absent row, not a zero weight). A
 * reference set is not supported (PML's `ref_not_supported`).
 *
 * Options (PML's names and defaults): `numClasses`, `embeddingSize` (required), `margin = 0.1`,
 * `alpha = 32` (> 0), `proxies`, `rng = new Random(0)`, `distance = new CosineSimilarity()`,
 * `reducer = new DivisorReducer()`.
 *
 * @example
 * const loss = new dm.ProxyAnchorLoss({ numClasses: 100, embeddingSize: 128, margin: 0.1, alpha: 32 });
 * const optimizer = dm.tf.train.adam(1e-3);
 * optimizer.minimize(() => loss.compute(model.apply(x) as dm.tf.Tensor2D, labels), false,
 *   [...model.trainableWeights.map((w) => w.read() as dm.tf.Variable), ...loss.trainableWeights()]);
 */
export class ProxyAnchorLoss extends BaseMetricLossFunction<ProxyAnchorLossStats> {
  readonly numClasses: number;
  readonly embeddingSize: number;
  readonly margin: number;
  readonly alpha: number;
  /** `numClasses x embeddingSize`, trainable. */
  readonly proxies: tf.Variable<tf.Rank.R2>;

  constructor(options: ProxyAnchorLossOptions) {
    super(options, {
      name: 'ProxyAnchorLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new DivisorReducer(),
      defaultDistance: () => new CosineSimilarity(),
      suppliesDivisor: true,
      reference: 'unsupported',
    });
    this.numClasses = checkNumber('numClasses', options.numClasses, { integer: true, min: 1 });
    this.embeddingSize = checkNumber('embeddingSize', options.embeddingSize, { integer: true, min: 1 });
    this.margin = checkNumber('margin', options.margin ?? 0.1, {});
    this.alpha = checkNumber('alpha', options.alpha ?? 32, { minExclusive: 0 });
    const rng = options.rng ?? new Random(0);
    if (!(rng instanceof Random))
      throw invalidArgument(`Option \`rng\` must be a Random. Received: rng=${String(options.rng)}`);
    this.proxies = classWeights(
      'proxies',
      options.proxies,
      this.numClasses,
      this.embeddingSize,
      Math.sqrt(2 / this.numClasses),
      rng,
    );
  }

  override trainableWeights(): tf.Variable[] {
    return [this.proxies];
  }

  override dispose(): void {
    this.proxies.dispose();
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
  ): SubLossTerms<ProxyAnchorLossStats> {
    const [n, d] = embeddings.shape;
    if (d !== this.embeddingSize) {
      throw invalidArgument(
        `Argument \`embeddings\` must have ${this.embeddingSize} columns (embeddingSize). Received: ${d}`,
      );
    }
    checkClassLabels(labels, this.numClasses, 'ProxyAnchorLoss');
    const c = this.numClasses;
    const minerWeights = convertToWeights(indices, n).map((w) => w - 1);
    const posFlags = new Uint8Array(n * c);
    const counts = new Int32Array(c);
    for (let i = 0; i < n; i++) {
      posFlags[i * c + labels[i]] = 1;
      counts[labels[i]]++;
    }
    const present = Uint8Array.from(counts, (k) => (k > 0 ? 1 : 0));
    // A proxy has a negative row unless every row is of its class.
    const hasNeg = tf.tensor1d(
      Uint8Array.from(counts, (k) => (k < n ? 1 : 0)),
      'bool',
    );
    const numPosProxies = present.reduce((s, v) => s + v, 0);
    const posMask = tf.tensor2d(posFlags, [n, c], 'bool');
    const negMask = tf.logicalNot(posMask);
    const cos = this.distance.pairwise(embeddings, this.proxies);
    const w = tf.tensor2d(minerWeights, [n, 1]);
    const posExp = this.distance.margin(cos, tf.scalar(this.margin));
    const negExp = this.distance.margin(tf.scalar(-this.margin), cos);
    const posTerm = maskedLogSumExp(
      tf.add(tf.mul(this.alpha, posExp), w) as tf.Tensor2D,
      posMask,
      tf.tensor1d(present, 'bool'),
      true,
      0,
    );
    const negTerm = maskedLogSumExp(tf.add(tf.mul(this.alpha, negExp), w) as tf.Tensor2D, negMask, hasNeg, true, 0);
    return {
      subLosses: [
        { name: 'pos_loss', losses: posTerm, divisor: numPosProxies },
        { name: 'neg_loss', losses: negTerm, divisor: c },
      ],
      statistics: [],
      toStats: () => ({ numPosProxies }),
    };
  }
}
