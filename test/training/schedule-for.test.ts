import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scheduleFor } from '../../src/run/index.js';
import { resolveConfig } from '../../src/run/index.js';
import type { StepRecord } from '../../src/training/step-record.js';
import type { Trainer } from '../../src/training/trainer.js';

/** Drives a run's schedule over `steps` steps of constant loss, epochs of `perEpoch` steps: the lr of each step. */
function lrs(overrides: Parameters<typeof resolveConfig>[1], steps: number, perEpoch: number): number[] {
  const schedule = scheduleFor(resolveConfig({}, { steps, stepsPerEpoch: perEpoch, ...overrides }));
  const trainer = { optimizer: { learningRate: NaN }, step: 0 } as unknown as Trainer;
  const seen: number[] = [];
  schedule.onTrainBegin(trainer);
  for (let step = 0; step < steps; step++) {
    seen.push(trainer.optimizer.learningRate);
    schedule.onStepEnd(trainer, { step, loss: 0.5 } as StepRecord);
    (trainer as { step: number }).step = step + 1;
    if ((step + 1) % perEpoch === 0) schedule.onEpochEnd(trainer);
  }
  return seen;
}

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 1e-12 * Math.abs(b[i]));

describe('scheduleFor: the schedule of a run with its warmup', () => {
  it("ramps ReduceLROnPlateau's lr linearly from a third over the warmup steps, then plateau halves it on a flat loss", () => {
    const seen = lrs({ schedule: 'plateau', lr: 0.03, warmupSteps: 6 }, 30, 5);
    const ramp = [0, 1, 2, 3, 4, 5].map((t) => 0.03 * (1 / 3 + ((2 / 3) * t) / 6));
    assert.ok(close(seen.slice(0, 6), ramp), `${seen.slice(0, 6)}`);
    assert.equal(seen[6], 0.03);
    // Epoch 0 sets the best loss; epoch 1 is bad (patience 1); epoch 2's end halves: from step 15 on.
    assert.deepEqual(seen.slice(7, 15), Array(8).fill(0.03));
    assert.equal(seen[15], 0.015);
  });

  it('leaves the per-step schedules to LinearWarmup (cosine starts after the warmup), and plateau without warmup as it was', () => {
    const cosine = lrs({ schedule: 'cosine', lr: 0.03, warmupSteps: 4 }, 12, 4);
    assert.ok(
      close(
        cosine.slice(0, 4),
        [0, 1, 2, 3].map((t) => 0.03 * (1 / 3 + ((2 / 3) * t) / 4)),
      ),
    );
    assert.ok(
      close(
        cosine.slice(4),
        [0, 1, 2, 3, 4, 5, 6, 7].map((t) => 0.015 * (1 + Math.cos((Math.PI * t) / 8))),
      ),
    );
    assert.deepEqual(lrs({ schedule: 'plateau', lr: 0.03, warmupSteps: 0 }, 10, 5).slice(0, 10), Array(10).fill(0.03));
  });
});
