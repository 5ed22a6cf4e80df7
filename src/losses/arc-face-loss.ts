import { tf } from '../tf.js';
import { CosineSimilarity } from '../distances/index.js';
import { Random } from '../random.js';
import { gatherFlat } from '../ops/gather-flat.js';
import { noGradient } from '../ops/no-gradient.js';
import { MeanReducer } from '../reducers/index.js';
import { checkNumber } from '../validation.js';
import { invalidArgument } from '../errors.js';
import type { PairIndices, TripletIndices } from '../miners/index.js';
import { BaseMetricLossFunction, type BaseMetricLossOptions, type LossTerms } from './base-metric-loss-function.js';
import { checkClassLabels, classWeights } from './class-weights.js';
import { convertToWeights } from './convert-to-weights.js';
import { requireCosine } from './require-cosine.js';

export interface ArcFaceLossOptions extends BaseMetricLossOptions {
  /** The number of classes: labels are in [0, numClasses). Required. */
  numClasses: number;
  /** The width of the embeddings. Required. */
  embeddingSize: number;
  /** The additive angular margin, in degrees. Default 28.6 (0.5 rad). */
  margin?: number;
  /** Multiplies every logit. Default 64. */
  scale?: number;
  /** PML's W, `embeddingSize` rows of `numClasses` numbers. Default: standard normal draws from `rng` (PML's normal_). */
  weights?: number[][];
  /** Draws the default weights. Default `new Random(0)`. */
  rng?: Random;
}

/** What the last `ArcFaceLoss.compute` saw. */
export interface ArcFaceLossStats {
  /** Mean angle between each embedding and its class weight, in degrees (PML's `avg_angle`). */
  avgAngle: number;
}

const OPTION_KEYS = [
  'numClasses',
  'embeddingSize',
  'margin',
  'scale',
  'weights',
  'rng',
  'distance',
  'reducer',
] as const;

/**
 * The additive angular margin loss (ArcFace, Deng et al. 2019), exactly as
 * pytorch-metric-learning's `ArcFaceLoss`: a softmax over classes whose weights W
 * (`embeddingSize x numClasses`, a trainable variable) are learned with the model. With
 * cos θ_ic the cosine between embedding i and the column c of W, and m the margin in radians:
 *
 *   logit_ic = scale * cos θ_ic                        for c != y_i
 *   logit_iy = scale * cos(θ_iy + m)                   when θ_iy <= π - m
 *            = scale * (cos θ_iy - m sin m)             otherwise (keeps it decreasing)
 *   L_i = cross_entropy(logit_i, y_i) * w_i
 *
 * θ = acos(clamp(cos, -1, 1)), whose gradient is 0 outside [-1, 1], as torch's. Without
 * `indices` every w_i is 1; with a miner's tuple, w_i is how often row i occurs in it divided by
 * the largest count (0 if absent; PML's `convert_to_weights`). Reduced over the rows by
 * `reducer` (default `MeanReducer`). The distance must be a CosineSimilarity; a reference set is
 * not supported (PML's `ref_not_supported`).
 *
 * Options (PML's names and defaults): `numClasses`, `embeddingSize` (required), `margin = 28.6`
 * (degrees, in [0, 180]), `scale = 64` (> 0), `weights` (PML's W), `rng = new Random(0)`,
 * `distance = new CosineSimilarity()`, `reducer = new MeanReducer()`.
 *
 * @example
 * const loss = new dm.ArcFaceLoss({ numClasses: 10, embeddingSize: 64 });
 * const optimizer = dm.tf.train.adam(1e-3);
 * optimizer.minimize(() => loss.compute(model.apply(x) as dm.tf.Tensor2D, labels), false,
 *   [...model.trainableWeights.map((w) => w.read() as dm.tf.Variable), ...loss.trainableWeights()]);
 */
export class ArcFaceLoss extends BaseMetricLossFunction<ArcFaceLossStats> {
  readonly numClasses: number;
  readonly embeddingSize: number;
  /** The margin in degrees, as given. */
  readonly margin: number;
  readonly scale: number;
  /** PML's W: `embeddingSize x numClasses`, trainable. */
  readonly weights: tf.Variable<tf.Rank.R2>;

  constructor(options: ArcFaceLossOptions) {
    super(options, {
      name: 'ArcFaceLoss',
      optionKeys: OPTION_KEYS,
      defaultReducer: () => new MeanReducer(),
      defaultDistance: () => new CosineSimilarity(),
      checkDistance: requireCosine('ArcFaceLoss'),
      reference: 'unsupported',
    });
    this.numClasses = checkNumber('numClasses', options.numClasses, { integer: true, min: 1 });
    this.embeddingSize = checkNumber('embeddingSize', options.embeddingSize, { integer: true, min: 1 });
    this.margin = checkNumber('margin', options.margin ?? 28.6, { min: 0, max: 180 });
    this.scale = checkNumber('scale', options.scale ?? 64, { minExclusive: 0 });
    const rng = options.rng ?? new Random(0);
    if (!(rng instanceof Random))
      throw invalidArgument(`Option \`rng\` must be a Random. Received: rng=${String(options.rng)}`);
    this.weights = classWeights('weights', options.weights, this.embeddingSize, this.numClasses, 1, rng);
  }

  override trainableWeights(): tf.Variable[] {
    return [this.weights];
  }

  override dispose(): void {
    this.weights.dispose();
  }

  protected computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
  ): LossTerms<ArcFaceLossStats> {
    const [n, d] = embeddings.shape;
    if (d !== this.embeddingSize) {
      throw invalidArgument(
        `Argument \`embeddings\` must have ${this.embeddingSize} columns (embeddingSize). Received: ${d}`,
      );
    }
    checkClassLabels(labels, this.numClasses, 'ArcFaceLoss');
    const c = this.numClasses;
    const minerWeights = tf.tensor1d(convertToWeights(indices, n));
    const targets = new Int32Array(n);
    const oneHot = new Float32Array(n * c);
    for (let i = 0; i < n; i++) {
      targets[i] = i * c + labels[i];
      oneHot[targets[i]] = 1;
    }
    const cosine = this.distance.pairwise(embeddings, tf.transpose(this.weights));
    const cosTarget = gatherFlat(cosine, targets);
    const angles = tf.acos(tf.clipByValue(cosTarget, -1, 1));
    const m = (this.margin * Math.PI) / 180;
    const modified = tf.where(
      noGradient((a) => tf.lessEqual(a, Math.PI - m), angles),
      tf.cos(tf.add(angles, m)),
      tf.sub(tf.cos(angles), m * Math.sin(m)),
    );
    const diff = tf.expandDims(tf.sub(modified, cosTarget), 1);
    const logits = tf.mul(tf.add(cosine, tf.mul(tf.tensor2d(oneHot, [n, c]), diff)), this.scale) as tf.Tensor2D;
    // torch's cross entropy: log-softmax with the row max subtracted first, then the target's entry.
    const shifted = tf.sub(
      logits,
      noGradient((v) => tf.max(v, 1, true), logits),
    ) as tf.Tensor2D;
    const logSum = tf.log(tf.sum(tf.exp(shifted), 1));
    const crossEntropy = tf.sub(logSum, gatherFlat(shifted, targets));
    return {
      losses: tf.mul(crossEntropy, minerWeights) as tf.Tensor1D,
      statistics: [tf.mul(tf.mean(angles), 180 / Math.PI) as tf.Scalar],
      toStats: ([avgAngle]) => ({ avgAngle }),
    };
  }
}
