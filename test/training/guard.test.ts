import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { TripletMarginMiner } from '../../src/miners/index.js';
import { runTraining } from '../../src/run/index.js';
import { readRunLog } from '../../src/run/index.js';
import type { StepRecord } from '../../src/training/step-record.js';
import type { TrainConfig } from '../../src/run/index.js';
import type { Trainer } from '../../src/training/trainer.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';

/** A progress stream that keeps what is written to it. */
function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

/**
 * SGD at lr 1000 on the blobs: the first step moves the weights by ~260x their norm and the
 * embeddings fall to under half their start spread by the probe at step 5.
 */
const LR_COLLAPSE: Partial<TrainConfig> = { optimizer: 'sgd', lr: 1000, steps: 40, probeEvery: 5 };

const guardRecords = (log: StepRecord[]) => log.filter((r) => r.guard !== undefined);
const messages = (text: string) => text.split('\n').filter((l) => l.startsWith('deepmetric guard:'));

/** Turns every weight of the model into NaN after the given steps: the next step's loss is NaN. */
function poisonAfter(steps: number[]) {
  return {
    onStepEnd: (trainer: Trainer, record: StepRecord) => {
      if (!steps.includes(record.step)) return;
      for (const w of trainer.model.trainableWeights) {
        tf.tidy(() => {
          w.write(tf.fill(w.shape as number[], NaN));
        });
      }
    },
  };
}

describe('collapse guard', () => {
  it('warn (the default) stays quiet on a healthy run and logs its probes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const config = await tinyRunConfig(dir, { probeEvery: 5 });
    assert.equal(config.guard, 'warn');
    const out = capture();
    const summary = await runTraining(config, { progress: out.stream });
    assert.deepEqual(messages(out.text()), []);
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    assert.deepEqual(
      log.filter((r) => r.health !== undefined).map((r) => r.step),
      [0, 5, 10, 15, 19],
    );
    assert.deepEqual(guardRecords(log), []);
    assert.deepEqual(summary.guard, { mode: 'warn', verdict: 'healthy', recoveries: 0, actions: [] });
    assert.ok(summary.health !== null && summary.health.rows === 18 && summary.health.nonFinite === 0);
  });

  it('warn prints the verdict and causes once when the state changes, logs it, and lets the run finish', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const config = await tinyRunConfig(dir, LR_COLLAPSE);
    const out = capture();
    const summary = await runTraining(config, { progress: out.stream });
    assert.equal(summary.stopped, null);
    assert.equal(summary.steps, 40);
    const printed = messages(out.text());
    assert.equal(printed.length, 1, out.text());
    assert.match(printed[0], /step 5: collapsing/);
    assert.match(out.text(), /lr-too-high \(confidence 0\.85\)[^\n]*\n\s+remedy: --lr 0\.0\d+ and --warmup-steps/);
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    const records = guardRecords(log);
    assert.deepEqual(
      records.map((r) => [r.step, r.guard]),
      [[5, { verdict: 'collapsing', action: 'warned', causes: ['lr-too-high', 'dead-units'] }]],
    );
    assert.equal(summary.guard.verdict, 'collapsing');
  });

  it('stop ends the run at the alarm with a checkpoint and a reason starting with "collapse"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const config = await tinyRunConfig(dir, { ...LR_COLLAPSE, guard: 'stop' });
    const summary = await runTraining(config, { progress: null });
    assert.equal(summary.stopped?.kind, 'collapse');
    assert.match(summary.stopped?.reason ?? '', /^collapsing \(lr-too-high\) at step 5$/);
    assert.equal(summary.steps, 6);
    assert.equal(summary.test, null);
    const state = JSON.parse(await readFile(join(config.out, 'checkpoints', 'latest', 'state.json'), 'utf8'));
    assert.equal(state.step, 6);
    assert.equal(state.parts.guard.verdict, 'collapsing');
    assert.ok(!existsSync(join(config.out, 'summary.json')));
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    assert.deepEqual(log[log.length - 1].guard, {
      verdict: 'collapsing',
      action: 'stopped',
      causes: ['lr-too-high', 'dead-units'],
    });
  });

  it('recover rolls back to the last healthy checkpoint, lowers the lr, logs it and finishes healthy, leaking nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const config = await tinyRunConfig(dir, { ...LR_COLLAPSE, guard: 'recover' });
    // Tensors held between steps (model, optimizer slots): the rollback at step 5 must not add any.
    const counts = new Map<number, number>();
    const count = { onStepEnd: (_t: Trainer, r: StepRecord) => void counts.set(r.step, tf.memory().numTensors) };
    const summary = await runTraining(config, { progress: null, callbacks: [count] });
    assert.equal(counts.get(39), counts.get(4), `tensors at step 4: ${counts.get(4)}, at step 39: ${counts.get(39)}`);
    assert.equal(summary.stopped, null);
    assert.equal(summary.steps, 40);
    assert.ok(existsSync(join(config.out, 'checkpoints', 'healthy', 'state.json')));
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    const [recovery] = guardRecords(log);
    assert.equal(recovery.step, 5);
    assert.match(
      recovery.guard?.action ?? '',
      /^rolled back to step 0; lr x0\.0+\d+ \(now 0\.0\d+\); lr ramps up over 6 steps \(recovery 1 of 3\)$/,
    );
    // The lr of every later step is the schedule's times the remedy's factor, after a ramp over
    // steps 6-11 (a fifth of the 34 steps left).
    const factor = Number(/lr x([\d.e-]+)/.exec(recovery.guard?.action ?? '')?.[1]);
    const schedule = (step: number) => 0.5 * 1000 * (1 + Math.cos((Math.PI * step) / 40));
    for (const r of log.filter((x) => x.step > 11))
      assert.ok(Math.abs(r.lr - schedule(r.step) * factor) <= 1e-9 * schedule(r.step), `step ${r.step}: lr ${r.lr}`);
    for (const r of log.filter((x) => x.step > 5 && x.step <= 11))
      assert.ok(r.lr < schedule(r.step) * factor, `step ${r.step} ramps`);
    assert.equal(summary.guard.verdict, 'healthy');
    assert.equal(summary.guard.recoveries, 1);
    const probesAfter = log.filter((r) => r.step > 5 && r.health !== undefined);
    assert.ok(
      probesAfter.every((r) => (r.health?.meanNormalizedDistanceRatio ?? 0) > 0.5),
      'the spread stays up after the rollback',
    );
  });

  it('recover switches an easy miner to semi-hard, and a resumed run keeps the switch and ends exactly as an uninterrupted one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const straight = await tinyRunConfig(dir, {
      miner: 'easy',
      guard: 'recover',
      steps: 30,
      probeEvery: 5,
      out: join(dir, 'straight'),
    });
    await runTraining(straight, { progress: null });
    const log = await readRunLog(join(straight.out, 'log.jsonl'));
    assert.match(guardRecords(log)[0]?.guard?.action ?? '', /miner easy -> semihard/);
    assert.deepEqual(guardRecords(log)[0]?.guard?.causes, ['mining-too-easy']);

    const interrupted = { ...straight, out: join(dir, 'interrupted') };
    const stopAt = {
      onStepEnd: (trainer: Trainer) => (trainer.step === 14 ? trainer.requestStop('interrupted', 'test') : undefined),
    };
    await runTraining(interrupted, { progress: null, callbacks: [stopAt] });
    let resumedMiner: unknown = null;
    const probe = { onTrainBegin: (trainer: Trainer) => void (resumedMiner = trainer.miner) };
    await runTraining(interrupted, { progress: null, resume: true, callbacks: [probe] });
    assert.ok(resumedMiner instanceof TripletMarginMiner && resumedMiner.typeOfTriplets === 'semihard');
    const weights = async (run: string) => readFile(join(run, 'model', 'weights.bin'));
    assert.ok((await weights(straight.out)).equals(await weights(interrupted.out)), 'final weights differ');
  });

  it('catches a NaN loss at the step it appears: stop stops there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const config = await tinyRunConfig(dir, { guard: 'stop', probeEvery: 5 });
    const summary = await runTraining(config, { progress: null, callbacks: [poisonAfter([6])] });
    assert.equal(summary.stopped?.kind, 'collapse');
    assert.match(summary.stopped?.reason ?? '', /^collapsed \(non-finite\) at step 7$/);
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    const last = log[log.length - 1];
    assert.equal(last.step, 7);
    assert.ok(Number.isNaN(last.loss) || last.loss === null);
  });

  it('recover rolls a NaN back at the step it appears, at most 3 times, then stops', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const config = await tinyRunConfig(dir, { guard: 'recover', probeEvery: 5, steps: 30 });
    const summary = await runTraining(config, { progress: null, callbacks: [poisonAfter([3, 8, 13, 18])] });
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    const actions = guardRecords(log).map((r) => [r.step, r.guard?.verdict, r.guard?.action?.split(';')[0]]);
    assert.deepEqual(actions, [
      [4, 'collapsed', 'rolled back to step 0'],
      [9, 'collapsed', 'rolled back to step 0'],
      [14, 'collapsed', 'rolled back to step 0'],
      [19, 'collapsed', 'stopped: 3 recoveries used'],
    ]);
    assert.equal(summary.stopped?.kind, 'collapse');
    assert.match(summary.stopped?.reason ?? '', /^collapsed \(non-finite\) at step 19; 3 recoveries used$/);
  });

  it('recover stops when no remedy can be applied to a running training (a 1-unit bottleneck)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const config = await tinyRunConfig(dir, { model: 'mlp:1', guard: 'recover', probeEvery: 5 });
    const summary = await runTraining(config, { progress: null });
    assert.equal(summary.stopped?.kind, 'collapse');
    assert.match(summary.stopped?.reason ?? '', /^dimensional-collapse \(low-capacity\) at step 5; no remedy/);
  });

  it('off neither prints nor logs a verdict, and probes anyway', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-guard-'));
    const config = await tinyRunConfig(dir, { ...LR_COLLAPSE, guard: 'off' });
    const out = capture();
    const summary = await runTraining(config, { progress: out.stream });
    assert.deepEqual(messages(out.text()), []);
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    assert.deepEqual(guardRecords(log), []);
    assert.ok(log.some((r) => r.health !== undefined));
    assert.equal(summary.guard.actions.length, 0);
  });
});
