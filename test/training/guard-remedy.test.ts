import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CauseId, HealthReport } from '../../src/health/index.js';
import {
  MIN_REMEDY_CONFIDENCE,
  planRemedy,
  REMEDY_WARMUP_STEPS,
  type LiveRun,
} from '../../src/training/guard-remedy.js';
import { resolveConfig, type TrainConfig } from '../../src/run/index.js';
import type { MinerName } from '../../src/miners/index.js';

/** An unhealthy report naming `causes` (id and confidence), with the largest update ratio seen. */
function report(causes: Array<[CauseId, number]>, maxUpdateRatio = NaN): HealthReport {
  return {
    verdict: 'collapsing',
    onsetStep: null,
    evidence: { maxUpdateRatio },
    findings: [],
    causes: causes.map(([id, confidence]) => ({ id, confidence, evidence: '', remedy: '' })),
    limits: [],
  };
}

const config = (overrides: Partial<TrainConfig> = {}): TrainConfig => ({
  ...resolveConfig(),
  lr: 0.01,
  normalize: false,
  ...overrides,
});
const live = (overrides: Partial<LiveRun> = {}): LiveRun => ({
  miner: 'semihard',
  normalizeEmbeddings: true,
  curriculum: 'none',
  lrScale: 1,
  remainingSteps: 1000,
  ...overrides,
});

/** Relative closeness: the remedy rounds the new lr to two significant digits. */
const near = (actual: number, expected: number, rel = 0.05) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${actual} vs ${expected}`);
const sorted = (a: string[]) => [...a].sort();

// docs/collapse.md, "The causes, their evidence and their remedies", the `recover` column.
describe('planRemedy', () => {
  it('lr-too-high: lr x min(0.1, 0.01 / largest ratio), ramped over min(100, steps left / 5) steps (SGD at 200 -> 0.29)', () => {
    const plan = planRemedy(report([['lr-too-high', 0.85]], 6.9), config({ lr: 200 }), live());
    assert.ok(plan !== null);
    near(plan.lrFactor, Math.min(0.1, 0.01 / 6.9));
    assert.equal(plan.warmupSteps, 100);
    assert.deepEqual([plan.miner, plan.normalizeEmbeddings, plan.lrFloor], [null, false, 0]);
    assert.match(plan.actions[0], /^lr x0\.001[45] \(now 0\.29\)$/);
    assert.equal(plan.actions[1], 'lr ramps up over 100 steps');
    assert.equal(plan.actions.length, 2);
  });

  it('lr-too-high: at most a tenth, also when the largest update ratio is small or unknown', () => {
    for (const ratio of [0.05, NaN]) {
      const plan = planRemedy(report([['lr-too-high', 0.6]], ratio), config(), live());
      assert.equal(plan?.lrFactor, 0.1, `ratio ${ratio}`);
      assert.deepEqual(plan?.actions, ['lr x0.1 (now 0.001)', 'lr ramps up over 100 steps']);
    }
    // Between: ratio 0.2 -> 0.01 / 0.2 = 0.05.
    near(planRemedy(report([['lr-too-high', 0.85]], 0.2), config(), live())?.lrFactor ?? NaN, 0.05);
  });

  it('lr-too-high scales the current lr: a previous remedy (lrScale) is taken into account', () => {
    // The lr in use is 0.01 x 0.5 = 0.005; ratio 0.5 -> x 0.02 -> 0.0001.
    const plan = planRemedy(report([['lr-too-high', 0.85]], 0.5), config(), live({ lrScale: 0.5 }));
    near(plan?.lrFactor ?? NaN, 0.02);
    assert.equal(plan?.actions[0], 'lr x0.02 (now 0.0001)');
  });

  it('the ramp is min(100, steps left / 5) steps, and at least 1', () => {
    const ramp = (remainingSteps: number) =>
      planRemedy(report([['dead-units', 0.6]]), config(), live({ remainingSteps }))?.warmupSteps;
    assert.equal(REMEDY_WARMUP_STEPS, 100);
    assert.equal(ramp(5000), 100);
    assert.equal(ramp(500), 100);
    assert.equal(ramp(50), 10);
    assert.equal(ramp(34), 6);
    assert.equal(ramp(3), 1);
  });

  it('non-finite: as lr-too-high', () => {
    const nonFinite = planRemedy(report([['non-finite', 0.95]], 3), config(), live());
    const lrTooHigh = planRemedy(report([['lr-too-high', 0.95]], 3), config(), live());
    assert.deepEqual(nonFinite, lrTooHigh);
    near(nonFinite?.lrFactor ?? NaN, 0.01 / 3);
  });

  it('dead-units: lr x 0.1 with the ramp', () => {
    const plan = planRemedy(report([['dead-units', 0.6]]), config(), live({ remainingSteps: 200 }));
    assert.deepEqual(plan, {
      lrFactor: 0.1,
      warmupSteps: 40,
      lrFloor: 0,
      miner: null,
      curriculum: null,
      normalizeEmbeddings: false,
      actions: ['lr x0.1 (now 0.001)', 'lr ramps up over 40 steps'],
    });
  });

  it('lr-too-high and dead-units together: the lower of the two factors, one ramp', () => {
    const plan = planRemedy(
      report(
        [
          ['lr-too-high', 0.85],
          ['dead-units', 0.6],
        ],
        6.9,
      ),
      config({ lr: 200, optimizer: 'sgd' }),
      live(),
    );
    near(plan?.lrFactor ?? NaN, 0.01 / 6.9);
    assert.equal(plan?.warmupSteps, 100);
    assert.equal(plan?.actions.length, 2);
  });

  it('mining-too-hard: batch-hard and hard keep their miner and get the auto curriculum, with the lr ramp', () => {
    for (const miner of ['batch-hard', 'hard'] as const) {
      const plan = planRemedy(report([['mining-too-hard', 0.9]]), config({ miner }), live({ miner }));
      assert.equal(plan?.miner, null);
      assert.equal(plan?.curriculum, 'auto');
      assert.equal(plan?.warmupSteps, 100);
      assert.equal(plan?.lrFactor, 1, 'the lr itself is kept');
      assert.deepEqual(sorted(plan?.actions ?? []), sorted(['curriculum none -> auto', 'lr ramps up over 100 steps']));
    }
  });

  it('mining-too-hard under a curriculum that collapsed anyway: semihard for the rest of the run', () => {
    for (const curriculum of ['auto', 'softmax'] as const) {
      const plan = planRemedy(
        report([['mining-too-hard', 0.9]]),
        config({ miner: 'batch-hard', curriculum }),
        live({ miner: 'batch-hard', curriculum }),
      );
      assert.deepEqual([plan?.miner, plan?.curriculum], ['semihard', 'none']);
      assert.deepEqual(
        sorted(plan?.actions ?? []),
        sorted(['miner batch-hard -> semihard', `curriculum ${curriculum} -> none`, 'lr ramps up over 100 steps']),
      );
    }
  });

  it('mining-too-hard leaves every other miner as it is (no remedy)', () => {
    for (const miner of ['semihard', 'all', 'none', 'batch-easy-hard', 'multi-similarity'] as const) {
      assert.equal(planRemedy(report([['mining-too-hard', 0.5]]), config({ miner }), live({ miner })), null, miner);
    }
  });

  it('mining-too-easy: easy -> semihard, semihard -> all, without an lr change', () => {
    const expected: Array<[MinerName, MinerName]> = [
      ['easy', 'semihard'],
      ['semihard', 'all'],
    ];
    for (const [from, to] of expected) {
      const plan = planRemedy(report([['mining-too-easy', 0.9]]), config({ miner: from }), live({ miner: from }));
      assert.deepEqual(plan, {
        lrFactor: 1,
        warmupSteps: 0,
        lrFloor: 0,
        miner: to,
        curriculum: null,
        normalizeEmbeddings: false,
        actions: [`miner ${from} -> ${to}`],
      });
    }
    for (const miner of ['all', 'batch-hard', 'none'] as const) {
      assert.equal(planRemedy(report([['mining-too-easy', 0.8]]), config({ miner }), live({ miner })), null, miner);
    }
  });

  it("no-normalization: the loss's and miner's distance normalizes, unless something already does", () => {
    const raw = { normalizeEmbeddings: false };
    const plan = planRemedy(report([['no-normalization', 0.9]]), config(raw), live(raw));
    assert.deepEqual(plan, {
      lrFactor: 1,
      warmupSteps: 0,
      lrFloor: 0,
      miner: null,
      curriculum: null,
      normalizeEmbeddings: true,
      actions: ['distance normalizes embeddings'],
    });
    // Already on in the live run (an earlier remedy), or the model ends with an L2-normalize layer.
    assert.equal(
      planRemedy(report([['no-normalization', 0.9]]), config(raw), live({ normalizeEmbeddings: true })),
      null,
    );
    assert.equal(planRemedy(report([['no-normalization', 0.9]]), config({ ...raw, normalize: true }), live(raw)), null);
  });

  it('lr-decayed-too-fast: the lr is kept >= a tenth of the lr in use, nothing else changes', () => {
    const plan = planRemedy(report([['lr-decayed-too-fast', 0.6]]), config({ lr: 0.003 }), live({ lrScale: 0.5 }));
    assert.deepEqual(plan, {
      lrFactor: 1,
      warmupSteps: 0,
      lrFloor: 0.1 * 0.003 * 0.5,
      miner: null,
      curriculum: null,
      normalizeEmbeddings: false,
      actions: ['lr kept >= 0.00015'],
    });
    // With a cut in the same plan, the floor is under the cut lr: it cannot undo the cut.
    const both = planRemedy(
      report([
        ['lr-decayed-too-fast', 0.6],
        ['dead-units', 0.6],
      ]),
      config({ lr: 0.003 }),
      live(),
    );
    assert.equal(both?.lrFactor, 0.1);
    assert.ok(Math.abs(both!.lrFloor - 0.1 * 0.003 * 0.1) < 1e-15, `${both?.lrFloor}`);
  });

  it('low-capacity and unknown: no live remedy', () => {
    assert.equal(planRemedy(report([['low-capacity', 0.9]]), config(), live()), null);
    assert.equal(planRemedy(report([['unknown', 0.9]]), config(), live()), null);
    assert.equal(planRemedy(report([]), config(), live()), null);
  });

  it('acts only on causes with a confidence >= 0.5', () => {
    assert.equal(MIN_REMEDY_CONFIDENCE, 0.5);
    assert.equal(
      planRemedy(
        report([
          ['dead-units', 0.49],
          ['mining-too-easy', 0.2],
        ]),
        config({ miner: 'easy' }),
        live({ miner: 'easy' }),
      ),
      null,
    );
    assert.equal(planRemedy(report([['dead-units', 0.5]]), config(), live())?.lrFactor, 0.1);
    // A low-confidence cause next to a confident one adds nothing.
    const plan = planRemedy(
      report([
        ['mining-too-easy', 0.9],
        ['dead-units', 0.35],
      ]),
      config({ miner: 'easy' }),
      live({ miner: 'easy' }),
    );
    assert.deepEqual(plan?.actions, ['miner easy -> semihard']);
  });

  it("applies every remedy that applies (the suite's no-normalization run that also mines hard)", () => {
    const raw = { normalizeEmbeddings: false, miner: 'batch-hard' as const };
    const plan = planRemedy(
      report([
        ['no-normalization', 0.9],
        ['mining-too-hard', 0.9],
      ]),
      config(raw),
      live(raw),
    );
    assert.equal(plan?.curriculum, 'auto');
    assert.equal(plan?.normalizeEmbeddings, true);
    assert.equal(plan?.warmupSteps, 100);
  });
});
