import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../../src/tf.js';
import { Random } from '../../../src/random.js';
import { DeepmetricError } from '../../../src/errors.js';
import { createDataset, type Dataset } from '../../../src/data/index.js';
import { buildModel, embedDataset } from '../../../src/models/index.js';
import { createOptimizer } from '../../../src/optimizers/index.js';
import { MPerClassSampler } from '../../../src/samplers/index.js';
import { TripletMarginLoss } from '../../../src/losses/index.js';
import { BatchHardMiner } from '../../../src/miners/index.js';
import { Trainer, type TrainerOptions } from '../../../src/training/trainer.js';
import { runTraining } from '../../../src/run/index.js';
import {
  embedDatasetParallel,
  GradientWorkers,
  ParallelTrainer,
  resolveWorkers,
} from '../../../src/training/parallel/index.js';
import type { Trainer as TrainerType } from '../../../src/training/trainer.js';
import { describeBackends } from '../../helpers/tensors.js';
import { tinyRunConfig } from '../../helpers/tiny-run.js';

const SIZE = 12;
const CLASSES = 4;
const STEPS = 6;

/** Four classes of 12 x 12 images, a bright 3 x 3 blob at the class's place over noise. */
function blobs(perClass: number): Dataset {
  const rng = new Random(11);
  const n = CLASSES * perClass;
  const features = new Float32Array(n * SIZE * SIZE);
  const labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    labels[s] = s % CLASSES;
    const top = 1 + labels[s] * 2;
    const left = 8 - labels[s] * 2;
    for (let p = 0; p < SIZE * SIZE; p++) {
      const [y, x] = [Math.floor(p / SIZE), p % SIZE];
      features[s * SIZE * SIZE + p] =
        (y >= top && y < top + 3 && x >= left && x < left + 3 ? 1 : 0) + 0.3 * rng.normal();
    }
  }
  return createDataset({
    features,
    sampleShape: [SIZE, SIZE, 1],
    labels,
    classNames: ['a', 'b', 'c', 'd'],
    source: 'blobs',
  });
}

interface Run {
  losses: number[];
  weights: Float32Array[];
}

/** STEPS Adam steps of a small seeded convnet with batch-hard triplet loss; `workers` 0 is the plain Trainer. */
async function train(data: Dataset, workers: number): Promise<Run> {
  const model = buildModel('convnet:4,8,16', {
    inputShape: [SIZE, SIZE, 1],
    embeddingDim: 8,
    normalize: true,
    seed: 3,
  });
  const optimizer = createOptimizer({ name: 'adam', lr: 0.01 });
  const losses: number[] = [];
  const options: TrainerOptions = {
    model,
    optimizer,
    loss: new TripletMarginLoss({ margin: 0.2 }),
    miner: new BatchHardMiner(),
    sampler: new MPerClassSampler(data.labels, { m: 4, batchSize: 16, rng: new Random(5) }),
    train: data,
    totalSteps: STEPS,
    stepsPerEpoch: STEPS,
    logEvery: 2,
    callbacks: [{ onStepEnd: (_t, record) => void losses.push(record.loss) }],
  };
  const trainer = workers === 0 ? new Trainer(options) : new ParallelTrainer({ ...options, workers });
  await trainer.fit();
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  model.dispose();
  optimizer.dispose();
  return { losses, weights };
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

describeBackends(['wasm'], 'ParallelTrainer', () => {
  it(`with 1 worker gives the plain Trainer's run bit for bit; with 2, the same within float tolerance, and the same run twice (${STEPS} steps)`, async (t) => {
    const data = blobs(12);
    const before = tf.memory().numTensors;
    const plain = await train(data, 0);
    const one = await train(data, 1);
    const two = await train(data, 2);
    const again = await train(data, 2);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    assert.ok(plain.losses[STEPS - 1] < plain.losses[0], `the net learns: ${plain.losses}`);

    assert.deepEqual(one.losses, plain.losses);
    assert.equal(maxDiff(one.weights, plain.weights), 0, 'one worker: weights differ');

    const lossDiff = Math.max(...two.losses.map((l, i) => Math.abs(l - plain.losses[i])));
    const weightDiff = maxDiff(two.weights, plain.weights);
    t.diagnostic(
      `two workers vs plain: max |loss diff| ${lossDiff.toExponential(2)}, max |weight diff| ${weightDiff.toExponential(2)}`,
    );
    assert.ok(lossDiff <= 1e-5, `loss diff ${lossDiff}`);
    assert.ok(weightDiff <= 1e-4, `weight diff ${weightDiff}`);

    assert.deepEqual(again.losses, two.losses);
    assert.equal(maxDiff(again.weights, two.weights), 0, 'two workers: runs differ');
  });

  it("embedDatasetParallel gives embedDataset's embeddings value for value", async () => {
    const data = blobs(40);
    const model = buildModel('convnet:4,8,16', {
      inputShape: [SIZE, SIZE, 1],
      embeddingDim: 8,
      normalize: true,
      seed: 4,
    });
    const serial = embedDataset(model, data, 16);
    const parallel = await embedDatasetParallel(model, data, { threads: 3, batchSize: 16 });
    assert.deepEqual(parallel.shape, serial.shape);
    assert.deepEqual(Array.from(parallel.dataSync()), Array.from(serial.dataSync()));
    // One thread, or too few rows for two batches: no worker, embedDataset itself.
    const single = await embedDatasetParallel(model, data, { threads: 1, batchSize: 16 });
    assert.deepEqual(Array.from(single.dataSync()), Array.from(serial.dataSync()));
    tf.dispose([serial, parallel, single]);
    model.dispose();
  });

  it('embeds the health probe on its workers as this thread does, before the final L2Normalize, in chunks of its batch size', async () => {
    const data = blobs(12); // 48 rows: 16, 16, 16 on two workers
    const model = buildModel('convnet:4,8,16', {
      inputShape: [SIZE, SIZE, 1],
      embeddingDim: 8,
      normalize: true,
      seed: 6,
    });
    const trainer = new ParallelTrainer({
      model,
      optimizer: createOptimizer({ name: 'adam', lr: 0.01 }),
      loss: new TripletMarginLoss({ margin: 0.2 }),
      miner: new BatchHardMiner(),
      sampler: new MPerClassSampler(data.labels, { m: 4, batchSize: 16, rng: new Random(5) }),
      train: data,
      totalSteps: 2,
      stepsPerEpoch: 2,
      workers: 2,
    });
    assert.equal(trainer.embedBody(data), undefined, 'no workers yet: this thread embeds');
    await trainer.start();
    try {
      trainer.trainStep(); // the workers' replicas must follow the weights the step changed
      const before = tf.memory().numTensors;
      const onWorkers = trainer.embedBody(data)!;
      const body = tfl.model({
        inputs: model.inputs,
        outputs: model.layers[model.layers.length - 1].input as tfl.SymbolicTensor,
      });
      const here = embedDataset(body, data);
      assert.deepEqual(onWorkers.shape, [48, 8]);
      assert.deepEqual(Array.from(onWorkers.dataSync()), Array.from(here.dataSync()));
      // Not normalized: the rows before L2Normalize, whose norms the probe reports.
      assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(tf.norm(onWorkers, 2, 1), 1))).dataSync()[0]) > 1e-3);
      tf.dispose([onWorkers, here]);
      assert.equal(tf.memory().numTensors, before);
    } finally {
      await trainer.close();
      model.dispose();
    }
  });

  it('reports a failing step as an error, and the workers serve the next step', async () => {
    const data = blobs(4);
    const model = buildModel('convnet:4,8,16', { inputShape: [SIZE, SIZE, 1], embeddingDim: 8, seed: 5 });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const pool = await GradientWorkers.start({ model, workers: 2, maxRows: 16, sampleShape: [SIZE, SIZE, 1] });
    try {
      const rows = Int32Array.from({ length: 16 }, (_, i) => i);
      assert.throws(
        () =>
          pool.lossAndGradients(data, rows, variables, () => {
            throw new Error('loss failed');
          }),
        /loss failed/,
      );
      const before = tf.memory().numTensors;
      const { value, grads } = pool.lossAndGradients(data, rows, variables, (e) => tf.sum(tf.square(e)));
      assert.ok(Number.isFinite(value.dataSync()[0]));
      assert.deepEqual(
        Object.keys(grads),
        variables.map((v) => v.name),
      );
      tf.dispose([value, grads]);
      assert.equal(tf.memory().numTensors, before, 'a step leaves tensors behind');
      assert.throws(() => pool.lossAndGradients(data, new Int32Array(17), variables, (e) => tf.sum(e)), /1 to 16 rows/);
    } finally {
      await pool.close();
      model.dispose();
    }
  });
});

it('runTraining with 2 workers, resumed after an interruption, ends with the same weights as an uninterrupted run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dm-parallel-resume-'));
  const straight = await tinyRunConfig(dir, { out: join(dir, 'straight'), workers: 2, steps: 10, miner: 'batch-hard' });
  await runTraining(straight, { progress: null });
  const interrupted = { ...straight, out: join(dir, 'interrupted') };
  const stopAt4 = {
    onStepEnd: (trainer: TrainerType) => (trainer.step === 4 ? trainer.requestStop('interrupted', 'test') : undefined),
  };
  assert.equal((await runTraining(interrupted, { progress: null, callbacks: [stopAt4] })).steps, 4);
  assert.equal((await runTraining(interrupted, { progress: null, resume: true })).steps, 10);
  const weights = async (run: string) => readFile(join(run, 'model', 'weights.bin'));
  assert.ok((await weights(straight.out)).equals(await weights(interrupted.out)), 'final weights differ');
});

it('resolveWorkers: a number as given; auto is every core for a convnet off the node backend, else 1', () => {
  assert.equal(resolveWorkers(3, { model: 'mlp', backend: 'wasm', batchSize: 80 }), 3);
  assert.equal(resolveWorkers('auto', { model: 'mlp:256,128', backend: 'wasm', batchSize: 80 }), 1);
  assert.equal(resolveWorkers('auto', { model: 'convnet', backend: 'node', batchSize: 80 }), 1);
  const cores = resolveWorkers('auto', { model: 'convnet', backend: 'wasm', batchSize: 80 });
  assert.ok(cores >= 1 && cores <= 80);
  assert.equal(resolveWorkers('auto', { model: 'convnet:8,16,32', backend: 'cpu', batchSize: 1 }), 1);
  assert.throws(
    () => resolveWorkers(0, { model: 'convnet', backend: 'wasm', batchSize: 80 }),
    /must be an integer >= 1 or 'auto'. Received: workers=0/,
  );
});

it('refuses models whose layers keep non-trainable weights, before starting a worker', async () => {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [4], units: 3 }), tfl.layers.batchNormalization()],
  });
  await assert.rejects(
    GradientWorkers.start({ model, workers: 2, maxRows: 8, sampleShape: [4] }),
    (e: unknown) => e instanceof DeepmetricError && /non-trainable weights/.test(e.message),
  );
  model.dispose();
});
