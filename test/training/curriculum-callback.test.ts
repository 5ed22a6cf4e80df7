import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthSnapshot } from '../../src/health/index.js';
import { LpDistance } from '../../src/distances/index.js';
import { TripletMarginMiner } from '../../src/miners/index.js';
import { Random } from '../../src/random.js';
import {
  CurriculumCallback,
  harderMiningReady,
  SEPARATED_VIOLATION_FRACTION,
  type CurriculumName,
  type StepRecord,
  type TrainerMining,
} from '../../src/training/index.js';
import { healthySnapshot } from '../helpers/health-snapshot.js';

/** A probe of 10 separated classes spread over the sphere, with `overrides`. */
const health = (overrides: Partial<HealthSnapshot> = {}): HealthSnapshot =>
  healthySnapshot({ violationFraction: 0.05, ...overrides });

const record = (step: number, probe?: HealthSnapshot): StepRecord => ({
  step,
  epoch: 0,
  loss: 0.1,
  lr: 1e-3,
  numTriplets: 10,
  activeFraction: 0.5,
  meanAP: 0.5,
  meanAN: 1,
  gradNorm: 1,
  updateRatio: NaN,
  seconds: 1,
  ...(probe === undefined ? {} : { health: probe }),
});

/** A trainer that only records what the curriculum puts in force. */
function fakeTrainer(): { useMining(m: TrainerMining): void; used: string[] } {
  const used: string[] = [];
  return { used, useMining: (m) => void used.push(m.label) };
}

type Fake = ReturnType<typeof fakeTrainer>;

/** Stages named after the curriculum: `<name> 0`, `<name> 1`, ...; `none` has one. */
function stages(name: CurriculumName) {
  const count = name === 'none' ? 1 : 3;
  return Array.from({ length: count }, (_, i) => ({
    label: `${name} ${i}`,
    mining: () => ({ miner: new TripletMarginMiner(), distance: new LpDistance() }),
  }));
}

describe('harderMiningReady', () => {
  it('asks for a healthy probe with at most SEPARATED_VIOLATION_FRACTION of the triplets violating the margin', () => {
    assert.equal(harderMiningReady(health()), true);
    assert.equal(harderMiningReady(health({ violationFraction: SEPARATED_VIOLATION_FRACTION })), true);
    assert.equal(harderMiningReady(health({ violationFraction: SEPARATED_VIOLATION_FRACTION + 0.01 })), false);
    // Separated but collapsing (the spread fell to a third of its start) or collapsed: not ready.
    assert.equal(harderMiningReady(health({ meanNormalizedDistanceRatio: 0.3 })), false);
    assert.equal(harderMiningReady(health({ meanNormalizedDistance: 0.02, normalizedStdSqrtDim: 0.01 })), false);
  });
});

describe('CurriculumCallback', () => {
  it('moves on one stage at each probe that allows it and keeps the last', () => {
    const trainer = fakeTrainer();
    const curriculum = new CurriculumCallback<Fake>({ curriculum: 'auto', stages });
    curriculum.onTrainBegin(trainer);
    const steps: Array<[number, HealthSnapshot | undefined]> = [
      [0, health({ violationFraction: 0.3 })],
      [10, undefined],
      [25, health()],
      [30, undefined],
      [50, health({ violationFraction: 0.2 })],
      [75, health()],
      [100, health()],
    ];
    const stageAt = steps.map(([step, probe]) => {
      curriculum.onStepEnd(trainer, record(step, probe));
      return curriculum.stage;
    });
    assert.deepEqual(stageAt, [0, 0, 1, 1, 1, 2, 2]);
    assert.deepEqual(trainer.used, ['auto 0', 'auto 1', 'auto 2']);
    assert.equal(curriculum.label, 'auto 2');
  });

  it('with none, keeps the miner the trainer was built with', () => {
    const trainer = fakeTrainer();
    const curriculum = new CurriculumCallback<Fake>({ curriculum: 'none', stages });
    curriculum.onTrainBegin(trainer);
    curriculum.onStepEnd(trainer, record(0, health()));
    assert.deepEqual(trainer.used, []);
  });

  it('resumes in the stage and with the generator it was checkpointed with', () => {
    const trainer = fakeTrainer();
    const draws: number[] = [];
    const drawing = (name: CurriculumName, rng: Random) => (draws.push(rng.float()), stages(name));
    const first = new CurriculumCallback<Fake>({ curriculum: 'softmax', stages: drawing, seed: 4 });
    first.onStepEnd(trainer, record(25, health()));
    const resumed = new CurriculumCallback<Fake>({ curriculum: 'none', stages: drawing, seed: 9 });
    resumed.loadState(structuredClone(first.state()));
    resumed.onTrainBegin(trainer);
    assert.deepEqual([resumed.curriculum, resumed.stage], ['softmax', 1]);
    assert.deepEqual(resumed.state(), first.state());
    assert.deepEqual(trainer.used, ['softmax 1', 'softmax 1']);
  });

  it('use() starts another curriculum from its first stage and rebuilds the one in force at its stage', () => {
    const trainer = fakeTrainer();
    const curriculum = new CurriculumCallback<Fake>({ curriculum: 'none', stages });
    curriculum.use(trainer, 'auto');
    curriculum.onStepEnd(trainer, record(25, health()));
    curriculum.use(trainer, 'auto');
    assert.equal(curriculum.stage, 1);
    curriculum.use(trainer, 'none');
    assert.deepEqual(trainer.used, ['auto 0', 'auto 1', 'auto 1', 'none 0']);
  });

  it('refuses an unknown curriculum and one without stages', () => {
    assert.throws(
      () => new CurriculumCallback<Fake>({ curriculum: 'hardest' as never, stages }),
      /`curriculum` must be one of none, auto, .*\. Received: curriculum=hardest/,
    );
    assert.throws(
      () => new CurriculumCallback<Fake>({ curriculum: 'auto', stages: () => [] }),
      /Curriculum auto has no stage/,
    );
  });
});
