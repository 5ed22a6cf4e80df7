import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { runTraining } from '../../src/run/index.js';
import { readRunLog } from '../../src/run/index.js';
import type { Trainer } from '../../src/training/trainer.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';

const configIn = tinyRunConfig;

/** The numbers each log.jsonl record must carry. */
const LOG_FIELDS = [
  'step',
  'epoch',
  'loss',
  'lr',
  'numTriplets',
  'activeFraction',
  'meanAP',
  'meanAN',
  'gradNorm',
  'seconds',
] as const;

const withoutTime = (records: Array<Record<string, unknown>>) => records.map(({ seconds: _s, ...rest }) => rest);

describe('runTraining', () => {
  it('writes the run directory: config, log, checkpoint, model, summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-train-'));
    const config = await configIn(dir);
    const summary = await runTraining(config, { progress: null });
    assert.deepEqual((await readdir(config.out)).sort(), [
      'checkpoints',
      'config.json',
      'log.jsonl',
      'model',
      'summary.json',
    ]);
    assert.deepEqual(JSON.parse(await readFile(join(config.out, 'config.json'), 'utf8')), config);
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    assert.deepEqual(
      log.map((r) => r.step),
      Array.from({ length: 20 }, (_, i) => i),
    );
    for (const r of log) {
      assert.ok(Number.isFinite(r.loss) && r.numTriplets > 0 && r.activeFraction >= 0 && r.activeFraction <= 1);
      assert.ok(Number.isFinite(r.gradNorm) && Number.isFinite(r.updateRatio), JSON.stringify(r));
      assert.equal(r.epoch, Math.floor(r.step / 6));
      // Every record carries the fields of the issue, as finite numbers (there were triplets at every step).
      for (const field of LOG_FIELDS) assert.ok(Number.isFinite(r[field]), `step ${r.step}: ${field} = ${r[field]}`);
      assert.ok(
        Number.isInteger(r.numTriplets) && r.lr > 0 && r.gradNorm >= 0 && r.meanAP >= 0 && r.meanAN >= 0,
        JSON.stringify(r),
      );
    }
    // The default cosine schedule starts at the configured lr; seconds count up from 0.
    assert.equal(log[0].lr, config.lr);
    assert.ok(
      log.every((r, i) => r.seconds >= 0 && (i === 0 || r.seconds >= log[i - 1].seconds)),
      `seconds ${log.map((r) => r.seconds)}`,
    );
    assert.equal(summary.steps, 20);
    assert.equal(summary.testSize, 18); // 20% of 30 per class
    assert.ok(summary.test !== null && summary.rawTest !== null);
    // Well-separated blobs: both the raw features and the embeddings retrieve the right class.
    assert.ok(summary.rawTest.precisionAt1 > 0.8, `raw ${summary.rawTest.precisionAt1}`);
    assert.ok(summary.test.precisionAt1 > 0.8, `trained ${summary.test.precisionAt1}`);
    const written = JSON.parse(await readFile(join(config.out, 'summary.json'), 'utf8'));
    assert.equal(written.test.precisionAt1, summary.test.precisionAt1);
  });

  it('resumed after an interruption, ends with the same weights and log as an uninterrupted run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-resume-'));
    const straight = await configIn(dir, {
      out: join(dir, 'straight'),
      miner: 'distance-weighted',
      schedule: 'plateau',
    });
    await runTraining(straight, { progress: null });

    const interrupted = { ...straight, out: join(dir, 'interrupted') };
    const stopAt8 = {
      onStepEnd: (trainer: Trainer) => (trainer.step === 8 ? trainer.requestStop('interrupted', 'test') : undefined),
    };
    const first = await runTraining(interrupted, { progress: null, callbacks: [stopAt8] });
    assert.equal(first.stopped?.kind, 'interrupted');
    assert.equal(first.steps, 8);
    assert.equal(first.test, null);
    const resumed = await runTraining(interrupted, { progress: null, resume: true });
    assert.equal(resumed.steps, 20);

    const weights = async (run: string) => readFile(join(run, 'model', 'weights.bin'));
    assert.ok((await weights(straight.out)).equals(await weights(interrupted.out)), 'final weights differ');
    assert.deepEqual(
      withoutTime((await readRunLog(join(interrupted.out, 'log.jsonl'))) as never),
      withoutTime((await readRunLog(join(straight.out, 'log.jsonl'))) as never),
    );
  });

  it('logs the configured lr at every step of a constant schedule, and only the steps of --log-every', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-log-'));
    const config = await configIn(dir, { schedule: 'none', lr: 0.003, logEvery: 3, probeEvery: 100 });
    await runTraining(config, { progress: null });
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    // Steps 0, 3, ..., 18, and 19: the probe measures the last step, and a record with health is always logged.
    assert.deepEqual(
      log.map((r) => r.step),
      [0, 3, 6, 9, 12, 15, 18, 19],
    );
    for (const r of log) {
      assert.equal(r.lr, 0.003, `step ${r.step}`);
      for (const field of LOG_FIELDS) assert.equal(typeof r[field], 'number', `step ${r.step}: ${field}`);
    }
    assert.ok(log.every((r, i) => i === 0 || r.seconds >= log[i - 1].seconds));
  });

  it('leaks no tensor over 100 steps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-leak-'));
    const config = await configIn(dir, { steps: 100, stepsPerEpoch: 50, miner: 'batch-hard' });
    const counts: number[] = [];
    await runTraining(config, {
      progress: null,
      callbacks: [
        { onStepEnd: (trainer: Trainer) => void (trainer.step % 10 === 0 && counts.push(tf.memory().numTensors)) },
      ],
    });
    // Step 10 holds the model, the optimizer's slots and nothing per step: the count stays put.
    assert.equal(counts.length, 10);
    assert.ok(
      counts.every((c) => c === counts[0]),
      `tensor counts ${counts}`,
    );
  });

  it('refuses to overwrite a run directory, and to resume where there is no checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-dir-'));
    const config = await configIn(dir);
    await writeFile(join(dir, 'note.txt'), 'x');
    await assert.rejects(runTraining({ ...config, out: dir }, { progress: null }), /already holds files/);
    await assert.rejects(
      runTraining({ ...config, out: join(dir, 'none') }, { progress: null, resume: true }),
      /no checkpoint to resume from/,
    );
  });
});
