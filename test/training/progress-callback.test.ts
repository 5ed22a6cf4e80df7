import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressCallback } from '../../src/training/progress-callback.js';
import type { StepRecord } from '../../src/training/step-record.js';

/** A stand-in for process.stderr that keeps what is written; readline's cursor moves pass a callback. */
function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = {
    isTTY,
    columns: 200,
    write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

function record(step: number, fields: Partial<StepRecord> = {}): StepRecord {
  return {
    step,
    epoch: Math.floor(step / 5),
    loss: 0.123456,
    lr: 0.001,
    numTriplets: 10,
    activeFraction: 0.5,
    meanAP: 0.3,
    meanAN: 0.8,
    gradNorm: 1,
    updateRatio: 0.01,
    seconds: step + 1,
    ...fields,
  };
}

const ESCAPE = /\x1B\[/;

describe('ProgressCallback', () => {
  it('on a terminal draws a bar with the step, loss, lr and throughput, and ends it with a newline', () => {
    const out = fakeStream(true);
    const trainer = { totalSteps: 20, batchSize: 12, startStep: 0, seconds: 0 };
    const progress = new ProgressCallback<typeof trainer>(out.stream);
    progress.onTrainBegin(trainer);
    assert.match(out.text(), /train \|░{40}\| 0\/20 steps \| loss - \| lr - \| - img\/s/);
    // Step 9 done after 2 s: 10 steps x 12 images / 2 s = 60 img/s.
    progress.onStepEnd(trainer, record(9, { loss: 0.123456, lr: 0.001, seconds: 2 }));
    progress.onTrainEnd();
    const text = out.text();
    assert.match(text, /train \|█{20}░{20}\| 10\/20 steps \| loss 0\.1235 \| lr 1\.00e-3 \| 60 img\/s \| eta /);
    assert.match(text, ESCAPE, 'a bar redraws in place with escape codes');
    assert.ok(text.endsWith('\n'));
    assert.doesNotMatch(text, /^step \d/m, 'no plain lines on a terminal');
  });

  it('on a terminal, a resumed run starts the bar at its first step', () => {
    const out = fakeStream(true);
    const trainer = { totalSteps: 20, batchSize: 12, startStep: 15, seconds: 0 };
    const progress = new ProgressCallback<typeof trainer>(out.stream);
    progress.onTrainBegin(trainer);
    progress.onTrainEnd();
    assert.match(out.text(), /\|█{30}░{10}\| 15\/20 steps/);
  });

  it('elsewhere writes a plain line every lineEverySeconds of training and at the last step, without escape codes', () => {
    const out = fakeStream(false);
    const trainer = { totalSteps: 6, batchSize: 12, startStep: 0, seconds: 0 };
    const progress = new ProgressCallback<typeof trainer>(out.stream, 10);
    progress.onTrainBegin(trainer);
    const seconds = [1, 5, 10.5, 12, 21, 22];
    seconds.forEach((s, step) =>
      progress.onStepEnd(trainer, record(step, { seconds: s, loss: 0.5 + step / 100, lr: 0.02 })),
    );
    progress.onTrainEnd();
    const speed = (step: number) => (((step + 1) * 12) / seconds[step]).toFixed(0);
    assert.equal(
      out.text(),
      [
        // 10.5 s: the first 10 s have passed; 21 s: 10.5 s since that line; step 6 of 6: the last.
        `step 3/6 epoch 0 loss 0.5200 lr 2.00e-2 ${speed(2)} img/s 11s`,
        `step 5/6 epoch 0 loss 0.5400 lr 2.00e-2 ${speed(4)} img/s 21s`,
        `step 6/6 epoch 1 loss 0.5500 lr 2.00e-2 ${speed(5)} img/s 22s`,
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(out.text(), ESCAPE);
  });

  it('elsewhere shows a NaN loss as NaN, and "-" for the throughput before any time has passed', () => {
    const out = fakeStream(false);
    const trainer = { totalSteps: 1, batchSize: 4, startStep: 0, seconds: 0 };
    const progress = new ProgressCallback<typeof trainer>(out.stream);
    progress.onTrainBegin(trainer);
    progress.onStepEnd(trainer, record(0, { loss: NaN, seconds: 0 }));
    progress.onTrainEnd();
    assert.equal(out.text(), 'step 1/1 epoch 0 loss NaN lr 1.00e-3 - img/s 0s\n');
  });

  it('the throughput of a resumed run counts only the time since the resume', () => {
    // A run checkpointed at step 10 after 100 s resumes; its first step takes 1 s (seconds 101).
    const out = fakeStream(false);
    const trainer = { totalSteps: 11, batchSize: 10, startStep: 10, seconds: 100 };
    const progress = new ProgressCallback<typeof trainer>(out.stream);
    progress.onTrainBegin(trainer);
    progress.onStepEnd(trainer, record(10, { seconds: 101 }));
    progress.onTrainEnd();
    // 1 step x 10 images in 1 s since the resume (not 10 images / 101 s = 0 img/s).
    assert.match(out.text(), / 10 img\/s /);
  });
});
