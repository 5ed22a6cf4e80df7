import { tf } from '../tf.js';
import { checkEmbeddings } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { BaseReducer, DivisorReducer, MeanReducer } from '../reducers/index.js';

/** Options every regularizer takes: how its per-row values become one scalar. */
export interface BaseRegularizerOptions {
  /** Default `new MeanReducer()`, as PML. DivisorReducer is refused: a regularizer supplies no divisor. */
  reducer?: BaseReducer;
}

/**
 * A penalty on the embeddings themselves (PML's `BaseRegularizer`): `compute` validates, opens a
 * memory scope, calls the one hook a subclass writes (`computeLosses`, one value per row) and
 * reduces the values with the reducer. A loss adds it through its `embeddingRegularizer` option,
 * multiplied by `embeddingRegWeight`.
 *
 * @example
 * const loss = new dm.TripletMarginLoss({ embeddingRegularizer: new dm.LpRegularizer(), embeddingRegWeight: 0.1 });
 */
export abstract class BaseRegularizer {
  readonly reducer: BaseReducer;

  protected constructor(options: BaseRegularizerOptions, name: string, optionKeys: readonly string[]) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`Argument \`options\` of ${name} must be an object. Received: ${String(options)}`);
    }
    const allowed = [...optionKeys, 'reducer'];
    const unknown = Object.keys(options).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
      throw invalidArgument(
        `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')} for ${name}. ` +
          `Allowed: ${allowed.join(', ')}`,
      );
    }
    this.reducer = options.reducer ?? new MeanReducer();
    if (!(this.reducer instanceof BaseReducer) || this.reducer instanceof DivisorReducer) {
      throw invalidArgument(
        `Option \`reducer\` of ${name} must be a reducer other than DivisorReducer (MeanReducer, SumReducer, ...). ` +
          `Received: reducer=${this.reducer instanceof DivisorReducer ? 'DivisorReducer' : String(options.reducer)}`,
      );
    }
  }

  /** The penalty of a batch of embeddings (n x d, float32): the reduced per-row values. */
  compute(embeddings: tf.Tensor2D): tf.Scalar {
    checkEmbeddings(embeddings);
    return tf.tidy(() => this.reducer.reduce(this.computeLosses(embeddings), embeddings));
  }

  /** One value per row, unreduced; runs inside `tf.tidy`. */
  protected abstract computeLosses(embeddings: tf.Tensor2D): tf.Tensor1D;
}
