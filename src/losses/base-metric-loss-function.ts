import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { BaseDistance, LpDistance } from '../distances/index.js';
import { BaseReducer, DivisorReducer, zeroLoss } from '../reducers/index.js';
import { BaseRegularizer } from '../regularizers/index.js';
import { isPairIndices, isTripletIndices, type PairIndices, type TripletIndices } from '../miners/index.js';

/** Options every metric loss takes: how to measure (`distance`) and how to reduce (`reducer`). */
export interface BaseMetricLossOptions {
  /** The distance or similarity between embeddings. Default: `new LpDistance()`. */
  distance?: BaseDistance;
  /** Turns per-element losses into the scalar. Default: the loss's own (PML's `get_default_reducer`). */
  reducer?: BaseReducer;
  /** A penalty on the batch's embeddings added to the loss (PML's `embedding_regularizer`). Default none. */
  embeddingRegularizer?: BaseRegularizer;
  /** What the regularizer's value is multiplied by (PML's `embedding_reg_weight`). Default 1. */
  embeddingRegWeight?: number;
}

/**
 * A reference set the batch is compared with (PML's `ref_emb`, `ref_labels`): anchors are rows of
 * the batch, positives and negatives rows of the reference. CrossBatchMemory passes its memory so.
 */
export interface ReferenceBatch {
  embeddings: tf.Tensor2D;
  labels: Int32Array | number[];
}

/** A {@link ReferenceBatch} after validation, as `computeLosses` receives it. */
export interface CheckedReference {
  embeddings: tf.Tensor2D;
  labels: Int32Array;
}

/**
 * What a loss hands back to the base class: the per-element losses to reduce, and the scalars to
 * read for `lastStats` (in one `dataSync` after the loss is built) with how to name them.
 */
export interface LossTerms<S> {
  losses: tf.Tensor1D;
  /** What DivisorReducer divides by (PML's `loss_info["divisor"]`); for losses whose spec has `suppliesDivisor`. */
  divisor?: number | tf.Scalar;
  statistics: tf.Scalar[];
  toStats(values: number[]): S;
}

/**
 * One part of a loss with several (PML's sub-losses, e.g. `pos_loss` and `neg_loss`): the parts are
 * reduced one by one with the loss's reducer and added, as PML's MultipleReducers does.
 * `losses` are per-element losses for the reducer; `value` is a scalar added as it is (PML's
 * "already_reduced"); with neither, the part is PML's zero loss `sum(embeddings * 0)`.
 */
export interface SubLoss {
  name: string;
  losses?: tf.Tensor1D;
  value?: tf.Scalar;
  divisor?: number | tf.Scalar;
}

/** What a loss with several parts hands back: the parts in PML's order, and the statistics. */
export interface SubLossTerms<S> {
  subLosses: SubLoss[];
  statistics: tf.Scalar[];
  toStats(values: number[]): S;
}

/**
 * How a loss takes a reference set: `native` (its `computeLosses` measures the batch against
 * `ref`), `concatenate` (the base class appends the reference to the batch and shifts the
 * indices, which needs `indices` and gives the same tuples and values) or `unsupported`
 * (PML's `ref_not_supported`).
 */
export type ReferenceSupport = 'native' | 'concatenate' | 'unsupported';

/** Describes a loss to the base class: its name for messages, its option keys, its defaults. */
export interface LossSpec {
  name: string;
  optionKeys: readonly string[];
  defaultReducer: () => BaseReducer;
  /** PML's `get_default_distance`. Default `new LpDistance()`. */
  defaultDistance?: () => BaseDistance;
  /** Throws unless the loss can measure with `distance` (PML's `assert_distance_type`). */
  checkDistance?: (distance: BaseDistance) => void;
  /** True when the loss gives DivisorReducer its divisor; the others refuse DivisorReducer. */
  suppliesDivisor?: boolean;
  /** Default 'concatenate'. */
  reference?: ReferenceSupport;
}

/** The options the base class handles for every loss, accepted besides a loss's own `optionKeys`. */
const BASE_OPTION_KEYS = ['embeddingRegularizer', 'embeddingRegWeight'] as const;

/**
 * The chores of every metric loss (PML's `BaseMetricLossFunction`): `compute` validates the
 * embeddings, labels and index tuple, opens a memory scope, calls the one hook a subclass writes
 * (`computeLosses`), reduces the per-element losses with the reducer and records `lastStats`.
 * With nothing to reduce the reducer returns PML's zero loss, `sum(embeddings * 0)`: 0 with a
 * defined gradient, or NaN when the embeddings hold NaN.
 *
 * A loss with several parts (PML's sub-losses, e.g. `pos_loss` and `neg_loss`) has each reduced
 * on its own and summed, as PML's MultipleReducers; `embeddingRegularizer` adds one more part,
 * `embedding_reg_loss`, to any loss (`lastSubLosses` reads them all back).
 *
 * `compute` is synchronous and reads back only a few statistics, so it runs inside
 * `tf.variableGrads` / `optimizer.minimize`.
 *
 * @example
 * class MyLoss extends BaseMetricLossFunction<MyStats> {
 *   protected computeLosses(embeddings, labels, indices) { ... return { losses, statistics, toStats }; }
 * }
 */
export abstract class BaseMetricLossFunction<S> {
  private currentDistance: BaseDistance;
  readonly reducer: BaseReducer;
  readonly embeddingRegularizer: BaseRegularizer | null;
  readonly embeddingRegWeight: number;
  private readonly spec: LossSpec;
  private stats: S | null = null;
  private subLossValues: Record<string, number> | null = null;

  protected constructor(options: BaseMetricLossOptions, spec: LossSpec) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`Argument \`options\` of ${spec.name} must be an object. Received: ${String(options)}`);
    }
    const allowed = [...spec.optionKeys, ...BASE_OPTION_KEYS];
    const unknown = Object.keys(options).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
      throw invalidArgument(
        `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')} for ${spec.name}. ` +
          `Allowed: ${allowed.join(', ')}`,
      );
    }
    this.spec = spec;
    this.currentDistance = this.checkedDistance(options.distance ?? spec.defaultDistance?.() ?? new LpDistance());
    this.reducer = options.reducer ?? spec.defaultReducer();
    if (!(this.reducer instanceof BaseReducer)) {
      throw invalidArgument(
        `Option \`reducer\` must be a reducer (AvgNonZeroReducer, MeanReducer, ...). Received: reducer=${String(options.reducer)}`,
      );
    }
    if (this.reducer instanceof DivisorReducer && spec.suppliesDivisor !== true) {
      throw invalidArgument(
        `Option \`reducer\` of ${spec.name} must not be DivisorReducer: ${spec.name} supplies no divisor ` +
          '(MarginLoss and ProxyAnchorLoss do). Received: reducer=DivisorReducer',
      );
    }
    const regularizer = options.embeddingRegularizer ?? null;
    if (regularizer !== null && !(regularizer instanceof BaseRegularizer)) {
      throw invalidArgument(
        `Option \`embeddingRegularizer\` must be a regularizer (LpRegularizer, ZeroMeanRegularizer). ` +
          `Received: embeddingRegularizer=${String(regularizer)}`,
      );
    }
    this.embeddingRegularizer = regularizer;
    this.embeddingRegWeight = options.embeddingRegWeight ?? 1;
    if (typeof this.embeddingRegWeight !== 'number' || !Number.isFinite(this.embeddingRegWeight)) {
      throw invalidArgument(
        `Option \`embeddingRegWeight\` must be a finite number. Received: embeddingRegWeight=${String(options.embeddingRegWeight)}`,
      );
    }
  }

  /** The distance or similarity the loss measures with. */
  get distance(): BaseDistance {
    return this.currentDistance;
  }

  /**
   * Measures with `distance` from the next `compute` on, every other option kept (the collapse
   * guard turns on normalization this way, without rebuilding the loss).
   */
  useDistance(distance: BaseDistance): void {
    this.currentDistance = this.checkedDistance(distance);
  }

  /** Statistics of the last `compute` call, or null before the first. */
  get lastStats(): S | null {
    return this.stats;
  }

  /**
   * The value of each part of the last `compute` call, by PML's sub-loss names (`loss`, or
   * `pos_loss` and `neg_loss`, ..., and `embedding_reg_loss` with a regularizer); the loss is
   * their sum. Null before the first call.
   */
  get lastSubLosses(): Record<string, number> | null {
    return this.subLossValues;
  }

  /**
   * The loss's own trainable parameters (class weights, proxies, a learned beta), for the
   * optimizer and checkpoints alongside the model's. None for most losses.
   */
  trainableWeights(): tf.Variable[] {
    return [];
  }

  /** Frees the loss's own tensors (its parameters); the loss is unusable afterwards. */
  dispose(): void {}

  /**
   * The loss of a batch. Without `indices` the loss forms its own tuples from `labels`; with a
   * miner's output (triplets or pairs) it uses those, and `labels` only has to match in length.
   * With `ref` the batch is compared with a reference set instead of itself (PML's `ref_emb`,
   * `ref_labels`): anchors index the batch, the other indices the reference.
   */
  compute(
    embeddings: tf.Tensor2D,
    labels: Int32Array | number[],
    indices?: TripletIndices | PairIndices | null,
    ref?: ReferenceBatch | null,
  ): tf.Scalar {
    checkEmbeddings(embeddings);
    const n = embeddings.shape[0];
    const checkedLabels = checkLabels(labels, n);
    const reference = ref === undefined || ref === null ? undefined : this.checkedReference(ref, embeddings.shape[1]);
    const tuple = indices ?? undefined;
    if (tuple !== undefined) checkIndices(tuple, n, reference?.embeddings.shape[0]);
    const concatenate = reference !== undefined && (this.spec.reference ?? 'concatenate') === 'concatenate';
    if (concatenate && tuple === undefined) {
      throw invalidArgument(
        `${this.spec.name} compares a batch with \`ref\` only through \`indices\`. Received: indices=undefined`,
      );
    }
    let stats: S | null = null;
    let subLosses: Record<string, number> | null = null;
    const loss = tf.tidy(() => {
      const terms =
        concatenate && reference !== undefined && tuple !== undefined
          ? this.computeLosses(
              tf.concat([embeddings, reference.embeddings], 0),
              Int32Array.from([...checkedLabels, ...reference.labels]),
              shiftIndices(tuple, n),
              undefined,
            )
          : this.computeLosses(embeddings, checkedLabels, tuple, reference);
      const parts: SubLoss[] =
        'subLosses' in terms ? terms.subLosses : [{ name: 'loss', losses: terms.losses, divisor: terms.divisor }];
      const names = parts.map((part) => part.name);
      const values = parts.map((part) => this.reducePart(part, embeddings));
      if (this.embeddingRegularizer !== null) {
        // PML adds it to every loss dict, also when there is no tuple.
        names.push('embedding_reg_loss');
        values.push(tf.mul(this.embeddingRegularizer.compute(embeddings), this.embeddingRegWeight));
      }
      const total = values.slice(1).reduce((sum, v) => tf.add(sum, v), values[0]) as tf.Scalar;
      const read = Array.from(tf.stack([...terms.statistics, ...values]).dataSync());
      const k = terms.statistics.length;
      stats = terms.toStats(read.slice(0, k));
      subLosses = Object.fromEntries(names.map((name, i) => [name, read[k + i]]));
      return total;
    });
    this.stats = stats;
    this.subLossValues = subLosses;
    return loss;
  }

  /**
   * The per-element losses (unreduced), or the parts of a loss with several, and the statistics of
   * one batch; runs inside `tf.tidy`. `ref` is set only for losses whose spec says `native`.
   */
  protected abstract computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
    ref: CheckedReference | undefined,
  ): LossTerms<S> | SubLossTerms<S>;

  private reducePart(part: SubLoss, embeddings: tf.Tensor2D): tf.Scalar {
    if (part.value !== undefined) return tf.reshape(part.value, []);
    if (part.losses === undefined) return zeroLoss(embeddings);
    if (!(this.reducer instanceof DivisorReducer)) return this.reducer.reduce(part.losses, embeddings);
    if (part.divisor === undefined) {
      throw invalidArgument(
        `${this.spec.name} supplies no divisor for its part \`${part.name}\`: DivisorReducer cannot reduce it`,
      );
    }
    return this.reducer.reduceWithDivisor(part.losses, embeddings, part.divisor);
  }

  private checkedDistance(distance: unknown): BaseDistance {
    if (!(distance instanceof BaseDistance)) {
      throw invalidArgument(
        `Option \`distance\` must be a distance (LpDistance, CosineSimilarity, ...). Received: distance=${String(distance)}`,
      );
    }
    this.spec.checkDistance?.(distance);
    return distance;
  }

  private checkedReference(ref: ReferenceBatch, dim: number): CheckedReference {
    if ((this.spec.reference ?? 'concatenate') === 'unsupported') {
      throw invalidArgument(
        `${this.spec.name} does not compare a batch with a reference set (PML: ref_not_supported). Received: ref`,
      );
    }
    if (ref === null || typeof ref !== 'object') {
      throw invalidArgument(`Argument \`ref\` must be { embeddings, labels }. Received: ${String(ref)}`);
    }
    checkEmbeddings(ref.embeddings, 'ref.embeddings');
    if (ref.embeddings.shape[1] !== dim) {
      throw invalidArgument(
        `Arguments \`embeddings\` and \`ref.embeddings\` must have the same number of columns. Received: ${dim} and ${ref.embeddings.shape[1]}`,
      );
    }
    return { embeddings: ref.embeddings, labels: checkLabels(ref.labels, ref.embeddings.shape[0], 'ref.labels') };
  }
}

/** The tuple with its positives and negatives moved past the batch's `n` rows, for a batch with its reference appended. */
function shiftIndices(indices: TripletIndices | PairIndices, n: number): TripletIndices | PairIndices {
  const shift = (a: Int32Array) => a.map((v) => v + n);
  if (isTripletIndices(indices)) {
    return { anchors: indices.anchors, positives: shift(indices.positives), negatives: shift(indices.negatives) };
  }
  return { a1: indices.a1, p: shift(indices.p), a2: indices.a2, n: shift(indices.n) };
}

/**
 * Throws unless `indices` is a triplet or pair tuple of equal-length arrays, anchors rows of the
 * batch in [0, n) and the others rows of the reference in [0, m) (m = n without one).
 */
function checkIndices(indices: unknown, n: number, m?: number): void {
  let groups: Array<[string, Int32Array][]>;
  if (isTripletIndices(indices)) {
    groups = [
      [
        ['anchors', indices.anchors],
        ['positives', indices.positives],
        ['negatives', indices.negatives],
      ],
    ];
  } else if (isPairIndices(indices)) {
    groups = [
      [
        ['a1', indices.a1],
        ['p', indices.p],
      ],
      [
        ['a2', indices.a2],
        ['n', indices.n],
      ],
    ];
  } else {
    const shape =
      indices !== null && typeof indices === 'object'
        ? `{ ${Object.entries(indices)
            .map(([k, v]) => `${k}: ${describe(v)}`)
            .join(', ')} }`
        : String(indices);
    throw invalidArgument(
      'Argument `indices` must be triplets { anchors, positives, negatives } or pairs { a1, p, a2, n } of Int32Arrays. ' +
        `Received: ${shape}`,
    );
  }
  for (const group of groups) {
    const [firstName, first] = group[0];
    for (const [name, arr] of group) {
      if (arr.length !== first.length) {
        throw invalidArgument(
          `Arguments \`indices.${firstName}\` and \`indices.${name}\` must have the same length. ` +
            `Received: ${first.length} and ${arr.length}`,
        );
      }
      const isAnchor = name === 'anchors' || name === 'a1' || name === 'a2';
      const bound = isAnchor || m === undefined ? n : m;
      const what = isAnchor || m === undefined ? 'the embeddings' : '`ref.embeddings`';
      for (let i = 0; i < arr.length; i++) {
        if (arr[i] < 0 || arr[i] >= bound) {
          throw invalidArgument(
            `Argument \`indices.${name}\` must hold rows of ${what}, in [0, ${bound}). Received: indices.${name}[${i}]=${arr[i]}`,
          );
        }
      }
    }
  }
}

function describe(v: unknown): string {
  if (v instanceof Int32Array) return `Int32Array(${v.length})`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  return v !== null && typeof v === 'object' ? v.constructor.name : typeof v;
}
