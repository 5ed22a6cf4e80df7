import * as tfl from '@tensorflow/tfjs-layers';
import { invalidArgument } from '../errors.js';
import { Random } from '../random.js';
import { L2Normalize } from './l2-normalize-layer.js';
import { parseModelSpec, type ModelSpec } from './parse-model-spec.js';

export interface BuildModelOptions {
  /** Shape of one input without the batch axis: `[784]`, `[28, 28]` (one channel) or `[28, 28, 1]`. */
  inputShape: number[];
  /** Size of the embedding (the last dense layer). Default 128. */
  embeddingDim?: number;
  /** End with an `L2Normalize` layer, so every embedding has unit norm. Default false. */
  normalize?: boolean;
  /** Seeds every kernel initializer: two builds with the same seed have identical weights. Default: unseeded. */
  seed?: number;
}

/**
 * Builds an embedding network from a spec string (see `parseModelSpec`):
 *
 * - `mlp:256,128`: flatten -> dense(256, relu) -> dense(128, relu) -> dense(embeddingDim)
 *   (`mlp` alone is `mlp:256,128`);
 * - `convnet` (= `convnet:32,64,128`): conv2d 5x5 32 relu 'same' -> maxpool 2 -> conv2d 5x5 64
 *   relu 'same' -> maxpool 2 -> flatten -> dense(128, relu) -> dense(embeddingDim);
 * - with `normalize: true`, a final `L2Normalize` layer.
 *
 * The embedding layer is linear: a ReLU there would leave embeddings in the positive orthant and
 * let dimensions die. Kernels use Glorot-uniform initialization (tfjs's and Keras's default),
 * biases zeros; with a `seed`, every kernel initializer gets its own seed drawn from one seeded
 * `Random`, so a build is reproducible. Layers have fixed names (`dense_1`, `conv_1`, ...,
 * `embedding`, `l2_normalize`), so the saved model.json of two builds of one spec are the same.
 *
 * @example
 * const model = buildModel('convnet', { inputShape: [28, 28, 1], embeddingDim: 64, normalize: true, seed: 1 });
 * const embeddings = model.predict(images) as tf.Tensor2D; // [batch, 64], unit rows
 */
export function buildModel(spec: string, options: BuildModelOptions): tfl.Sequential {
  const parsed = parseModelSpec(spec);
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument(
      `Argument \`options\` must be an object with \`inputShape\`. Received: options=${String(options)}`,
    );
  }
  const { inputShape, embeddingDim = 128, normalize = false, seed } = options;
  checkInputShape(parsed, inputShape);
  if (!(Number.isInteger(embeddingDim) && embeddingDim >= 1)) {
    throw invalidArgument(
      `Argument \`embeddingDim\` must be an integer >= 1. Received: embeddingDim=${String(embeddingDim)}`,
    );
  }
  if (typeof normalize !== 'boolean') {
    throw invalidArgument(`Argument \`normalize\` must be true or false. Received: normalize=${String(normalize)}`);
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw invalidArgument(`Argument \`seed\` must be an integer or undefined. Received: seed=${String(seed)}`);
  }

  const rng = seed === undefined ? null : new Random(seed);
  const kernel = () => tfl.initializers.glorotUniform(rng === null ? {} : { seed: rng.nextUint32() });
  const model = tfl.sequential({ name: parsed.kind });
  const first = { inputShape: [...inputShape] };

  switch (parsed.kind) {
    case 'mlp': {
      // Flatten needs rank >= 2 inputs; a flat input goes straight into the first dense layer.
      const flat = inputShape.length > 1;
      if (flat) model.add(tfl.layers.flatten({ ...first, name: 'flatten' }));
      parsed.hidden.forEach((units, i) => {
        model.add(
          tfl.layers.dense({
            ...(i === 0 && !flat ? first : {}),
            units,
            activation: 'relu',
            kernelInitializer: kernel(),
            name: `dense_${i + 1}`,
          }),
        );
      });
      model.add(
        tfl.layers.dense({
          ...(parsed.hidden.length === 0 && !flat ? first : {}),
          units: embeddingDim,
          kernelInitializer: kernel(),
          name: 'embedding',
        }),
      );
      break;
    }
    case 'convnet': {
      if (inputShape.length === 2) {
        // A [height, width] input is a one-channel image, as MNIST-layout files store it.
        model.add(tfl.layers.reshape({ ...first, targetShape: [inputShape[0], inputShape[1], 1], name: 'to_image' }));
      }
      parsed.filters.forEach((filters, i) => {
        model.add(
          tfl.layers.conv2d({
            ...(i === 0 && inputShape.length === 3 ? first : {}),
            filters,
            kernelSize: 5,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: kernel(),
            name: `conv_${i + 1}`,
          }),
        );
        model.add(tfl.layers.maxPooling2d({ poolSize: 2, name: `pool_${i + 1}` }));
      });
      model.add(tfl.layers.flatten({ name: 'flatten' }));
      model.add(
        tfl.layers.dense({ units: parsed.dense, activation: 'relu', kernelInitializer: kernel(), name: 'dense_1' }),
      );
      model.add(tfl.layers.dense({ units: embeddingDim, kernelInitializer: kernel(), name: 'embedding' }));
      break;
    }
    default: {
      const never: never = parsed;
      throw invalidArgument(`Unknown model spec ${JSON.stringify(never)}`);
    }
  }
  if (normalize) model.add(new L2Normalize({ name: 'l2_normalize' }));
  return model;
}

function checkInputShape(spec: ModelSpec, inputShape: unknown): asserts inputShape is number[] {
  const shown = Array.isArray(inputShape) ? `[${inputShape.map(String).join(', ')}]` : String(inputShape);
  if (
    !Array.isArray(inputShape) ||
    inputShape.length === 0 ||
    !inputShape.every((n) => Number.isInteger(n) && n >= 1)
  ) {
    throw invalidArgument(
      `Argument \`inputShape\` must be a non-empty array of integers >= 1 (one input, without the batch axis). Received: inputShape=${shown}`,
    );
  }
  if (spec.kind === 'convnet') {
    // Two 2x2 poolings need at least 4 pixels per side to leave one.
    const image = inputShape.length === 2 || inputShape.length === 3;
    if (!image || inputShape[0] < 4 || inputShape[1] < 4) {
      throw invalidArgument(
        `Argument \`inputShape\` must be [height, width] or [height, width, channels] with height, width >= 4 for a convnet. Received: inputShape=${shown}`,
      );
    }
  }
}
