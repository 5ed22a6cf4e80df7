import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRunLog, runTraining, type TrainConfig } from '../../src/run/index.js';
import type { StepRecord } from '../../src/training/step-record.js';
import type { Trainer } from '../../src/training/trainer.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';

const withoutTime = (records: StepRecord[]) => records.map(({ seconds: _s, ...rest }) => rest);
const lossWeights = async (run: string) =>
  JSON.parse(await readFile(join(run, 'checkpoints', 'latest', 'state.json'), 'utf8')).parts.lossWeights as number[][];

/** A straight run, and the same run stopped at step 7 and resumed: both must end the same. */
async function straightAndResumed(overrides: Partial<TrainConfig>): Promise<{ straight: string; resumed: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dm-loss-params-'));
  const straight = await tinyRunConfig(dir, { out: join(dir, 'straight'), ...overrides });
  await runTraining(straight, { progress: null });
  const interrupted = { ...straight, out: join(dir, 'resumed') };
  const ctrlC = new AbortController();
  const pressAt7 = { onStepEnd: (_t: Trainer, r: StepRecord) => (r.step === 7 ? ctrlC.abort() : undefined) };
  await runTraining(interrupted, { progress: null, signal: ctrlC.signal, callbacks: [pressAt7] });
  await runTraining(interrupted, { progress: null, resume: true });
  return { straight: straight.out, resumed: interrupted.out };
}

describe('losses that own parameters, in a run', () => {
  for (const [loss, extra] of [
    ['arcface', {}],
    ['proxy-anchor', {}],
    ['margin', { learnBeta: true }],
  ] as const) {
    it(`${loss}: its parameters are trained, checkpointed and resumed (a resumed run ends as a straight one)`, async () => {
      const { straight, resumed } = await straightAndResumed({ loss, ...extra });
      const first = await lossWeights(straight);
      assert.ok(first.length > 0 && first.every((w) => w.every(Number.isFinite)));
      assert.deepEqual(await lossWeights(resumed), first);
      assert.deepEqual(
        withoutTime(await readRunLog(join(resumed, 'log.jsonl'))),
        withoutTime(await readRunLog(join(straight, 'log.jsonl'))),
      );
    });
  }

  it('the parameters move: a run of 0 learning rate keeps them, a run of 0.01 does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-loss-params-'));
    const still = await tinyRunConfig(dir, { out: join(dir, 'still'), loss: 'proxy-anchor', lr: 1e-12 });
    const moving = await tinyRunConfig(dir, { out: join(dir, 'moving'), loss: 'proxy-anchor' });
    await runTraining(still, { progress: null });
    await runTraining(moving, { progress: null });
    const a = (await lossWeights(still.out)).flat();
    const b = (await lossWeights(moving.out)).flat();
    const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    assert.ok(maxDiff > 1e-3, `proxies moved by at most ${maxDiff}`);
  });
});
