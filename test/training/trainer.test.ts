import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import { createDataset, type Dataset } from '../../src/data/index.js';
import { TripletMarginLoss } from '../../src/losses/index.js';
import { buildModel } from '../../src/models/index.js';
import { createOptimizer } from '../../src/optimizers/index.js';
import { Random } from '../../src/random.js';
import { MPerClassSampler } from '../../src/samplers/index.js';
import type { Callback } from '../../src/training/callback.js';
import type { StepRecord } from '../../src/training/step-record.js';
import { Trainer, type TrainerOptions } from '../../src/training/trainer.js';

/** Three classes of 8 points in 4-D, class c around 3 e_c. */
function blobs(): Dataset {
  const rng = new Random(7);
  const features: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 8; i++) {
      for (let k = 0; k < 4; k++) features.push((k === c ? 3 : 0) + rng.normal());
      labels.push(c);
    }
  }
  return createDataset({
    features: new Float32Array(features),
    sampleShape: [4],
    labels: new Int32Array(labels),
    classNames: ['a', 'b', 'c'],
    source: 'inline',
  });
}

/** A tiny MLP trainer on the blobs: 3 classes x 2 samples a batch, every triplet of the batch. */
function makeTrainer(callbacks: Array<Callback<Trainer>>, options: Partial<TrainerOptions> = {}): Trainer {
  const train = options.train ?? blobs();
  const model = buildModel('mlp:8', { inputShape: [4], embeddingDim: 3, seed: 1 });
  return new Trainer({
    model,
    optimizer: createOptimizer({ name: 'adam', lr: 0.01 }),
    loss: new TripletMarginLoss({ margin: 0.2 }),
    miner: null,
    sampler: new MPerClassSampler(train.labels, { m: 2, batchSize: 6, rng: new Random(0) }),
    train,
    totalSteps: 7,
    stepsPerEpoch: 3,
    logEvery: 1,
    callbacks,
    ...options,
  });
}

/** A callback that writes down every hook in the order the trainer calls it. */
function recorder(onStep?: (trainer: Trainer, record: StepRecord) => void) {
  const events: string[] = [];
  const records: StepRecord[] = [];
  const callback: Callback<Trainer> = {
    onTrainBegin: (t) => void events.push(`trainBegin@${t.step}`),
    onEpochBegin: (_t, epoch) => void events.push(`epochBegin ${epoch}`),
    onStepEnd: (t, record) => {
      events.push(`step ${record.step}`);
      records.push(record);
      assert.equal(t.step, record.step + 1, 'trainer.step is the index of the next step at onStepEnd');
      onStep?.(t, record);
    },
    // Async hooks are awaited in order: the next event must not be recorded before this one.
    onEpochEnd: async (_t, epoch) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      events.push(`epochEnd ${epoch}`);
    },
    onTrainEnd: (t) => void events.push(`trainEnd@${t.step}`),
  };
  return { events, records, callback };
}

const weightValues = (model: Trainer['model']) => model.getWeights().map((w) => Array.from(w.dataSync()));

describe('Trainer', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('calls the hooks in order over 7 steps of 3-step epochs; the partial last epoch ends at totalSteps', async () => {
    const { events, records, callback } = recorder();
    const trainer = makeTrainer([callback]);
    await trainer.fit();
    assert.deepEqual(events, [
      'trainBegin@0',
      'epochBegin 0',
      'step 0',
      'step 1',
      'step 2',
      'epochEnd 0',
      'epochBegin 1',
      'step 3',
      'step 4',
      'step 5',
      'epochEnd 1',
      'epochBegin 2',
      'step 6',
      'epochEnd 2',
      'trainEnd@7',
    ]);
    assert.deepEqual(
      records.map((r) => r.epoch),
      [0, 0, 0, 1, 1, 1, 2],
    );
    assert.equal(trainer.step, 7);
    assert.equal(trainer.stopped, null);
    for (const r of records) {
      assert.ok(
        [r.loss, r.lr, r.gradNorm, r.updateRatio, r.meanAP, r.meanAN].every(Number.isFinite),
        JSON.stringify(r),
      );
      // 6 rows, 3 classes x 2: each of the 6 anchors has 1 positive and 4 negatives.
      assert.equal(r.numTriplets, 24);
      assert.equal(r.lr, 0.01);
    }
    const seconds = records.map((r) => r.seconds);
    assert.ok(
      seconds.every((s, i) => s >= 0 && (i === 0 || s >= seconds[i - 1])),
      `seconds ${seconds}`,
    );
    trainer.model.dispose();
    trainer.optimizer.dispose();
  });

  it('several callbacks run in the order given, each hook for all of them before the next hook', async () => {
    const calls: string[] = [];
    const named = (name: string): Callback<Trainer> => ({
      onStepEnd: async (_t, r) => {
        if (name === 'a') await new Promise((resolve) => setTimeout(resolve, 2));
        calls.push(`${name}${r.step}`);
      },
    });
    const trainer = makeTrainer([named('a'), named('b')], { totalSteps: 2 });
    await trainer.fit();
    assert.deepEqual(calls, ['a0', 'b0', 'a1', 'b1']);
    trainer.model.dispose();
    trainer.optimizer.dispose();
  });

  it('requestStop ends the run after the current step, without onEpochEnd for the unfinished epoch', async () => {
    const { events, callback } = recorder((t, r) => {
      if (r.step === 4) t.requestStop('interrupted', 'first');
      if (r.step === 4) t.requestStop('collapse', 'second'); // the first request is the one kept
    });
    const trainer = makeTrainer([callback]);
    await trainer.fit();
    assert.deepEqual(events, [
      'trainBegin@0',
      'epochBegin 0',
      'step 0',
      'step 1',
      'step 2',
      'epochEnd 0',
      'epochBegin 1',
      'step 3',
      'step 4',
      'trainEnd@5',
    ]);
    assert.equal(trainer.step, 5);
    assert.deepEqual(trainer.stopped, { kind: 'interrupted', reason: 'first' });
    trainer.model.dispose();
    trainer.optimizer.dispose();
  });

  it('a stop requested on the last step of an epoch still ends that epoch, and starts no other', async () => {
    const { events, callback } = recorder((t, r) =>
      r.step === 2 ? t.requestStop('collapse', 'at an epoch end') : undefined,
    );
    const trainer = makeTrainer([callback]);
    await trainer.fit();
    assert.deepEqual(events, [
      'trainBegin@0',
      'epochBegin 0',
      'step 0',
      'step 1',
      'step 2',
      'epochEnd 0',
      'trainEnd@3',
    ]);
    assert.equal(trainer.stopped?.kind, 'collapse');
    trainer.model.dispose();
    trainer.optimizer.dispose();
  });

  it('a stop requested before the first step takes no step', async () => {
    const { events, callback } = recorder();
    const stopAtBegin: Callback<Trainer> = { onTrainBegin: (t) => t.requestStop('interrupted', 'at once') };
    const trainer = makeTrainer([stopAtBegin, callback]);
    const before = weightValues(trainer.model);
    await trainer.fit();
    assert.deepEqual(events, ['trainBegin@0', 'trainEnd@0']);
    assert.equal(trainer.step, 0);
    assert.deepEqual(weightValues(trainer.model), before);
    trainer.model.dispose();
    trainer.optimizer.dispose();
  });

  it('a run started at startStep counts its steps and epochs from there', async () => {
    const { events, records, callback } = recorder();
    const trainer = makeTrainer([callback], { startStep: 3 });
    await trainer.fit();
    assert.deepEqual(events, [
      'trainBegin@3',
      'epochBegin 1',
      'step 3',
      'step 4',
      'step 5',
      'epochEnd 1',
      'epochBegin 2',
      'step 6',
      'epochEnd 2',
      'trainEnd@7',
    ]);
    assert.deepEqual(
      records.map((r) => r.epoch),
      [1, 1, 1, 2],
    );
    trainer.model.dispose();
    trainer.optimizer.dispose();
  });

  it('a run resumed mid-epoch ends that epoch without beginning it again (it began before the checkpoint)', async () => {
    const { events, callback } = recorder();
    const trainer = makeTrainer([callback], { startStep: 4 });
    await trainer.fit();
    assert.deepEqual(events, [
      'trainBegin@4',
      'step 4',
      'step 5',
      'epochEnd 1',
      'epochBegin 2',
      'step 6',
      'epochEnd 2',
      'trainEnd@7',
    ]);
    trainer.model.dispose();
    trainer.optimizer.dispose();
  });

  it('does not apply a step whose loss is not finite, goes on with the next one, and leaks nothing', async () => {
    const train = blobs();
    const clean = train.features.slice();
    const snapshots = new Map<number, number[][]>();
    const counts = new Map<number, number>();
    const { records, callback } = recorder((t, r) => {
      snapshots.set(r.step, weightValues(t.model));
      counts.set(r.step, tf.memory().numTensors);
      // Poison every input after step 1 (step 2 embeds NaN), restore it after step 2.
      if (r.step === 1) train.features.fill(NaN);
      if (r.step === 2) train.features.set(clean);
    });
    const trainer = makeTrainer([callback], { train, totalSteps: 4 });
    await trainer.fit();
    const [r1, r2, r3] = [records[1], records[2], records[3]];
    assert.ok(Number.isNaN(r2.loss), `step 2 loss ${r2.loss}`);
    assert.ok(!Number.isFinite(r2.gradNorm) && Number.isNaN(r2.updateRatio));
    assert.ok(Number.isFinite(r1.loss) && Number.isFinite(r3.loss));
    // Step 2 left the weights as step 1 did; they are finite; step 3 moved them again.
    assert.deepEqual(snapshots.get(2), snapshots.get(1));
    assert.ok(snapshots.get(2)?.flat().every(Number.isFinite));
    assert.notDeepEqual(snapshots.get(3), snapshots.get(2));
    assert.ok(snapshots.get(3)?.flat().every(Number.isFinite));
    // The optimizer's slots exist after step 0; no step, applied or not, adds a tensor.
    assert.deepEqual([counts.get(1), counts.get(2), counts.get(3)], [counts.get(0), counts.get(0), counts.get(0)]);
    trainer.model.dispose();
    trainer.optimizer.dispose();
  });

  it('does not apply an update that would make a weight infinite, flags the step, and leaks nothing', async () => {
    const snapshots = new Map<number, number[][]>();
    const counts = new Map<number, number>();
    const { records, callback } = recorder((t, r) => {
      snapshots.set(r.step, weightValues(t.model));
      counts.set(r.step, tf.memory().numTensors);
    });
    const fresh = makeTrainer([]);
    const initial = weightValues(fresh.model);
    fresh.model.dispose();
    fresh.optimizer.dispose();
    // An lr beyond float32 (1e300 -> Infinity) turns any finite, non-zero gradient into an infinite update.
    const trainer = makeTrainer([callback], {
      optimizer: createOptimizer({ name: 'sgd', lr: 1e300, momentum: 0 }),
      totalSteps: 3,
    });
    await trainer.fit();
    for (const r of records) {
      assert.ok(
        Number.isFinite(r.loss) && Number.isFinite(r.gradNorm),
        `step ${r.step}: the loss and the gradient are finite`,
      );
      assert.equal(r.nonFiniteUpdate, true, `step ${r.step} is flagged`);
      assert.ok(Number.isNaN(r.updateRatio));
      assert.deepEqual(snapshots.get(r.step), initial, `step ${r.step} kept the weights`);
    }
    assert.deepEqual([counts.get(1), counts.get(2)], [counts.get(0), counts.get(0)]);
    // An ordinary step carries no flag.
    const { records: plain, callback: plainCallback } = recorder();
    const ordinary = makeTrainer([plainCallback], { totalSteps: 1 });
    await ordinary.fit();
    assert.equal('nonFiniteUpdate' in plain[0], false);
    for (const t of [trainer, ordinary]) {
      t.model.dispose();
      t.optimizer.dispose();
    }
  });

  it('rejects a totalSteps or stepsPerEpoch that is not a positive integer, naming it', () => {
    assert.throws(() => makeTrainer([], { totalSteps: 0 }), {
      code: 'invalid-argument',
      message: /`totalSteps` must be an integer > 0. Received: totalSteps=0/,
    });
    assert.throws(() => makeTrainer([], { stepsPerEpoch: 1.5 }), {
      code: 'invalid-argument',
      message: /`stepsPerEpoch`.*Received: stepsPerEpoch=1.5/,
    });
  });
});
