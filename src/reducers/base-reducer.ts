import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';

/**
 * Turns a vector of per-element losses into the scalar that is minimized. `reduce` validates and
 * opens a memory scope; subclasses write `reduceLosses`.
 *
 * `embeddings` is there for PML's zero loss: when there is nothing to reduce the result is
 * `sum(embeddings * 0)`, which is 0 with a defined gradient, or NaN when the embeddings hold NaN.
 */
export abstract class BaseReducer {
  reduce(losses: tf.Tensor1D, embeddings: tf.Tensor2D): tf.Scalar {
    if (losses.rank !== 1) {
      throw invalidArgument(`Argument \`losses\` must be 1-D. Received: shape [${losses.shape.join(', ')}]`);
    }
    return tf.tidy(() => (losses.size === 0 ? zeroLoss(embeddings) : this.reduceLosses(losses, embeddings)));
  }

  protected abstract reduceLosses(losses: tf.Tensor1D, embeddings: tf.Tensor2D): tf.Scalar;
}

/** PML's loss when nothing contributes: 0, or NaN if the embeddings hold NaN, and always differentiable. */
export function zeroLoss(embeddings: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.mul(embeddings, 0));
}
