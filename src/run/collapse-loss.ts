import { tf } from '../tf.js';
import type { RunSettings } from '../health/index.js';
import { lossFor } from './run-parts.js';
import type { TrainConfig } from './train-config.js';

/**
 * What "the loss sits at the margin" means for the run's loss: its value on a collapsed batch (every
 * embedding the same unit vector, the run's P x K labels, every tuple of the batch). For the triplet
 * losses it is left to the margin, as the detector was built on; for ArcFace and ProxyAnchor, whose
 * value on a collapse depends on their class weights, it is NaN (not judged).
 *
 * @example
 * collapseLoss(resolveConfig({}, { loss: 'contrastive' })); // 1: the negative margin, every negative pair at distance 0
 */
export function collapseLoss(config: TrainConfig): number | undefined {
  if (config.loss === 'triplet' || config.loss === 'soft-triplet' || config.loss === 'selective-triplet')
    return undefined;
  if (config.loss === 'arcface' || config.loss === 'proxy-anchor') return NaN;
  const rows = config.classesPerBatch * config.samplesPerClass;
  const labels = Int32Array.from({ length: rows }, (_, i) => i % config.classesPerBatch);
  const loss = lossFor(config, config.classesPerBatch);
  try {
    const value = tf.tidy(() => {
      const collapsed = tf.cast(tf.oneHot(tf.zeros([rows], 'int32'), config.embeddingDim), 'float32') as tf.Tensor2D;
      return loss.compute(collapsed, labels);
    });
    const result = value.dataSync()[0];
    value.dispose();
    return result;
  } finally {
    loss.dispose();
  }
}

/**
 * The run's settings as the detector reads them: the config, and for a loss other than the triplet
 * losses its value on collapsed embeddings (`collapseLoss`). Needs a backend.
 *
 * @example
 * diagnose({ health, history, run: runSettings(config) });
 */
export function runSettings(config: TrainConfig): TrainConfig & RunSettings {
  const value = collapseLoss(config);
  return value === undefined ? config : { ...config, collapseLoss: value };
}
