import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { Random } from '../random.js';
import { gatherFlat } from '../ops/gather-flat.js';
import { noGradient } from '../ops/no-gradient.js';
import { DivisorReducer } from '../reducers/index.js';
import { checkNumber } from '../validation.js';
import type { PairIndices, TripletIndices } from '../miners/index.js';
import {
  BaseMetricLossFunction,
  type BaseMetricLossOptions,
  type CheckedReference,
  type SubLoss,
  type SubLossTerms,
} from './base-metric-loss-function.js';
import { allPairIndices } from './convert-to-pairs.js';
import { convertToTriplets, pairsToTriplets } from './convert-to-triplets.js';
import { pairPositions } from './pair-mask.js';

export interface MarginLossOptions extends BaseMetricLossOptions {
  /** The half-width of the band around beta. Default 0.2. */
  margin?: number;
  /** The weight of the regularization of beta (`beta * nu`, added when `learnBeta`). Default 0. */
  nu?: number;
  /** The boundary between positive and negative distances. Default 1.2. */
  beta?: number;
  /** 'all' (default): every triplet of the batch; a number k: k random triplets per anchor. */
  tripletsPerAnchor?: 'all' | number;
  /** Make beta a trainable variable (see `trainableWeights`). Default false. */
  learnBeta?: boolean;
  /** One beta per class (labels in [0, numClasses)) instead of one for all. Default: one. */
  numClasses?: number;
  /** Draws the random triplets when `tripletsPerAnchor` is a number. Default `new Random(0)`. */
  rng?: Random;
}

/** What the last `MarginLoss.compute` saw. */
export interface MarginLossStats {
  numTriplets: number;
  /** Positive (negative) terms > 0; their sum is DivisorReducer's divisor. */
  numNonZeroPos: number;
  numNonZeroNeg: number;
}

const OPTION_KEYS = [
  'margin',
  'nu',
  'beta',
  'tripletsPerAnchor',
  'learnBeta',
  'numClasses',
  'rng',
  'distance',
  'reducer',
] as const;

/**
 * The margin loss (Wu et al. 2017, "Sampling matters"), exactly as pytorch-metric-learning's
 * `MarginLoss`. For each triplet (a, p, n), with beta the boundary (of the anchor's class when
 * `numClasses` is set):
 *
 *   L_apn = [ d(a, p) - beta + margin ]_+ + [ beta - d(a, n) + margin ]_+
 *
 * (for a similarity, `[beta - s(a, p) + margin]_+ + [s(a, n) - beta + margin]_+`), reduced by
 * `reducer` (default `DivisorReducer`: the sum divided by the number of positive terms > 0 plus
 * the number of negative terms > 0). With `learnBeta`, beta is a float32 `tf.Variable` the
 * optimizer trains (`trainableWeights()`), and a second part `beta_reg_loss = beta * nu` is added
 * (one value, or per triplet with `numClasses`, reduced by the same reducer). beta is float32, as
 * in PML (1.2 becomes 1.2000000476837158).
 *
 * The triplets are TripletMarginLoss's: a miner's triplets, a miner's pairs joined per anchor,
 * or every triplet (`tripletsPerAnchor: 'all'`) or k random ones per anchor. With no triplet the
 * loss is PML's zero loss `sum(embeddings * 0)`.
 *
 * Options (PML's names and defaults): `margin = 0.2`, `nu = 0`, `beta = 1.2`,
 * `tripletsPerAnchor = 'all'`, `learnBeta = false`, `numClasses` (none), `rng = new Random(0)`,
 * `distance = new LpDistance()`, `reducer = new DivisorReducer()`.
 *
 * @example
 * const loss = new dm.MarginLoss({ margin: 0.2, beta: 1.2, learnBeta: true, numClasses: 10, nu: 0.01 });
 * const optimizer = dm.tf.train.adam(1e-3);
 * optimizer.minimize(() => loss.compute(model.apply(x) as dm.tf.Tensor2D, labels), false,
 *   [...model.trainableWeights.map((w) => w.read() as dm.tf.Variable), ...loss.trainableWeights()]);
 */
export class MarginLoss extends BaseMetricLossFunction<MarginLossStats> {
  readonly margin: number;
  readonly nu: number;
  readonly learnBeta: boolean;
  readonly numClasses: number | null;
  readonly tripletsPerAnchor: 'all' | number;
  readonly rng: Random;
  /** beta as float32: one value, or one per class. Trainable when `learnBeta`. */
  readonly beta: tf.Variable<tf.Rank.R1>;

  constructor(options: MarginLossOptions = {}) {
    super(options, {
      name: 'MarginLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new DivisorReducer(),
      suppliesDivisor: true,
      reference: 'native',
    });
    this.margin = checkNumber('margin', options.margin ?? 0.2, {});
    this.nu = checkNumber('nu', options.nu ?? 0, {});
    const beta = checkNumber('beta', options.beta ?? 1.2, {});
    this.learnBeta = options.learnBeta ?? false;
    if (typeof this.learnBeta !== 'boolean') {
      throw invalidArgument(`Option \`learnBeta\` must be a boolean. Received: learnBeta=${String(options.learnBeta)}`);
    }
    // PML: `if num_classes:` -- 0 and None both mean one beta.
    this.numClasses =
      options.numClasses === undefined || options.numClasses === null || options.numClasses === 0
        ? null
        : checkNumber('numClasses', options.numClasses, { integer: true, min: 1 });
    const t = options.tripletsPerAnchor ?? 'all';
    if (t !== 'all' && !(typeof t === 'number' && Number.isInteger(t) && t >= 1)) {
      throw invalidArgument(
        `Option \`tripletsPerAnchor\` must be 'all' or an integer >= 1. Received: tripletsPerAnchor=${String(t)}`,
      );
    }
    this.tripletsPerAnchor = t;
    this.rng = options.rng ?? new Random(0);
    if (!(this.rng instanceof Random)) {
      throw invalidArgument(`Option \`rng\` must be a Random. Received: rng=${String(options.rng)}`);
    }
    this.beta = tf.tidy(() =>
      tf.variable(tf.fill([this.numClasses ?? 1], beta), this.learnBeta),
    ) as tf.Variable<tf.Rank.R1>;
  }

  override trainableWeights(): tf.Variable[] {
    return this.learnBeta ? [this.beta] : [];
  }

  override dispose(): void {
    this.beta.dispose();
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
    ref: CheckedReference | undefined,
  ): SubLossTerms<MarginLossStats> {
    const { anchors, positives, negatives } = this.triplets(labels, indices, ref);
    const k = anchors.length;
    if (k === 0) {
      return {
        subLosses: [{ name: 'margin_loss' }, { name: 'beta_reg_loss' }],
        statistics: [],
        toStats: () => ({ numTriplets: 0, numNonZeroPos: 0, numNonZeroNeg: 0 }),
      };
    }
    let beta: tf.Tensor1D = this.beta;
    if (this.numClasses !== null) {
      const classes = new Int32Array(k);
      for (let i = 0; i < k; i++) {
        const label = labels[anchors[i]];
        if (label < 0 || label >= this.numClasses) {
          throw invalidArgument(
            `Argument \`labels\` must hold classes in [0, ${this.numClasses}) (numClasses) for MarginLoss's per-class beta. ` +
              `Received: labels[${anchors[i]}]=${label}`,
          );
        }
        classes[i] = label;
      }
      beta = gatherFlat(this.beta, classes);
    }
    const mat =
      ref === undefined ? this.distance.pairwise(embeddings) : this.distance.pairwise(embeddings, ref.embeddings);
    const m = mat.shape[1];
    const ap = gatherFlat(mat, pairPositions(anchors, positives, m));
    const an = gatherFlat(mat, pairPositions(anchors, negatives, m));
    const posLoss = tf.relu(tf.add(this.distance.margin(ap, beta), this.margin));
    const negLoss = tf.relu(tf.add(this.distance.margin(beta, an), this.margin));
    const count = (l: tf.Tensor) => noGradient((v) => tf.sum(tf.cast(tf.greater(v, 0), 'float32')), l) as tf.Scalar;
    const numPos = count(posLoss);
    const numNeg = count(negLoss);
    const divisor = tf.add(numPos, numNeg) as tf.Scalar;
    const regularization: SubLoss = !this.learnBeta
      ? { name: 'beta_reg_loss' }
      : this.numClasses === null
        ? { name: 'beta_reg_loss', value: tf.reshape(tf.mul(beta, this.nu), []) }
        : { name: 'beta_reg_loss', losses: tf.mul(beta, this.nu) as tf.Tensor1D, divisor };
    return {
      subLosses: [{ name: 'margin_loss', losses: tf.add(posLoss, negLoss) as tf.Tensor1D, divisor }, regularization],
      statistics: [numPos, numNeg],
      toStats: ([numNonZeroPos, numNonZeroNeg]) => ({ numTriplets: k, numNonZeroPos, numNonZeroNeg }),
    };
  }

  private triplets(
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
    ref: CheckedReference | undefined,
  ): TripletIndices {
    if (ref === undefined) return convertToTriplets(labels, indices, this.tripletsPerAnchor, this.rng);
    if (indices !== undefined) return convertToTriplets(labels, indices, 'all', this.rng);
    if (this.tripletsPerAnchor !== 'all') {
      throw invalidArgument(
        `MarginLoss draws random triplets only within a batch: with \`ref\` pass \`indices\` or use tripletsPerAnchor 'all'. ` +
          `Received: tripletsPerAnchor=${this.tripletsPerAnchor}`,
      );
    }
    // Every (a, p, n) between batch and reference, in get_all_triplets_indices' lexicographic order.
    return pairsToTriplets(allPairIndices(labels, ref.labels), labels.length);
  }
}
