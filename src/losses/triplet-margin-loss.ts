import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { Random } from '../random.js';
import type { BaseDistance } from '../distances/index.js';
import { gatherFlat } from '../ops/gather-flat.js';
import { noGradient } from '../ops/no-gradient.js';
import { AvgNonZeroReducer } from '../reducers/index.js';
import type { PairIndices, TripletIndices } from '../miners/index.js';
import { BaseMetricLossFunction, type BaseMetricLossOptions, type LossTerms } from './base-metric-loss-function.js';
import { convertToTriplets } from './convert-to-triplets.js';

export interface TripletMarginLossOptions extends BaseMetricLossOptions {
  /** The desired gap between the anchor-positive and the anchor-negative distance. Default 0.05. */
  margin?: number;
  /** Use d(p, n) instead of d(a, n) when it is closer (the "distance swap"). Default false. */
  swap?: boolean;
  /** Soft margin: softplus instead of the hinge. Default false. */
  smoothLoss?: boolean;
  /**
   * Selectively contrastive triplets (Xuan et al. 2020): a triplet whose negative is closer than its
   * positive only pushes the negative away (no gradient through d(a, p)). Not in PML. Default false.
   */
  selectivelyContrastive?: boolean;
  /** 'all' (default): every triplet of the batch; a number k: k random triplets per anchor. */
  tripletsPerAnchor?: 'all' | number;
  /** Draws the random triplets when `tripletsPerAnchor` is a number. Default `new Random(0)`. */
  rng?: Random;
}

/** What the last `TripletMarginLoss.compute` saw. Means are NaN when there was no triplet. */
export interface TripletLossStats {
  /** Triplets evaluated (after pairs were joined into triplets). */
  numTriplets: number;
  /** Triplets with a loss > 0: the active ones, which AvgNonZeroReducer averages over. */
  numNonZero: number;
  /** Mean anchor-positive distance (similarity, for similarities). */
  meanAP: number;
  /** Mean anchor-negative distance (similarity, for similarities), before any swap. */
  meanAN: number;
  /** Mean of `margin(d_ap, d_an) + margin`, the argument of the hinge / softplus. */
  meanViolation: number;
}

const OPTION_KEYS = [
  'margin',
  'swap',
  'smoothLoss',
  'selectivelyContrastive',
  'tripletsPerAnchor',
  'rng',
  'distance',
  'reducer',
] as const;

/**
 * The triplet margin loss, exactly as pytorch-metric-learning's `TripletMarginLoss`:
 *
 *   L_apn = [ d(a, p) - d(a, n) + margin ]_+          (hinge, the default)
 *   L_apn = softplus( d(a, p) - d(a, n) + margin )     (smoothLoss: true; softplus(x) = log(1 + e^x))
 *
 * reduced over the triplets by `reducer` (default `AvgNonZeroReducer`: the mean over the triplets
 * with a loss > 0). For a similarity (CosineSimilarity, `isInverted`) the roles flip,
 * `s(a, n) - s(a, p) + margin`: `distance.margin` holds the direction. With `swap`, d(a, n) is
 * replaced by the closer of d(a, n) and d(p, n).
 *
 * With `selectivelyContrastive` (Xuan et al. 2020, "Hard negative examples are hard, but useful";
 * not a PML option), a triplet whose negative is closer than its positive (`distance.margin(ap, an)
 * > 0`) keeps its value but takes its gradient from d(a, n) alone: d(a, p) is held constant. On
 * such a triplet the full gradient also pulls the positive in, and with the negative in the way
 * it pulls the whole neighbourhood together, the start of batch-hard collapse; pushing only the
 * negative away keeps the hardest negatives useful.
 *
 * The triplets: a miner's output passed as `indices` (triplets as they are; pairs joined as every
 * positive pair with every negative pair of the same anchor), or, without `indices`, every triplet
 * of the batch (`tripletsPerAnchor: 'all'`) or k random ones per anchor drawn with `rng`
 * (`tripletsPerAnchor: k`, the distribution of PML's sampling, not its random numbers). With no
 * triplet the loss is `sum(embeddings * 0)`: 0 with a zero gradient, NaN if an embedding is NaN.
 *
 * Options (PML's names in camelCase, PML's defaults): `margin = 0.05`, `swap = false`,
 * `smoothLoss = false`, `selectivelyContrastive = false`, `tripletsPerAnchor = 'all'`, `distance = new LpDistance()`,
 * `reducer = new AvgNonZeroReducer()`, `rng = new Random(0)`.
 *
 * @example
 * const loss = new dm.TripletMarginLoss({ margin: 0.2 });
 * const miner = new dm.BatchHardMiner();
 * const { value, grads } = dm.tf.variableGrads(() => {
 *   const emb = model.apply(x) as dm.tf.Tensor2D;
 *   return loss.compute(emb, labels, miner.mine(emb, labels));
 * });
 * loss.lastStats; // { numTriplets, numNonZero, meanAP, meanAN, meanViolation }
 */
export class TripletMarginLoss extends BaseMetricLossFunction<TripletLossStats> {
  readonly margin: number;
  readonly swap: boolean;
  readonly smoothLoss: boolean;
  private selective: boolean;
  readonly tripletsPerAnchor: 'all' | number;
  readonly rng: Random;

  constructor(options: TripletMarginLossOptions = {}) {
    super(options, {
      name: 'TripletMarginLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new AvgNonZeroReducer(),
    });
    this.margin = options.margin ?? 0.05;
    this.swap = options.swap ?? false;
    this.smoothLoss = options.smoothLoss ?? false;
    this.selective = options.selectivelyContrastive ?? false;
    this.tripletsPerAnchor = options.tripletsPerAnchor ?? 'all';
    this.rng = options.rng ?? new Random(0);
    if (typeof this.margin !== 'number' || !Number.isFinite(this.margin)) {
      throw invalidArgument(`Option \`margin\` must be a finite number. Received: margin=${String(options.margin)}`);
    }
    for (const key of ['swap', 'smoothLoss', 'selectivelyContrastive'] as const) {
      if (typeof this[key] !== 'boolean') {
        throw invalidArgument(`Option \`${key}\` must be a boolean. Received: ${key}=${String(options[key])}`);
      }
    }
    const t = this.tripletsPerAnchor;
    if (t !== 'all' && !(typeof t === 'number' && Number.isInteger(t) && t >= 1)) {
      throw invalidArgument(
        `Option \`tripletsPerAnchor\` must be 'all' or an integer >= 1. Received: tripletsPerAnchor=${String(t)}`,
      );
    }
    if (!(this.rng instanceof Random)) {
      throw invalidArgument(`Option \`rng\` must be a Random. Received: rng=${String(options.rng)}`);
    }
  }

  /** Whether triplets whose negative is closer than their positive push only the negative away. */
  get selectivelyContrastive(): boolean {
    return this.selective;
  }

  /** Turns the selectively contrastive triplets on or off for the next computations (a curriculum's stage). */
  useSelectiveContrast(on: boolean): void {
    this.selective = on;
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
  ): LossTerms<TripletLossStats> {
    const n = embeddings.shape[0];
    if (n * n > 2147483647) {
      throw invalidArgument(
        `Argument \`embeddings\` must have at most 46340 rows (n*n entries indexed as int32). Received: ${n} rows`,
      );
    }
    const { anchors, positives, negatives } = convertToTriplets(labels, indices, this.tripletsPerAnchor, this.rng);
    const k = anchors.length;
    if (k === 0) {
      return {
        losses: tf.zeros([0]),
        statistics: [],
        toStats: () => ({ numTriplets: 0, numNonZero: 0, meanAP: NaN, meanAN: NaN, meanViolation: NaN }),
      };
    }
    // Positions in the flattened n x n matrix: [ap | an | pn], gathered in one op.
    const parts = this.swap ? 3 : 2;
    const positions = new Int32Array(parts * k);
    for (let i = 0; i < k; i++) {
      positions[i] = anchors[i] * n + positives[i];
      positions[k + i] = anchors[i] * n + negatives[i];
      if (this.swap) positions[2 * k + i] = positives[i] * n + negatives[i];
    }
    const mat = this.distance.pairwise(embeddings);
    const picked = tf.split(gatherFlat(mat, positions), parts) as tf.Tensor1D[];
    const [ap, an] = picked;
    const anUsed = this.swap ? this.distance.smallestDist(an, picked[2]) : an;
    const apUsed = this.selective ? heldWhereNegativeCloser(this.distance, ap, anUsed as tf.Tensor1D) : ap;
    const violation = tf.add(this.distance.margin(apUsed, anUsed), this.margin) as tf.Tensor1D;
    // tf.softplus returns x above about 13.9 where torch switches at 20: there log(1 + e^x) - x
    // is below float32's rounding of x, so the two agree; both underflow to 0 below about -104.
    const losses = this.smoothLoss ? tf.softplus(violation) : tf.relu(violation);
    return {
      losses,
      statistics: [tf.sum(tf.cast(tf.greater(losses, 0), 'float32')), tf.mean(ap), tf.mean(an), tf.mean(violation)],
      toStats: ([numNonZero, meanAP, meanAN, meanViolation]) => ({
        numTriplets: k,
        numNonZero,
        meanAP,
        meanAN,
        meanViolation,
      }),
    };
  }
}

/** `ap`, held constant (no gradient) in the triplets whose negative is closer than their positive. */
function heldWhereNegativeCloser(distance: BaseDistance, ap: tf.Tensor1D, an: tf.Tensor1D): tf.Tensor1D {
  const closer = noGradient((x, y) => tf.greater(distance.margin(x, y), 0), ap, an);
  const held = noGradient((x) => tf.clone(x), ap);
  return tf.where(closer, held, ap) as tf.Tensor1D;
}
