import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { runTraining } from '../../src/run/index.js';
import { readRunLog } from '../../src/run/index.js';
import type { StepRecord } from '../../src/training/step-record.js';
import type { Trainer } from '../../src/training/trainer.js';
import { blobsCsv, tinyRunConfig } from '../helpers/tiny-run.js';

const ROOT = join(import.meta.dirname, '../..');

const withoutTime = (records: StepRecord[]) => records.map(({ seconds: _s, ...rest }) => rest);
const weights = (run: string) => readFile(join(run, 'model', 'weights.bin'));
const checkpointState = async (run: string) =>
  JSON.parse(await readFile(join(run, 'checkpoints', 'latest', 'state.json'), 'utf8'));

describe('Ctrl-C', () => {
  it('aborting the signal ends the run after the current step with a checkpoint; resuming ends as an uninterrupted run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-interrupt-'));
    const straight = await tinyRunConfig(dir, { out: join(dir, 'straight'), warmupSteps: 3 });
    await runTraining(straight, { progress: null });

    const interrupted = { ...straight, out: join(dir, 'interrupted') };
    const ctrlC = new AbortController();
    // Ctrl-C arrives during step 7 (mid-epoch: epochs are 6 steps): the step is finished, no other is taken.
    const pressAt7 = { onStepEnd: (_t: Trainer, r: StepRecord) => (r.step === 7 ? ctrlC.abort() : undefined) };
    const stepsSeen: number[] = [];
    const watch = { onStepEnd: (_t: Trainer, r: StepRecord) => void stepsSeen.push(r.step) };
    const first = await runTraining(interrupted, {
      progress: null,
      signal: ctrlC.signal,
      callbacks: [pressAt7, watch],
    });
    assert.deepEqual(first.stopped, { kind: 'interrupted', reason: 'Ctrl-C' });
    assert.equal(first.steps, 8);
    assert.equal(first.plannedSteps, 20);
    assert.deepEqual(stepsSeen, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(first.test, null);
    assert.equal(first.health, null);
    // The checkpoint holds step 8; the run has no model or summary yet: it has not ended.
    assert.equal((await checkpointState(interrupted.out)).step, 8);
    assert.deepEqual((await readdir(interrupted.out)).sort(), ['checkpoints', 'config.json', 'log.jsonl']);
    assert.deepEqual(
      (await readRunLog(join(interrupted.out, 'log.jsonl'))).map((r) => r.step),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );

    const resumed = await runTraining(interrupted, { progress: null, resume: true });
    assert.equal(resumed.stopped, null);
    assert.equal(resumed.steps, 20);
    assert.ok(resumed.test !== null);
    assert.ok((await weights(straight.out)).equals(await weights(interrupted.out)), 'final weights differ');
    assert.deepEqual(
      withoutTime(await readRunLog(join(interrupted.out, 'log.jsonl'))),
      withoutTime(await readRunLog(join(straight.out, 'log.jsonl'))),
    );
    // Training time carries over the resume: the resumed run's clock starts where the checkpoint's stopped.
    assert.ok(resumed.seconds >= first.seconds);
  });

  it('a signal aborted before training starts (Ctrl-C while the data loads) stops the run before its first step', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-interrupt-'));
    const ctrlC = new AbortController();
    ctrlC.abort();
    const summary = await runTraining(await tinyRunConfig(dir), { progress: null, signal: ctrlC.signal });
    assert.equal(summary.stopped?.kind, 'interrupted');
    assert.equal(summary.steps, 0);
  });

  it('SIGINT to `deepmetric train` finishes the step, saves a checkpoint and exits with 130', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-interrupt-cli-'));
    const out = join(dir, 'run');
    const args = [
      'train',
      '--data',
      await blobsCsv(dir),
      '--model',
      'mlp:16',
      '--embedding-dim',
      '4',
      '--batch',
      '3,4',
    ];
    args.push('--steps', '100000', '--steps-per-epoch', '1000', '--log-every', '1', '--backend', 'cpu', '--out', out);
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      // Wait until training runs: the log has a record.
      const logPath = join(out, 'log.jsonl');
      const deadline = Date.now() + 20_000;
      while (!(existsSync(logPath) && (await readFile(logPath, 'utf8')).includes('\n'))) {
        assert.ok(Date.now() < deadline, `training did not start: ${stderr}`);
        assert.equal(child.exitCode, null, `the process ended early: ${stderr}`);
        await sleep(50);
      }
      assert.ok(child.kill('SIGINT'));
      const ended = await Promise.race([exited, sleep(30_000, null, { ref: false })]);
      assert.ok(ended !== null, `no exit 30 s after SIGINT: ${stderr}`);
      const { code, signal } = ended;
      assert.equal(signal, null, 'the process handled the signal itself');
      assert.equal(code, 130, stderr);
      assert.match(stderr, /interrupted: finishing the step and saving a checkpoint/);
      const state = await checkpointState(out);
      assert.ok(Number.isInteger(state.step) && state.step > 0 && state.step < 100000, `checkpoint step ${state.step}`);
      assert.match(stdout, new RegExp(`stopped \\(Ctrl-C\\) after ${state.step} of 100000 steps; checkpoint saved\\.`));
      assert.match(
        stdout,
        new RegExp(`continue with: deepmetric train --resume ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      assert.ok(
        !existsSync(join(out, 'summary.json')) && !existsSync(join(out, 'model')),
        'an interrupted run has no summary or final model',
      );
      // The log ends at the checkpoint's step: resuming continues from there.
      const log = await readRunLog(join(out, 'log.jsonl'));
      assert.equal(log.at(-1)?.step, state.step - 1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
