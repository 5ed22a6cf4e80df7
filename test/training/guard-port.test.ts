import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuardCallback, type GuardedTrainer, type GuardRun, type Mining } from '../../src/training/index.js';

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

const schedule = {
  lrAdjustment: { scale: 1, floor: 0, warmupStart: 0, warmupSteps: 0, warmupFrom: 1 },
  adjust: () => {},
};

describe('GuardCallback through its port (a fake trainer)', () => {
  it('a resumed guard reads its history before the resumed step and puts the remedies back through switchTo', async () => {
    const calls = { switched: [] as Mining[], history: [] as number[] };
    const guard = new GuardCallback({
      mode: 'warn',
      run: fakeRun(calls),
      schedule,
      healthyDir: '/nonexistent',
      parts: {},
      logEvery: 10,
      stream: null,
    });
    guard.loadState({ miner: 'semihard', normalizeEmbeddings: null });
    await guard.onTrainBegin(fakeTrainer(40));
    assert.deepEqual(calls.history, [40]);
    // The miner the remedy chose, the normalization the run started with.
    assert.deepEqual(calls.switched, [{ miner: 'semihard', normalizeEmbeddings: true }]);
  });

  it('a new run with no remedy switches nothing and reads no history', async () => {
    const calls = { switched: [] as Mining[], history: [] as number[] };
    const guard = new GuardCallback({
      mode: 'warn',
      run: fakeRun(calls),
      schedule,
      healthyDir: '/nonexistent',
      parts: {},
      logEvery: 10,
      stream: null,
    });
    await guard.onTrainBegin(fakeTrainer(0));
    assert.deepEqual(calls, { switched: [], history: [] });
  });

  it('off touches nothing of the run, even with saved remedies', async () => {
    const calls = { switched: [] as Mining[], history: [] as number[] };
    const guard = new GuardCallback({
      mode: 'off',
      run: fakeRun(calls),
      schedule,
      healthyDir: '/nonexistent',
      parts: {},
      logEvery: 10,
      stream: null,
    });
    guard.loadState({ miner: 'semihard', normalizeEmbeddings: true });
    await guard.onTrainBegin(fakeTrainer(40));
    assert.deepEqual(calls, { switched: [], history: [] });
  });
});
