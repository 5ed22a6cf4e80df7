import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { trainCommand, type TrainFlags } from '../../src/cli/train-command.js';
import type { CommandContext } from '../../src/cli/command-context.js';
import { blobsCsv } from '../helpers/tiny-run.js';
import { cli } from '../helpers/cli.js';
import { loadModel } from '../../src/models/index.js';
import { checkpointModelDir } from '../../src/training/checkpoint.js';
import { CHECKPOINT_DIR } from '../../src/run/index.js';

const CONTEXT: CommandContext = { signal: new AbortController().signal, progress: null, out: () => {} };

/** Every weight value of the model in a checkpoint folder. */
async function loadCheckpointWeights(dir: string): Promise<number[]> {
  const model = await loadModel(checkpointModelDir(dir));
  const values = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  model.dispose();
  return values;
}

/** A --config file in `dir` holding `settings` (raw text when a string). */
async function configFile(dir: string, settings: unknown): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, typeof settings === 'string' ? settings : JSON.stringify(settings));
  return path;
}

describe('deepmetric train: settings', () => {
  it('takes the defaults, then the --config file, then the flags; config.json records every resolved setting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-train-cmd-'));
    const file = await configFile(dir, {
      data: await blobsCsv(dir),
      model: 'mlp:16',
      embeddingDim: 4,
      classesPerBatch: 3,
      samplesPerClass: 4,
      steps: 6,
      lr: 0.05,
      backend: 'cpu',
    });
    const out = join(dir, 'run');
    const flags: TrainFlags = { config: file, lr: 0.01, batch: [3, 3], out };
    const summary = await trainCommand(flags, CONTEXT);
    const written = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    assert.equal(written.lr, 0.01, 'a flag wins over the file');
    assert.equal(written.samplesPerClass, 3, '--batch P,K wins over the file');
    assert.equal(written.classesPerBatch, 3);
    assert.equal(written.steps, 6, 'the file wins over the defaults');
    assert.equal(written.model, 'mlp:16');
    assert.equal(written.margin, 0.2, 'the default, as docs/cli.md gives it');
    assert.equal(written.miner, 'semihard');
    for (const key of [
      'data',
      'model',
      'embeddingDim',
      'loss',
      'margin',
      'miner',
      'optimizer',
      'schedule',
      'seed',
      'guard',
      'workers',
      'out',
    ]) {
      assert.ok(key in written, `config.json records ${key}`);
    }
    assert.equal(summary.steps, 6);
    const log = (await readFile(join(out, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(log.find((r) => r.step === 0)?.lr, 0.01, 'the run used the flag');
  });

  it('refuses a config file that is not a JSON object of known, valid settings, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-train-cmd-'));
    const out = join(dir, 'never');
    const cases: [unknown, RegExp][] = [
      ['{"lr": 0.01,', /is not valid JSON/],
      [[{ lr: 0.01 }], /must hold a JSON object of settings/],
      [{ lrr: 0.01 }, /unknown setting `lrr`/],
      [{ lr: -1 }, /Setting `lr` must be a finite number > 0\. Received: lr=-1 \(from .*config-/],
      [{ miner: 'hardest' }, /Setting `miner` must be one of none, all, hard, semihard, easy, batch-hard/],
    ];
    for (const [settings, pattern] of cases) {
      const path = await configFile(dir, settings);
      await assert.rejects(trainCommand({ config: path, out }, CONTEXT), (e: Error) => {
        assert.match(e.message, pattern);
        if (pattern.source.includes('JSON')) assert.ok(e.message.startsWith(`${path}: `), e.message);
        return true;
      });
    }
    await assert.rejects(
      trainCommand({ config: join(dir, 'absent.json'), out }, CONTEXT),
      /absent\.json: cannot be read/,
    );
    const lonely = join(dir, 'lonely.csv');
    await writeFile(lonely, `${(await readFile(await blobsCsv(dir), 'utf8')).trim()}\n9,9,9,9,9,9,9,9,lonely\n`);
    await assert.rejects(
      trainCommand({ data: lonely, model: 'mlp:8', batch: [3, 2], backend: 'cpu', out }, CONTEXT),
      /lonely\.csv \(training split\): class 3 \("lonely"\) has 1 sample/,
    );
    await assert.rejects(
      trainCommand({ lr: 0, out }, CONTEXT),
      /Setting `lr` must be a finite number > 0\. Received: lr=0 \(from flag\)/,
    );
    await assert.rejects(trainCommand({ resume: join(dir, 'run'), lr: 0.1 }, CONTEXT), /drop the other flags: --lr/);
    assert.deepEqual(
      (await readdir(dir)).filter((name) => !/^config-|\.csv$/.test(name)),
      [],
      'no run directory was written',
    );
  });

  it('exits with status 2 and a message naming the file on a bad --config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-train-cmd-'));
    const path = await configFile(dir, { epochs: 0 });
    const result = await cli(['train', '--config', path, '--out', join(dir, 'run')]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Setting `epochs` must be an integer > 0\. Received: epochs=0 \(from .*config-/);
    assert.equal(result.stdout, '');
    assert.deepEqual(await readdir(dir), [path.slice(dir.length + 1)]);
  });

  it('--guard stop ends a collapsing run with exit status 1, a checkpoint with finite weights, and the report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-train-cmd-'));
    const out = join(dir, 'run');
    // An lr beyond float32 makes the first update infinite: the guard stops at step 0.
    const args = ['--model', 'mlp:16', '--embedding-dim', '4', '--batch', '3,4', '--steps', '20', '--backend', 'cpu'];
    const result = await cli([
      'train',
      '--data',
      await blobsCsv(dir),
      ...args,
      '--optimizer',
      'sgd',
      '--lr',
      '1e300',
      '--guard',
      'stop',
      '--out',
      out,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stdout,
      /stopped by the collapse guard \(collapsed \(non-finite\) at step 0\) after 1 of 20 steps; checkpoint saved\./,
    );
    assert.match(result.stdout, /evidence and remedies: deepmetric diagnose /);
    assert.match(result.stdout, /\nreport: .*report\.html\n$/);
    const files = await readdir(out);
    assert.ok(
      files.includes('report.html') && files.includes('checkpoints') && !files.includes('model'),
      files.join(', '),
    );
    const checkpoint = await loadCheckpointWeights(join(out, CHECKPOINT_DIR));
    assert.ok(checkpoint.every(Number.isFinite), 'the checkpoint holds the finite weights from before the step');
  });
});
