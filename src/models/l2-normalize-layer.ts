import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import { l2Normalize } from '../distances/l2-normalize.js';
import { invalidArgument } from '../errors.js';

/** The options every tfjs-layers layer takes (`name`, `trainable`, `inputShape`, ...). */
export type L2NormalizeArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];

/**
 * A layer that scales each embedding (row) to unit L2 norm:
 *
 *   y_i = x_i / max(||x_i||_2, 1e-12)
 *
 * the same normalization as torch's `F.normalize` and the distances' `normalizeEmbeddings`. An
 * all-zero row stays zero and its gradient stays finite (the clamp sits inside the square root).
 * The layer has no weights. It is registered with `tf.serialization`, so a saved model that ends
 * in it loads again with `loadModel` (or tfjs's `loadLayersModel`, once deepmetric is imported).
 *
 * Input: `[batch, dim]`; output: the same shape.
 *
 * @example
 * const model = tfl.sequential();
 * model.add(tfl.layers.dense({ inputShape: [8], units: 4 }));
 * model.add(new L2Normalize({ name: 'l2_normalize' }));
 */
export class L2Normalize extends tfl.layers.Layer {
  /** The name under which tfjs serializes and deserializes the layer. */
  static readonly className = 'L2Normalize';

  constructor(args: L2NormalizeArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const shape = singleShape(inputShape);
    if (shape.length !== 2) {
      throw invalidArgument(
        `L2Normalize takes embeddings of shape [batch, dim]. Received: input shape [${shape.map(String).join(', ')}]`,
      );
    }
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank !== 2) {
      throw invalidArgument(
        `L2Normalize takes embeddings of shape [batch, dim]. Received: shape [${x.shape.join(', ')}]`,
      );
    }
    return l2Normalize(x as tf.Tensor2D);
  }
}

function singleShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
  // A single shape is an array of numbers (or null for the batch); a list of shapes has arrays.
  if (inputShape.length > 0 && Array.isArray(inputShape[0])) {
    const shapes = inputShape as tfl.Shape[];
    if (shapes.length !== 1) {
      throw invalidArgument(`L2Normalize takes one input. Received: ${shapes.length} inputs`);
    }
    return shapes[0];
  }
  return inputShape as tfl.Shape;
}

tf.serialization.registerClass(L2Normalize);
