import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type SchedulerState } from '../../src/schedulers/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { loadOracle, type OracleCase } from '../helpers/oracle.js';

const cases = loadOracle('reduce_lr_on_plateau', 'reduce_lr_on_plateau');

interface PlateauParams {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  threshold_mode: 'rel' | 'abs';
  cooldown: number;
  min_lr: number;
  eps: number;
  initial_lr: number;
}

interface PlateauExpected {
  lr_after_step: number[];
  best_after_step: number[];
  num_bad_epochs_after_step: number[];
  cooldown_counter_after_step: number[];
}

function optionsOf(c: OracleCase): ReduceLROnPlateauOptions {
  const p = c.params as unknown as PlateauParams;
  return {
    lr: p.initial_lr,
    mode: p.mode,
    factor: p.factor,
    patience: p.patience,
    threshold: p.threshold,
    thresholdMode: p.threshold_mode,
    cooldown: p.cooldown,
    minLr: p.min_lr,
    eps: p.eps,
  };
}

/** Compares the scheduler's readings after step `i` with torch's, bit for bit. */
function assertMatches(s: ReduceLROnPlateau, returned: number, e: PlateauExpected, i: number, what: string): void {
  const at = `${what}, after step ${i + 1}`;
  assert.ok(
    Object.is(returned, e.lr_after_step[i]),
    `${at}: step() returned ${returned}, torch lr ${e.lr_after_step[i]}`,
  );
  assert.ok(Object.is(s.lr, e.lr_after_step[i]), `${at}: lr ${s.lr}, torch ${e.lr_after_step[i]}`);
  assert.ok(Object.is(s.best, e.best_after_step[i]), `${at}: best ${s.best}, torch ${e.best_after_step[i]}`);
  assert.equal(s.numBadEpochs, e.num_bad_epochs_after_step[i], `${at}: numBadEpochs`);
  assert.equal(s.cooldownCounter, e.cooldown_counter_after_step[i], `${at}: cooldownCounter`);
}

describe('ReduceLROnPlateau against torch 1.13', () => {
  it('has the oracle cases', () => assert.ok(cases.length >= 400, `${cases.length} cases`));

  for (const c of cases) {
    it(c.name, () => {
      const metrics = c.inputs.metrics as number[];
      const e = c.expected as unknown as PlateauExpected;
      const s = new ReduceLROnPlateau(optionsOf(c));
      assert.equal(s.lr, (c.params as unknown as PlateauParams).initial_lr);
      metrics.forEach((m, i) => assertMatches(s, s.step(m), e, i, c.name));
      assert.equal(s.stepCount, metrics.length);
    });
  }

  it('resumes from a JSON checkpoint after any step of any case and continues bit for bit', () => {
    let resumes = 0;
    for (const c of cases) {
      const metrics = c.inputs.metrics as number[];
      const e = c.expected as unknown as PlateauExpected;
      for (let k = 0; k <= metrics.length; k++) {
        const first = new ReduceLROnPlateau(optionsOf(c));
        for (let i = 0; i < k; i++) first.step(metrics[i]);
        const saved = JSON.parse(JSON.stringify(first.state())) as SchedulerState;
        const resumed = new ReduceLROnPlateau(optionsOf(c));
        resumed.loadState(saved);
        assert.equal(resumed.stepCount, k);
        for (let i = k; i < metrics.length; i++)
          assertMatches(resumed, resumed.step(metrics[i]), e, i, `${c.name} resumed at ${k}`);
        resumes++;
      }
    }
    assert.ok(resumes > 10000, `${resumes} resumes`);
  });

  it('writes an infinite best as a string so that the state survives JSON', () => {
    const s = new ReduceLROnPlateau({ lr: 0.1 });
    assert.deepEqual(JSON.parse(JSON.stringify(s.state())), {
      kind: 'reduce-lr-on-plateau',
      lr: 0.1,
      best: 'Infinity',
      numBadEpochs: 0,
      cooldownCounter: 0,
      stepCount: 0,
    });
    const max = new ReduceLROnPlateau({ lr: 0.1, mode: 'max' });
    max.step(NaN);
    assert.equal(max.state().best, '-Infinity');
    const restored = new ReduceLROnPlateau({ lr: 0.1, mode: 'max' });
    restored.loadState(JSON.parse(JSON.stringify(max.state())) as SchedulerState);
    assert.equal(restored.best, -Infinity);
    assert.equal(restored.numBadEpochs, 1);
  });

  it('reduces every patience + 1 + cooldown epochs on a plateau, down to minLr', () => {
    // Derived by hand from torch's rules, independent of the oracle: 0.5 ** k by repeated products.
    const s = new ReduceLROnPlateau({ lr: 1, factor: 0.5, patience: 2, cooldown: 1, minLr: 0.1 });
    const lrs = Array.from({ length: 20 }, () => s.step(3));
    const expected: number[] = [];
    let lr = 1;
    for (let epoch = 1; epoch <= 20; epoch++) {
      // Epoch 1 improves on Infinity; epochs 2-4 are bad and the third of them (> patience)
      // reduces; the cooldown swallows epoch 5, so every 2 + 1 + 1 = 4 epochs after that.
      if (epoch % 4 === 0) lr = Math.max(lr * 0.5, 0.1);
      expected.push(lr);
    }
    assert.deepEqual(lrs, expected);
    assert.equal(s.lr, 0.1);
  });

  it('skips a reduction of exactly eps (torch applies one only when old - new > eps)', () => {
    // Halving 2e-8 is exact and so is 2e-8 - 1e-8, so the difference is eps itself.
    const s = new ReduceLROnPlateau({ lr: 2e-8, factor: 0.5, patience: 0, eps: 1e-8 });
    assert.equal(s.step(1), 2e-8);
    assert.equal(s.step(1), 2e-8);
    const t = new ReduceLROnPlateau({ lr: 2e-8, factor: 0.5, patience: 0, eps: 0.99e-8 });
    t.step(1);
    assert.equal(t.step(1), 1e-8);
  });

  it('rejects bad options with messages that name the option and the value', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [
        { lr: 0.1, factor: 1 },
        /`factor` must be a finite number >= 0 < 1 .*torch raises for factor >= 1.*Received: factor=1/,
      ],
      [{ lr: 0.1, factor: 1.5 }, /`factor`.*Received: factor=1.5/],
      [{ lr: 0.1, factor: -0.1 }, /`factor`/],
      [{ lr: 0.1, patience: -1 }, /`patience` must be an integer >= 0. Received: patience=-1/],
      [{ lr: 0.1, patience: 2.5 }, /`patience` must be an integer/],
      [{ lr: 0.1, mode: 'minimum' }, /`mode` must be one of 'min', 'max'. Received: mode='minimum'/],
      [{ lr: 0.1, thresholdMode: 'relative' }, /`thresholdMode` must be one of 'rel', 'abs'/],
      [{ lr: 0.1, threshold: -1e-4 }, /`threshold` must be a finite number >= 0/],
      [{ lr: 0.1, cooldown: -2 }, /`cooldown` must be an integer >= 0/],
      [{ lr: 0.1, minLr: 0.2 }, /`minLr` must be a finite number >= 0 <= 0.1/],
      [{ lr: 0.1, eps: NaN }, /`eps`.*Received: eps=NaN/],
      [{ lr: 0 }, /`lr` must be a finite number > 0. Received: lr=0/],
      [{ lr: Infinity }, /`lr`/],
      [{}, /`lr`.*Received: lr=undefined/],
    ];
    for (const [options, message] of bad) {
      assert.throws(
        () => new ReduceLROnPlateau(options as unknown as ReduceLROnPlateauOptions),
        (err: unknown) =>
          err instanceof DeepmetricError && err.code === 'invalid-argument' && message.test(err.message),
        `${JSON.stringify(options)} should fail with ${message}`,
      );
    }
  });

  it('requires a numeric metric in step() and a state of its own kind in loadState()', () => {
    const s = new ReduceLROnPlateau({ lr: 0.1 });
    assert.throws(() => s.step(), /needs the monitored metric.*Received: metric=undefined/);
    assert.throws(() => s.step('0.5' as unknown as number), /needs the monitored metric/);
    assert.equal(s.stepCount, 0);
    assert.throws(
      () => s.loadState({ kind: 'step-lr', stepCount: 3 }),
      /saved by the same kind of scheduler \('reduce-lr-on-plateau'\). Received: kind=step-lr/,
    );
    const state = { ...s.state(), numBadEpochs: -1 };
    assert.throws(() => s.loadState(state), /`state.numBadEpochs` must be an integer >= 0/);
    assert.throws(() => s.loadState({ ...s.state(), best: 'NaN' as unknown as number }), /`state.best`/);
  });
});
