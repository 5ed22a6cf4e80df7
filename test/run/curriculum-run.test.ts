import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Random } from '../../src/random.js';
import { initBackend } from '../../src/backend/index.js';
import { curriculumStages } from '../../src/run/curriculum-stages.js';
import { readRunLog, resolveConfig, runTraining } from '../../src/run/index.js';
import { CURRICULA, type Trainer } from '../../src/training/index.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';
import { matrix } from '../helpers/tensors.js';
import { randomBatch, tripletTuples } from '../helpers/mining-batch.js';
import { BatchHardMiner, BatchHardRandomMiner } from '../../src/miners/index.js';

const withoutTime = (records: Array<Record<string, unknown>>) => records.map(({ seconds: _s, ...rest }) => rest);

describe('curricula of a run', () => {
  it('each curriculum ends with the run’s miner; auto ends with the hard triplets, selectively contrastive, and semi-hard ones beside them for the triplet losses', () => {
    const labels = (curriculum: (typeof CURRICULA)[number], loss = 'triplet' as const, miner = 'batch-hard' as const) =>
      curriculumStages(
        curriculum,
        resolveConfig({}, { miner, curriculum, loss }),
        { miner, normalizeEmbeddings: true, curriculum },
        new Random(0),
      ).map((s) => s.label);
    assert.deepEqual(labels('none'), ['batch-hard']);
    assert.deepEqual(labels('auto'), ['semihard', 'batch-hard+3semihard+selective']);
    assert.deepEqual(labels('auto', 'triplet', 'hard' as never), ['semihard', 'hard+semihard+selective']);
    assert.deepEqual(labels('semihard-first'), ['semihard', 'batch-hard']);
    assert.deepEqual(labels('softmax'), [
      'softmax-hard T=0.4',
      'softmax-hard T=0.2',
      'softmax-hard T=0.1',
      'softmax-hard T=0.05',
      'batch-hard',
    ]);
    assert.deepEqual(labels('mixed'), ['batch-hard+random', 'batch-hard']);
    assert.deepEqual(labels('easy-positive'), ['easy-positive', 'batch-hard']);
    const contrastive = curriculumStages(
      'auto',
      resolveConfig({}, { miner: 'batch-hard', curriculum: 'auto', loss: 'contrastive' }),
      { miner: 'batch-hard', normalizeEmbeddings: true, curriculum: 'auto' },
      new Random(0),
    );
    assert.deepEqual(
      contrastive.map((s) => [s.label, s.mining().selectivelyContrastive]),
      [
        ['semihard', undefined],
        ['batch-hard', undefined],
      ],
    );
  });

  it("auto's last stage trains every anchor's batch-hard triplet, selectively contrastive", async () => {
    await initBackend('cpu');
    const config = resolveConfig({}, { miner: 'batch-hard', curriculum: 'auto' });
    const stages = curriculumStages(
      'auto',
      config,
      { miner: 'batch-hard', normalizeEmbeddings: true, curriculum: 'auto' },
      new Random(0),
    );
    const mining = stages[stages.length - 1].mining();
    assert.equal(mining.selectivelyContrastive, true);
    const batch = randomBatch(new Random(4), 24, 5, 4);
    const x = matrix(batch.data);
    assert.ok(mining.miner instanceof BatchHardRandomMiner);
    const mined = tripletTuples(mining.miner.mine(x, batch.labels)).map(String);
    const hardest = tripletTuples(new BatchHardMiner({ distance: mining.distance }).mine(x, batch.labels)).map(String);
    x.dispose();
    assert.ok(mined.length > hardest.length, 'semi-hard triplets beside the hardest');
    assert.ok(
      hardest.every((t) => mined.includes(t)),
      'every hardest triplet',
    );
  });

  it('refuses a curriculum without a hard miner', () => {
    assert.throws(
      () => resolveConfig({}, { curriculum: 'auto' }),
      /Setting `curriculum`=auto leads to hardest-triplet mining and needs miner=batch-hard or hard\. Received: miner=semihard/,
    );
    assert.throws(
      () => resolveConfig({}, { miner: 'batch-hard', curriculum: 'hardest' as never }),
      /`curriculum` must be one of none, auto/,
    );
    assert.throws(
      () =>
        curriculumStages(
          'mixed',
          resolveConfig(),
          { miner: 'semihard', normalizeEmbeddings: true, curriculum: 'mixed' },
          new Random(0),
        ),
      /Curriculum mixed leads to hardest-triplet mining and needs miner=batch-hard or hard\. Received: miner=semihard/,
    );
  });

  it('logs the mining in force at every step, reaches the hard miner, and resumes in its stage', async () => {
    await initBackend('cpu');
    const dir = await mkdtemp(join(tmpdir(), 'dm-curriculum-'));
    const straight = await tinyRunConfig(dir, {
      out: join(dir, 'straight'),
      miner: 'batch-hard',
      curriculum: 'auto',
      probeEvery: 4,
      steps: 30,
    });
    await runTraining(straight, { progress: null });
    const log = await readRunLog(join(straight.out, 'log.jsonl'));
    assert.ok(log.every((r) => typeof r.mining === 'string'));
    const firstHard = log.findIndex((r) => r.mining === 'batch-hard+3semihard+selective');
    assert.ok(firstHard > 0, `reached batch-hard: ${log.map((r) => r.mining).join(' ')}`);
    assert.ok(log.slice(0, firstHard).every((r) => r.mining === 'semihard'));
    assert.ok(log.slice(firstHard).every((r) => r.mining === 'batch-hard+3semihard+selective'));

    const interrupted = { ...straight, out: join(dir, 'interrupted') };
    const stopAfterSwitch = {
      onStepEnd: (trainer: Trainer) =>
        trainer.step === log[firstHard].step + 2 ? trainer.requestStop('interrupted', 'test') : undefined,
    };
    await runTraining(interrupted, { progress: null, callbacks: [stopAfterSwitch] });
    await runTraining(interrupted, { progress: null, resume: true });
    assert.deepEqual(
      withoutTime((await readRunLog(join(interrupted.out, 'log.jsonl'))) as never),
      withoutTime(log as never),
    );
  });

  it('a run without a curriculum logs its miner', async () => {
    await initBackend('cpu');
    const dir = await mkdtemp(join(tmpdir(), 'dm-curriculum-none-'));
    const config = await tinyRunConfig(dir, { steps: 5 });
    await runTraining(config, { progress: null });
    const log = await readRunLog(join(config.out, 'log.jsonl'));
    assert.deepEqual([...new Set(log.map((r) => r.mining))], ['semihard']);
  });
});
