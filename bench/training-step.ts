/**
 * The training step bench/train.bench.ts times and bench/profile-step.bench.ts takes apart, both
 * against torch (bench/reference/train.py, profile_step.py): its settings, deepmetric's Trainer of
 * it, and the files the torch reference reads (the same images, batches and initial weights).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { tf } from '../src/tf.js';
import type { Dataset } from '../src/data/index.js';
import { buildModel } from '../src/models/index.js';
import { createOptimizer } from '../src/optimizers/index.js';
import { MPerClassSampler } from '../src/samplers/index.js';
import { Random } from '../src/random.js';
import { lossFor, minerFor, resolveConfig } from '../src/run/index.js';
import type { TrainerOptions } from '../src/training/trainer.js';

/** An L2-normalized embedding of 64, triplet margin loss with batch-hard mining, Adam, one seed. */
export const EMBEDDING_DIM = 64;
export const MARGIN = 0.2;
export const LR = 1e-3;
export const SEED = 0;

/** The P x K batches: `samples` rows of each of batch / samples classes, from the step's seed. */
export function stepSampler(labels: Int32Array, samples: number, batch: number): MPerClassSampler {
  return new MPerClassSampler(labels, {
    m: samples,
    batchSize: batch,
    lengthBeforeNewIter: 100 * batch,
    rng: new Random(SEED),
  });
}

/** The step's network of `spec`, as built at the step's seed (the initial weights of every side). */
export function stepModel(spec: string, train: Dataset): tfl.LayersModel {
  return buildModel(spec, { inputShape: train.sampleShape, embeddingDim: EMBEDDING_DIM, normalize: true, seed: SEED });
}

/** deepmetric's model, Adam and Trainer options of the step (the caller disposes model and optimizer). */
export function stepTrainer(
  spec: string,
  train: Dataset,
  sampler: MPerClassSampler,
): { model: tfl.LayersModel; optimizer: ReturnType<typeof createOptimizer>; options: TrainerOptions } {
  const config = resolveConfig({}, { model: spec, miner: 'batch-hard', margin: MARGIN, lr: LR, seed: SEED });
  const model = stepModel(spec, train);
  const optimizer = createOptimizer({ name: 'adam', lr: LR });
  const options: TrainerOptions = {
    model,
    optimizer,
    loss: lossFor(config, train.classNames.length),
    miner: minerFor('batch-hard', config),
    sampler,
    train,
    totalSteps: 1_000_000,
    stepsPerEpoch: 1_000_000,
    logEvery: 10,
  };
  return { model, optimizer, options };
}

/** Writes the images, labels and the next `steps` batches of `sampler` for the torch reference. */
export function writeStepData(
  dir: string,
  train: Dataset,
  sampler: MPerClassSampler,
  steps: number,
  batch: number,
): void {
  writeFileSync(join(dir, 'images.f32'), train.features);
  writeFileSync(join(dir, 'labels.i32'), train.labels);
  const batches = new Int32Array(steps * batch);
  for (let s = 0; s < steps; s++) batches.set(sampler.nextBatch(), s * batch);
  writeFileSync(join(dir, 'batches.i32'), batches);
}

/** Writes `weights` (tfjs order, flattened) as the torch reference's initial weights. */
export function writeStepWeights(dir: string, weights: readonly tf.Tensor[]): void {
  const flat = new Float32Array(weights.reduce((n, w) => n + w.size, 0));
  let offset = 0;
  for (const w of weights) {
    flat.set(w.dataSync(), offset);
    offset += w.size;
  }
  writeFileSync(join(dir, 'weights.f32'), flat);
}

/** Writes the config a torch reference script reads for `spec` on `threads` threads; returns its path. */
export function writeTorchConfig(
  dir: string,
  spec: string,
  threads: number,
  batch: number,
  extra: Record<string, number> = {},
): string {
  const path = join(dir, `config-${threads}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      model: spec,
      images: join(dir, 'images.f32'),
      labels: join(dir, 'labels.i32'),
      batches: join(dir, 'batches.i32'),
      batch,
      weights: join(dir, 'weights.f32'),
      embedding_dim: EMBEDDING_DIM,
      margin: MARGIN,
      lr: LR,
      threads,
      ...extra,
    }),
  );
  return path;
}
