import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import type { Dataset } from '../data/index.js';
import { embeddingHealth, type HealthMetrics, type HealthOptions } from '../health/index.js';
import { embedDataset, L2Normalize } from '../models/index.js';

/** Per model ending in L2Normalize: the same network without that layer (sharing its weights). */
const bodies = new WeakMap<tfl.LayersModel, tfl.LayersModel>();

/**
 * `embeddingHealth` of `dataset` as `model` embeds it. When the model ends with an `L2Normalize`
 * layer, the norms reported are those of that layer's input: the normalized rows all have norm 1,
 * and only the raw ones can show the norms shrinking to 0 or exploding. `embedBody` computes the
 * rows before that layer (the model's outputs when it has none) another way, on worker threads
 * (`ParallelTrainer.embedBody`); when it returns undefined, or is not given, this thread does.
 *
 * @example
 * const health = modelHealth(model, probe, { margin: 0.2 }); // health.norms.mean: before normalization
 */
export function modelHealth(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: Omit<HealthOptions, 'preNormalization'> = {},
  embedBody?: (dataset: Dataset) => tf.Tensor2D | undefined,
): HealthMetrics {
  const last = model.layers[model.layers.length - 1];
  const normalized = last instanceof L2Normalize;
  const raw = embedBody?.(dataset) ?? embedDataset(normalized ? bodyOf(model, last) : model, dataset);
  if (!normalized) {
    try {
      return embeddingHealth(raw, dataset.labels, options);
    } finally {
      raw.dispose();
    }
  }
  const embeddings = tf.tidy(() => last.apply(raw) as tf.Tensor2D);
  try {
    return embeddingHealth(embeddings, dataset.labels, { ...options, preNormalization: raw });
  } finally {
    tf.dispose([raw, embeddings]);
  }
}

function bodyOf(model: tfl.LayersModel, last: tfl.layers.Layer): tfl.LayersModel {
  let body = bodies.get(model);
  if (body === undefined) {
    body = tfl.model({ inputs: model.inputs, outputs: last.input as tfl.SymbolicTensor });
    bodies.set(model, body);
  }
  return body;
}
