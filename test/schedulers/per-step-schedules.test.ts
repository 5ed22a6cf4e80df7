import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CosineAnnealingLR,
  LinearWarmup,
  ReduceLROnPlateau,
  StepLR,
  type CosineAnnealingLROptions,
  type LinearWarmupOptions,
  type Scheduler,
  type SchedulerState,
  type StepLROptions,
} from '../../src/schedulers/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { assertAllClose } from '../helpers/oracle.js';
import {
  cosineChained,
  cosineClosedForm,
  linearLrClosedForm,
  sequential,
  stepLrChained,
  stepLrClosedForm,
} from '../reference/schedulers.js';

/** lr before any step, then after each of n steps. */
function run(s: Scheduler, n: number): number[] {
  const out = [s.lr];
  for (let t = 1; t <= n; t++) {
    const returned = s.step();
    assert.ok(Object.is(returned, s.lr), `step() returned ${returned} but lr is ${s.lr}`);
    out.push(returned);
  }
  return out;
}

/** Saves after every k, restores into a fresh scheduler through JSON and checks the continuation is identical. */
function assertResumesExactly(make: () => Scheduler, n: number): void {
  const uninterrupted = run(make(), n);
  for (let k = 0; k <= n; k++) {
    const first = make();
    for (let t = 0; t < k; t++) first.step();
    const saved = JSON.parse(JSON.stringify(first.state())) as SchedulerState;
    const resumed = make();
    resumed.loadState(saved);
    assert.equal(resumed.stepCount, k);
    assert.deepEqual(run(resumed, n - k), uninterrupted.slice(k), `resumed after ${k} steps`);
  }
}

function assertRejects(fn: () => unknown, message: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof DeepmetricError && err.code === 'invalid-argument' && message.test(err.message),
    `should fail with ${message}`,
  );
}

describe('StepLR', () => {
  const configs: StepLROptions[] = [
    { lr: 0.1, stepSize: 1 },
    { lr: 0.1, stepSize: 3, gamma: 0.5 },
    { lr: 0.05, stepSize: 30 },
    { lr: 1e-3, stepSize: 7, gamma: 0.9 },
  ];

  it("equals torch's closed form, and its chained form to rounding", () => {
    for (const o of configs) {
      const n = 120;
      const got = run(new StepLR(o), n);
      assert.deepEqual(got, stepLrClosedForm(o.lr, o.stepSize, o.gamma ?? 0.1, n), JSON.stringify(o));
      assertAllClose(got, stepLrChained(o.lr, o.stepSize, o.gamma ?? 0.1, n), 1e-14, 0, `chained ${JSON.stringify(o)}`);
    }
  });

  it("gives torch's documented example: 0.05 before step 30, 0.005 before 60, 0.0005 before 90", () => {
    const got = run(new StepLR({ lr: 0.05, stepSize: 30, gamma: 0.1 }), 100);
    got.forEach((lr, t) =>
      assertAllClose([lr], [t < 30 ? 0.05 : t < 60 ? 0.005 : t < 90 ? 0.0005 : 0.00005], 1e-15, 0, `t=${t}`),
    );
  });

  it('resumes exactly from a checkpoint taken after any step', () => {
    assertResumesExactly(() => new StepLR({ lr: 0.1, stepSize: 4, gamma: 0.5 }), 25);
  });

  it('rejects bad options', () => {
    assertRejects(
      () => new StepLR({ lr: 0.1, stepSize: 0 }),
      /`stepSize` must be an integer >= 1. Received: stepSize=0/,
    );
    assertRejects(() => new StepLR({ lr: 0.1, stepSize: 2.5 }), /`stepSize` must be an integer/);
    assertRejects(
      () => new StepLR({ lr: 0.1, stepSize: 3, gamma: 0 }),
      /`gamma` must be a finite number > 0. Received: gamma=0/,
    );
    assertRejects(() => new StepLR({ lr: -1, stepSize: 3 }), /`lr` must be a finite number > 0. Received: lr=-1/);
    assertRejects(() => new StepLR({ stepSize: 3 } as unknown as StepLROptions), /`lr`.*Received: lr=undefined/);
    assertRejects(
      () => new StepLR({ lr: 0.1, stepSize: 3 }).loadState({ kind: 'cosine-annealing-lr', stepCount: 2 }),
      /same kind of scheduler \('step-lr'\)/,
    );
    assertRejects(
      () => new StepLR({ lr: 0.1, stepSize: 3 }).loadState({ kind: 'step-lr', stepCount: -2 }),
      /`state.stepCount` must be an integer >= 0/,
    );
  });
});

describe('CosineAnnealingLR', () => {
  const configs: CosineAnnealingLROptions[] = [
    { lr: 0.1, tMax: 10 },
    { lr: 0.1, tMax: 10, etaMin: 1e-3 },
    { lr: 3e-4, tMax: 1 },
    { lr: 1, tMax: 37, etaMin: 0.25 },
  ];

  it("equals torch's closed form, and its chained form to rounding, also past tMax", () => {
    for (const o of configs) {
      const n = 3 * o.tMax + 2; // past tMax the lr climbs back, as torch's does
      const got = run(new CosineAnnealingLR(o), n);
      const etaMin = o.etaMin ?? 0;
      assert.deepEqual(got, cosineClosedForm(o.lr, o.tMax, etaMin, n), JSON.stringify(o));
      // The chained form divides by 1 + cos(.) near the minimum, so its rounding is relative to lr.
      assertAllClose(got, cosineChained(o.lr, o.tMax, etaMin, n), 0, 1e-13 * o.lr, `chained ${JSON.stringify(o)}`);
      assert.equal(got[0], o.lr);
      assertAllClose([got[o.tMax], got[2 * o.tMax]], [etaMin, o.lr], 1e-15, 1e-17);
    }
  });

  it('resumes exactly from a checkpoint taken after any step', () => {
    assertResumesExactly(() => new CosineAnnealingLR({ lr: 0.1, tMax: 12, etaMin: 1e-4 }), 30);
  });

  it('rejects bad options', () => {
    assertRejects(
      () => new CosineAnnealingLR({ lr: 0.1, tMax: 0 }),
      /`tMax` must be an integer >= 1. Received: tMax=0/,
    );
    assertRejects(
      () => new CosineAnnealingLR({ lr: 0.1, tMax: 10, etaMin: 0.2 }),
      /`etaMin` must be a finite number >= 0 <= 0.1.*Received: etaMin=0.2/,
    );
    assertRejects(() => new CosineAnnealingLR({ lr: 0.1, tMax: 10, etaMin: -1 }), /`etaMin`/);
    assertRejects(() => new CosineAnnealingLR({ lr: NaN, tMax: 10 }), /`lr`.*Received: lr=NaN/);
  });
});

describe('LinearWarmup', () => {
  it("gives torch's documented LinearLR example: 0.025, 0.03125, 0.0375, 0.04375, then 0.05", () => {
    const got = run(new LinearWarmup({ lr: 0.05, warmupSteps: 4, startFactor: 0.5 }), 8);
    assertAllClose(got, [0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05, 0.05, 0.05, 0.05], 1e-15);
  });

  it("equals torch's SequentialLR([LinearLR, after]) in closed form, the wrapped schedule counting from the end of warmup", () => {
    const n = 60;
    const cases: Array<[string, () => LinearWarmupOptions, number[]]> = [
      [
        'constant',
        () => ({ lr: 0.1, warmupSteps: 10 }),
        sequential(linearLrClosedForm(0.1, 1 / 3, 1, 10, n), Array(n + 1).fill(0.1), 10, n),
      ],
      [
        'step',
        () => ({ warmupSteps: 5, startFactor: 0.1, after: new StepLR({ lr: 0.2, stepSize: 7, gamma: 0.5 }) }),
        sequential(linearLrClosedForm(0.2, 0.1, 1, 5, n), stepLrClosedForm(0.2, 7, 0.5, n), 5, n),
      ],
      [
        'cosine',
        () => ({ warmupSteps: 8, startFactor: 0, after: new CosineAnnealingLR({ lr: 0.1, tMax: 40, etaMin: 1e-3 }) }),
        sequential(linearLrClosedForm(0.1, 0, 1, 8, n), cosineClosedForm(0.1, 40, 1e-3, n), 8, n),
      ],
      [
        'no warmup',
        () => ({ warmupSteps: 0, after: new StepLR({ lr: 0.1, stepSize: 3 }) }),
        stepLrClosedForm(0.1, 3, 0.1, n),
      ],
      [
        'nested',
        () => ({
          warmupSteps: 3,
          startFactor: 0.5,
          after: new LinearWarmup({ warmupSteps: 4, startFactor: 0.25, lr: 0.4 }),
        }),
        sequential(linearLrClosedForm(0.1, 0.5, 1, 3, n), linearLrClosedForm(0.4, 0.25, 1, 4, n), 3, n),
      ],
    ];
    for (const [name, options, expected] of cases) {
      assert.deepEqual(run(new LinearWarmup(options()), n), expected, name);
      assertResumesExactly(() => new LinearWarmup(options()), 25);
    }
  });

  it('rejects bad options and mismatched states', () => {
    assertRejects(() => new LinearWarmup({ warmupSteps: 5 }), /needs `lr`.*or `after`/);
    assertRejects(
      () => new LinearWarmup({ warmupSteps: -1, lr: 0.1 }),
      /`warmupSteps` must be an integer >= 0. Received: warmupSteps=-1/,
    );
    assertRejects(
      () => new LinearWarmup({ warmupSteps: 5, lr: 0.1, startFactor: 1.5 }),
      /`startFactor` must be a finite number >= 0 <= 1/,
    );
    assertRejects(
      () => new LinearWarmup({ warmupSteps: 5, lr: 0.1, after: new StepLR({ lr: 0.1, stepSize: 2 }) }),
      /either `lr` or `after`/,
    );
    assertRejects(
      () => new LinearWarmup({ warmupSteps: 5, after: new ReduceLROnPlateau({ lr: 0.1 }) }),
      /`after` must step once per optimizer step.*interval 'epoch'/,
    );
    const plain = new LinearWarmup({ warmupSteps: 5, lr: 0.1 });
    const wrapped = new LinearWarmup({ warmupSteps: 5, after: new StepLR({ lr: 0.1, stepSize: 2 }) });
    assertRejects(
      () => plain.loadState(wrapped.state()),
      /saved by a LinearWarmup with an `after` schedule, but this one has none/,
    );
    assertRejects(() => wrapped.loadState(plain.state()), /without an `after` schedule, but this one has one/);
    assertRejects(
      () =>
        wrapped.loadState({
          kind: 'linear-warmup',
          stepCount: 9,
          after: { kind: 'cosine-annealing-lr', stepCount: 3 },
        }),
      /same kind of scheduler \('step-lr'\)/,
    );
  });
});
