import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/index.js';
import { createOptimizer } from '../../src/optimizers/index.js';
import {
  GuardCallback,
  type GuardOptions,
  type GuardedTrainer,
  type GuardRun,
  type Mining,
  type StepRecord,
} from '../../src/training/index.js';
import { healthySnapshot } from '../helpers/health-snapshot.js';

/** A trainer that is only what the guard reads: no model is trained. */
function fakeTrainer(startStep: number): GuardedTrainer {
  return {
    startStep,
    step: startStep,
    totalSteps: 100,
    seconds: 0,
    requestStop: () => {},
  } as unknown as GuardedTrainer;
}

function fakeRun(calls: { switched: Mining[]; history: number[] }): GuardRun {
  return {
    settings: { lr: 1e-3, normalize: true, miner: 'batch-hard', normalizeEmbeddings: true, margin: 0.2 },
    switchTo: (_trainer, mining) => void calls.switched.push(mining),
    history: async (beforeStep) => {
      calls.history.push(beforeStep);
      return [];
    },
  };
}

/** A guard in `mode` over the fake run: no healthy checkpoint folder, no parts, no output, unless `options` say. */
function fakeGuard(
  mode: GuardOptions['mode'],
  calls: { switched: Mining[]; history: number[] },
  options: Partial<GuardOptions<GuardedTrainer>> = {},
): GuardCallback<GuardedTrainer> {
  return new GuardCallback<GuardedTrainer>({
    mode,
    run: fakeRun(calls),
    schedule,
    healthyDir: '/nonexistent',
    parts: {},
    logEvery: 10,
    stream: null,
    ...options,
  });
}

/** A step whose loss and gradient are NaN: the guard acts on it at once. */
const nanStep = (step: number): StepRecord => ({
  step,
  epoch: 0,
  loss: NaN,
  lr: 1e-3,
  numTriplets: 10,
  activeFraction: 1,
  meanAP: NaN,
  meanAN: NaN,
  gradNorm: NaN,
  updateRatio: NaN,
  seconds: 1,
});

const schedule = {
  lrAdjustment: { scale: 1, floor: 0, warmupStart: 0, warmupSteps: 0, warmupFrom: 1 },
  adjust: () => {},
};

describe('GuardCallback through its port (a fake trainer)', () => {
  it('a resumed guard reads its history before the resumed step and puts the remedies back through switchTo', async () => {
    const calls = { switched: [] as Mining[], history: [] as number[] };
    const guard = fakeGuard('warn', calls);
    guard.loadState({ miner: 'semihard', normalizeEmbeddings: null });
    await guard.onTrainBegin(fakeTrainer(40));
    assert.deepEqual(calls.history, [40]);
    // The miner the remedy chose, the normalization the run started with.
    assert.deepEqual(calls.switched, [{ miner: 'semihard', normalizeEmbeddings: true, curriculum: 'none' }]);
  });

  it('a new run with no remedy switches nothing and reads no history', async () => {
    const calls = { switched: [] as Mining[], history: [] as number[] };
    const guard = fakeGuard('warn', calls);
    await guard.onTrainBegin(fakeTrainer(0));
    assert.deepEqual(calls, { switched: [], history: [] });
  });

  it('off touches nothing of the run, even with saved remedies', async () => {
    const calls = { switched: [] as Mining[], history: [] as number[] };
    const guard = fakeGuard('off', calls);
    guard.loadState({ miner: 'semihard', normalizeEmbeddings: true });
    await guard.onTrainBegin(fakeTrainer(40));
    assert.deepEqual(calls, { switched: [], history: [] });
  });
});

describe('GuardCallback acting on a non-finite step (a fake trainer)', () => {
  const stopping = () => {
    const stops: Array<[string, string]> = [];
    const trainer = {
      ...fakeTrainer(0),
      requestStop: (kind: string, reason: string) => void stops.push([kind, reason]),
    };
    return { trainer: trainer as unknown as GuardedTrainer, stops };
  };
  const calls = () => ({ switched: [] as Mining[], history: [] as number[] });

  it('warn records and prints the verdict at that step, and lets the run go on', async () => {
    const { trainer, stops } = stopping();
    let printed = '';
    const stream = { write: (text: string) => ((printed += text), true) } as unknown as NodeJS.WritableStream;
    const guard = fakeGuard('warn', calls(), { stream });
    const record: StepRecord = nanStep(3);
    await guard.onStepEnd(trainer, record);
    assert.deepEqual(stops, []);
    assert.equal(record.guard?.verdict, 'collapsed');
    assert.equal(record.guard?.action, 'warned');
    assert.match(printed, /deepmetric guard: step 3: collapsed/);
    assert.deepEqual(guard.summary().actions, [{ step: 3, verdict: 'collapsed', action: 'warned' }]);
  });

  it('stop asks the trainer to stop with kind collapse and the step in the reason', async () => {
    const { trainer, stops } = stopping();
    const guard = fakeGuard('stop', calls());
    await guard.onStepEnd(trainer, nanStep(7));
    assert.equal(stops.length, 1);
    assert.equal(stops[0][0], 'collapse');
    assert.match(stops[0][1], /^collapsed.* at step 7/);
  });

  it('recover with no recovery left stops instead of rolling back, and switches nothing', async () => {
    const { trainer, stops } = stopping();
    const c = calls();
    const guard = fakeGuard('recover', c, { maxRecoveries: 0 });
    await guard.onStepEnd(trainer, nanStep(5));
    assert.equal(stops.length, 1);
    assert.match(stops[0][1], /0 recoveries used/);
    assert.deepEqual(c.switched, []);
  });
});

describe("GuardCallback rollback of a loss's own parameters", () => {
  it('recover restores the parts named in `rollback` from the healthy checkpoint, and leaves the others', async () => {
    await initBackend('cpu');
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-rollback-'));
    const model = buildModel('mlp:4', { inputShape: [3], embeddingDim: 2, seed: 0 });
    const optimizer = createOptimizer({ name: 'adam', lr: 0.01 });
    let weights = [1, 2];
    let sampler = 7;
    const parts = {
      lossWeights: { state: () => [...weights], loadState: (s: unknown) => void (weights = s as number[]) },
      sampler: { state: () => sampler, loadState: (s: unknown) => void (sampler = s as number) },
    };
    const stops: string[] = [];
    const trainer = {
      model,
      optimizer,
      startStep: 0,
      step: 0,
      totalSteps: 100,
      seconds: 0,
      requestStop: (_k: string, reason: string) => void stops.push(reason),
    } as unknown as GuardedTrainer;
    const guard = fakeGuard(
      'recover',
      { switched: [], history: [] },
      { healthyDir: join(dir, 'healthy'), parts, rollback: ['lossWeights'] },
    );
    await guard.onTrainBegin(trainer);
    weights = [5, 6];
    sampler = 9;
    (trainer as { step: number }).step = 3;
    await guard.onStepEnd(trainer, nanStep(3));
    assert.deepEqual(stops, []);
    assert.deepEqual(weights, [1, 2]);
    assert.equal(sampler, 9);
    model.dispose();
    optimizer.dispose();
  });
});

describe('GuardCallback diagnoses the mining the step trained with', () => {
  const collapsed = healthySnapshot({
    meanNormalizedDistance: 0.01,
    meanNormalizedDistanceRatio: 0.01 / 0.66,
    normalizedStdSqrtDim: 0.01,
    violationFraction: 1,
  });
  /** A probe step with the loss at the margin (0.2) and the embeddings collapsed, trained with `mining`. */
  const probe = (step: number, mining?: string): StepRecord => ({
    ...nanStep(step),
    loss: 0.2,
    gradNorm: 0.5,
    updateRatio: 0.001,
    ...(mining === undefined ? {} : { mining }),
    health: collapsed,
  });
  const causesAfter = async (mining?: string) => {
    const guard = fakeGuard('warn', { switched: [], history: [] });
    await guard.onStepEnd(fakeTrainer(0), probe(50, mining));
    return guard.lastReport?.causes.map((c) => c.id) ?? [];
  };

  it("a curriculum's semi-hard stage is not blamed on the run's hard miner; its hard stage and an unlabelled step are", async () => {
    // The run's settings say batch-hard (fakeRun); the curriculum's first stage mines semi-hard.
    assert.ok(!(await causesAfter('semihard')).includes('mining-too-hard'));
    assert.equal((await causesAfter('batch-hard+3semihard+selective'))[0], 'mining-too-hard');
    assert.equal((await causesAfter())[0], 'mining-too-hard');
  });
});
