import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { BaseDistance, LpDistance } from '../distances/index.js';
import { BaseReducer } from '../reducers/index.js';
import { isPairIndices, isTripletIndices, type PairIndices, type TripletIndices } from '../miners/index.js';

/** Options every metric loss takes: how to measure (`distance`) and how to reduce (`reducer`). */
export interface BaseMetricLossOptions {
  /** The distance or similarity between embeddings. Default: `new LpDistance()`. */
  distance?: BaseDistance;
  /** Turns per-element losses into the scalar. Default: the loss's own (PML's `get_default_reducer`). */
  reducer?: BaseReducer;
}

/**
 * What a loss hands back to the base class: the per-element losses to reduce, and the scalars to
 * read for `lastStats` (in one `dataSync` after the loss is built) with how to name them.
 */
export interface LossTerms<S> {
  losses: tf.Tensor1D;
  statistics: tf.Scalar[];
  toStats(values: number[]): S;
}

/** Describes a loss to the base class: its name for messages, its option keys, its default reducer. */
export interface LossSpec {
  name: string;
  optionKeys: readonly string[];
  defaultReducer: () => BaseReducer;
}

/**
 * The chores of every metric loss (PML's `BaseMetricLossFunction`): `compute` validates the
 * embeddings, labels and index tuple, opens a memory scope, calls the one hook a subclass writes
 * (`computeLosses`), reduces the per-element losses with the reducer and records `lastStats`.
 * With nothing to reduce the reducer returns PML's zero loss, `sum(embeddings * 0)`: 0 with a
 * defined gradient, or NaN when the embeddings hold NaN.
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
  private stats: S | null = null;

  protected constructor(options: BaseMetricLossOptions, spec: LossSpec) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`Argument \`options\` of ${spec.name} must be an object. Received: ${String(options)}`);
    }
    const unknown = Object.keys(options).filter((key) => !spec.optionKeys.includes(key));
    if (unknown.length > 0) {
      throw invalidArgument(
        `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')} for ${spec.name}. ` +
          `Allowed: ${spec.optionKeys.join(', ')}`,
      );
    }
    this.currentDistance = checkDistance(options.distance ?? new LpDistance());
    this.reducer = options.reducer ?? spec.defaultReducer();
    if (!(this.reducer instanceof BaseReducer)) {
      throw invalidArgument(
        `Option \`reducer\` must be a reducer (AvgNonZeroReducer, MeanReducer, ...). Received: reducer=${String(options.reducer)}`,
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
    this.currentDistance = checkDistance(distance);
  }

  /** Statistics of the last `compute` call, or null before the first. */
  get lastStats(): S | null {
    return this.stats;
  }

  /**
   * The loss of a batch. Without `indices` the loss forms its own tuples from `labels`; with a
   * miner's output (triplets or pairs) it uses those, and `labels` only has to match in length.
   */
  compute(
    embeddings: tf.Tensor2D,
    labels: Int32Array | number[],
    indices?: TripletIndices | PairIndices | null,
  ): tf.Scalar {
    checkEmbeddings(embeddings);
    const n = embeddings.shape[0];
    const checkedLabels = checkLabels(labels, n);
    const tuple = indices ?? undefined;
    if (tuple !== undefined) checkIndices(tuple, n);
    let stats: S | null = null;
    const loss = tf.tidy(() => {
      const terms = this.computeLosses(embeddings, checkedLabels, tuple);
      const reduced = this.reducer.reduce(terms.losses, embeddings);
      const values = terms.statistics.length === 0 ? [] : Array.from(tf.stack(terms.statistics).dataSync());
      stats = terms.toStats(values);
      return reduced;
    });
    this.stats = stats;
    return loss;
  }

  /** The per-element losses (unreduced) and the statistics of one batch; runs inside `tf.tidy`. */
  protected abstract computeLosses(
    embeddings: tf.Tensor2D,
    labels: Int32Array,
    indices: TripletIndices | PairIndices | undefined,
  ): LossTerms<S>;
}

function checkDistance(distance: unknown): BaseDistance {
  if (!(distance instanceof BaseDistance)) {
    throw invalidArgument(
      `Option \`distance\` must be a distance (LpDistance, CosineSimilarity, ...). Received: distance=${String(distance)}`,
    );
  }
  return distance;
}

/** Throws unless `indices` is a triplet or pair tuple of equal-length arrays of rows in [0, n). */
function checkIndices(indices: unknown, n: number): void {
  let groups: Array<[string, Int32Array][]>;
  if (isTripletIndices(indices)) {
    groups = [[['anchors', indices.anchors], ['positives', indices.positives], ['negatives', indices.negatives]]];
  } else if (isPairIndices(indices)) {
    groups = [[['a1', indices.a1], ['p', indices.p]], [['a2', indices.a2], ['n', indices.n]]];
  } else {
    const shape =
      indices !== null && typeof indices === 'object'
        ? `{ ${Object.entries(indices).map(([k, v]) => `${k}: ${describe(v)}`).join(', ')} }`
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
      for (let i = 0; i < arr.length; i++) {
        if (arr[i] < 0 || arr[i] >= n) {
          throw invalidArgument(
            `Argument \`indices.${name}\` must hold rows of the embeddings, in [0, ${n}). Received: indices.${name}[${i}]=${arr[i]}`,
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
