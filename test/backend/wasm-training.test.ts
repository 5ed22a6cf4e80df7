import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { createDataset, type Dataset } from '../../src/data/index.js';
import { buildModel, embedDataset } from '../../src/models/index.js';
import { createOptimizer } from '../../src/optimizers/index.js';
import { MPerClassSampler } from '../../src/samplers/index.js';
import { TripletMarginLoss } from '../../src/losses/index.js';
import { BatchHardMiner } from '../../src/miners/index.js';
import { retrievalMetrics } from '../../src/evaluation/index.js';
import { Trainer } from '../../src/training/trainer.js';
import { describeBackends } from '../helpers/tensors.js';

const SIZE = 12;
const CLASSES = 10;
const BATCH = 16;
const STEPS = 20;

/** conv-pool-conv-pool-dense with seeded Glorot kernels, so that every run starts alike. */
function convNet(): tfl.Sequential {
  const kernel = (seed: number) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed }) });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [SIZE, SIZE, 1], filters: 6, kernelSize: 3, activation: 'relu', ...kernel(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', ...kernel(2) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: CLASSES, ...kernel(3) }),
    ],
  });
}

interface Batch {
  images: Float32Array;
  labels: Int32Array;
}

/** Images whose class draws a bright 3x3 blob at its own place, plus noise: a task the net can learn. */
function batches(seed: number): Batch[] {
  const rng = new Random(seed);
  return Array.from({ length: STEPS }, () => {
    const images = new Float32Array(BATCH * SIZE * SIZE);
    const labels = Int32Array.from({ length: BATCH }, () => rng.int(CLASSES));
    for (let b = 0; b < BATCH; b++) {
      const top = 1 + ((labels[b] * 3) % (SIZE - 4));
      const left = 1 + ((labels[b] * 7) % (SIZE - 4));
      for (let i = 0; i < SIZE; i++) {
        for (let j = 0; j < SIZE; j++) {
          const blob = i >= top && i < top + 3 && j >= left && j < left + 3 ? 1 : 0;
          images[(b * SIZE + i) * SIZE + j] = blob + 0.3 * rng.normal();
        }
      }
    }
    return { images, labels };
  });
}

/**
 * Losses of STEPS Adam steps from `initial` weights (read from a model built on cpu and set on
 * both backends), on the current backend; the model is disposed after.
 */
function train(initial: Array<{ values: Float32Array; shape: number[] }>, data: Batch[]): number[] {
  const model = convNet();
  const weights = initial.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(weights);
  tf.dispose(weights);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(0.01);
  const losses: number[] = [];
  for (const { images, labels } of data) {
    const x = tf.tensor4d(images, [BATCH, SIZE, SIZE, 1]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES));
    const cost = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
      true,
      variables,
    );
    assert.ok(cost !== null);
    losses.push(cost.dataSync()[0]);
    tf.dispose([x, y, cost]);
  }
  optimizer.dispose();
  model.layers.forEach((layer) => layer.dispose());
  return losses;
}

describeBackends(['wasm'], 'training a ConvNet on wasm', () => {
  it(`gives the cpu backend's losses over ${STEPS} steps (within 1e-3), and leaks nothing`, async (t) => {
    const data = batches(7);
    await tf.setBackend('cpu');
    const seedModel = convNet();
    const initial = seedModel.getWeights().map((w) => ({ values: Float32Array.from(w.dataSync()), shape: w.shape }));
    seedModel.layers.forEach((layer) => layer.dispose());
    const cpuLosses = train(initial, data);
    await tf.setBackend('wasm');

    const before = tf.memory().numTensors;
    const wasmLosses = train(initial, data);
    assert.equal(tf.memory().numTensors, before, 'tensors left after training on wasm');

    assert.ok(cpuLosses[STEPS - 1] < 0.8 * cpuLosses[0], `the net learns: ${cpuLosses[0]} -> ${cpuLosses[STEPS - 1]}`);
    const worst = Math.max(...wasmLosses.map((l, i) => Math.abs(l - cpuLosses[i])));
    t.diagnostic(
      `loss ${cpuLosses[0].toFixed(4)} -> ${cpuLosses[STEPS - 1].toFixed(4)}; max |wasm - cpu| ${worst.toExponential(2)}`,
    );
    for (let step = 0; step < STEPS; step++) {
      const diff = Math.abs(wasmLosses[step] - cpuLosses[step]);
      assert.ok(
        diff <= 1e-3,
        `step ${step}: wasm loss ${wasmLosses[step]} vs cpu ${cpuLosses[step]} (|diff| ${diff.toExponential(2)})`,
      );
    }
  });
});

/** `perClass` images of each class: the class's blob over noise, as `batches` draws them, in a Dataset. */
function blobDataset(perClass: number, seed: number): Dataset {
  const rng = new Random(seed);
  const n = CLASSES * perClass;
  const features = new Float32Array(n * SIZE * SIZE);
  const labels = Int32Array.from({ length: n }, (_, i) => i % CLASSES);
  for (let b = 0; b < n; b++) {
    const top = 1 + ((labels[b] * 3) % (SIZE - 4));
    const left = 1 + ((labels[b] * 7) % (SIZE - 4));
    for (let p = 0; p < SIZE * SIZE; p++) {
      const [i, j] = [Math.floor(p / SIZE), p % SIZE];
      features[b * SIZE * SIZE + p] =
        (i >= top && i < top + 3 && j >= left && j < left + 3 ? 1 : 0) + 0.3 * rng.normal();
    }
  }
  return createDataset({
    features,
    sampleShape: [SIZE, SIZE, 1],
    labels,
    classNames: Array.from({ length: CLASSES }, (_, c) => String(c)),
    source: 'blobs',
  });
}

/** deepmetric's own training: a seeded convnet, batch-hard triplet loss, STEPS Adam steps; the losses and held-out precision@1. */
async function trainTriplet(train: Dataset, test: Dataset): Promise<{ losses: number[]; precisionAt1: number }> {
  const model = buildModel('convnet:4,8,16', {
    inputShape: [SIZE, SIZE, 1],
    embeddingDim: 8,
    normalize: true,
    seed: 9,
  });
  const optimizer = createOptimizer({ name: 'adam', lr: 0.01 });
  const losses: number[] = [];
  const trainer = new Trainer({
    model,
    optimizer,
    loss: new TripletMarginLoss({ margin: 0.2 }),
    miner: new BatchHardMiner(),
    sampler: new MPerClassSampler(train.labels, { m: 4, batchSize: 16, rng: new Random(4) }),
    train,
    totalSteps: STEPS,
    stepsPerEpoch: STEPS,
    callbacks: [{ onStepEnd: (_t, record) => void losses.push(record.loss) }],
  });
  await trainer.fit();
  const embeddings = embedDataset(model, test, 64);
  const { precisionAt1 } = retrievalMetrics({ query: embeddings, queryLabels: test.labels });
  tf.dispose(embeddings);
  model.dispose();
  optimizer.dispose();
  return { losses, precisionAt1 };
}

describeBackends(['wasm'], 'triplet training on wasm', () => {
  it(`gives the cpu backend's losses (within 1e-4) and held-out precision@1 over ${STEPS} batch-hard steps of a convnet`, async (t) => {
    const train = blobDataset(12, 21);
    const test = blobDataset(6, 22);
    await tf.setBackend('cpu');
    const cpu = await trainTriplet(train, test);
    await tf.setBackend('wasm');
    const wasm = await trainTriplet(train, test);
    const worst = Math.max(...wasm.losses.map((l, i) => Math.abs(l - cpu.losses[i])));
    t.diagnostic(
      `loss ${cpu.losses[0].toFixed(4)} -> ${cpu.losses[STEPS - 1].toFixed(4)}; max |wasm - cpu| ${worst.toExponential(2)}; precision@1 ${cpu.precisionAt1} / ${wasm.precisionAt1}`,
    );
    assert.ok(cpu.losses[STEPS - 1] < cpu.losses[0], `the net learns: ${cpu.losses[0]} -> ${cpu.losses[STEPS - 1]}`);
    assert.ok(worst <= 1e-4, `losses differ by ${worst}: cpu ${cpu.losses} wasm ${wasm.losses}`);
    assert.equal(wasm.precisionAt1, cpu.precisionAt1);
  });
});
