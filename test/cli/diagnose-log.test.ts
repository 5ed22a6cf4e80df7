import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { diagnoseCommand, diagnoseJson, type DiagnoseFlags } from '../../src/cli/diagnose-command.js';
import { readTrainingLog, writeNpy } from '../../src/data/index.js';
import { initBackend } from '../../src/backend/index.js';
import { logHistory } from '../../src/health/index.js';
import { Random } from '../../src/random.js';
import { cli } from '../helpers/cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/tensorboard');
const FLAGS: DiagnoseFlags = { backend: 'cpu' };
/** What the fixtures' generator measured in Python (make_tensorboard_fixtures.py). */
const expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8'));

describe('deepmetric diagnose LOGDIR (a log from torch SummaryWriter, Lightning, or step snapshots)', () => {
  it('a healthy SummaryWriter log: healthy, the loss, lr and mined series found by their usual names, onset null', async () => {
    await initBackend('cpu');
    const before = tf.memory().numTensors;
    const result = await diagnoseCommand(join(FIXTURES, 'healthy'), FLAGS);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(result.exitCode, 0);
    const json = JSON.parse(diagnoseJson(result));
    assert.equal(json.verdict, 'healthy');
    assert.equal(json.onsetStep, null);
    assert.deepEqual(json.causes, []);
    assert.match(result.description, /loss 'train\/loss', lr 'lr-Adam', mined 'train\/mined_triplets'/);
    assert.match(
      result.description,
      /7 embedding snapshots \(steps 0, 50, 100, 150, 200, 250, 300\), 200 x 16, 10 classes/,
    );
    // The spread's growth is read against the first snapshot: the generator measured it in numpy.
    const grew = expected.healthy.embeddings.default.mean_pairwise_distance;
    assert.ok(
      Math.abs(json.evidence.meanNormalizedDistanceRatio - grew[grew.length - 1] / grew[0]) < 0.02,
      `${json.evidence.meanNormalizedDistanceRatio} vs ${grew[grew.length - 1] / grew[0]}`,
    );
  });

  it('a collapsing log: collapsed, onset at the first snapshot after the measured collapse, the cause and a PyTorch remedy', async () => {
    const result = await diagnoseCommand(join(FIXTURES, 'collapsing'), { ...FLAGS, embeddingTag: 'val' });
    assert.equal(result.exitCode, 1);
    const json = JSON.parse(diagnoseJson(result));
    assert.equal(json.verdict, 'collapsed');
    const collapse = expected.collapsing.collapse['first_step_below_0.1'];
    const probes: number[] = expected.collapsing.embeddings.val.steps;
    assert.equal(
      json.onsetStep,
      probes.find((s) => s >= collapse),
    );
    assert.equal(json.causes[0].id, 'mining-too-hard');
    assert.match(
      json.causes[0].remedy,
      /^PyTorch: miners\.TripletMarginMiner\(margin=0\.2, type_of_triplets="semihard"\)/,
    );
    assert.match(json.causes[0].remedy, /With deepmetric: --miner semihard/);
    assert.ok(json.limits.some((l: string) => l.includes('no gradient norm')));
  });

  it('the snapshot folder of the healthy run gives the verdict and numbers of its TensorBoard log', async () => {
    const tb = JSON.parse(diagnoseJson(await diagnoseCommand(join(FIXTURES, 'healthy'), FLAGS)));
    const snaps = JSON.parse(diagnoseJson(await diagnoseCommand(join(FIXTURES, 'snapshots'), FLAGS)));
    assert.equal(snaps.verdict, tb.verdict);
    for (const k of ['meanNormalizedDistance', 'effectiveRank', 'violationFraction', 'meanNormalizedDistanceRatio']) {
      assert.ok(Math.abs(snaps.evidence[k] - tb.evidence[k]) < 1e-3 * Math.max(1, Math.abs(tb.evidence[k])), k);
    }
  });

  it('a snapshot folder whose miner ran dry on unseparated embeddings: collapsing, mining-too-easy, read from the mined count alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-snaps-'));
    const rng = new Random(5);
    const rows = 120;
    const labels = Int32Array.from({ length: rows }, (_, i) => i % 6);
    // Random directions: no class structure, at every step (nothing trains).
    for (const step of [0, 50, 100]) {
      const data = Float32Array.from({ length: rows * 16 }, () => rng.normal());
      await writeNpy(join(dir, `step-${step}.npy`), data, [rows, 16], 'float32');
    }
    await writeNpy(join(dir, 'labels.npy'), labels, [rows], 'int32');
    const lines = ['step,loss,lr,mined'];
    for (let s = 0; s <= 100; s += 5) lines.push(`${s},${s < 30 ? 0.04 : 0},0.001,${s < 30 ? 40 : 0}`);
    await writeFile(join(dir, 'log.csv'), `${lines.join('\n')}\n`);
    const json = JSON.parse(diagnoseJson(await diagnoseCommand(dir, FLAGS)));
    assert.equal(json.verdict, 'collapsing');
    assert.equal(json.causes[0].id, 'mining-too-easy');
    assert.match(json.causes[0].evidence, /the miner found no triplet at all in 75% of the last steps/); // 15 of the last 20 logged steps
    assert.ok(json.findings.some((f: { metric: string }) => f.metric === 'noTripletShare'));
  });

  it('logHistory: one record per loss step, the snapshots attached at their steps, what the log lacks as NaN', async () => {
    const log = await readTrainingLog(join(FIXTURES, 'healthy'));
    const before = tf.memory().numTensors;
    const { history, tags, probeSteps } = logHistory(log);
    assert.equal(tf.memory().numTensors, before);
    const loss = expected.healthy.scalars['train/loss'];
    assert.equal(history.length, new Set([...loss.map((p: number[]) => p[0]), ...probeSteps]).size);
    assert.deepEqual(tags, { loss: 'train/loss', lr: 'lr-Adam', mined: 'train/mined_triplets' });
    const at = history.find((r) => r.step === 10)!;
    assert.equal(at.loss, Math.fround(loss.find((p: number[]) => p[0] === 10)[1]));
    assert.equal(at.lr, Math.fround(expected.healthy.scalars['lr-Adam'].find((p: number[]) => p[0] === 10)[1]));
    assert.ok(Number.isNaN(at.gradNorm) && Number.isNaN(at.activeFraction));
    // Step 300 has a snapshot but no loss: it carries the last loss logged before it.
    const last = history[history.length - 1];
    assert.equal(last.step, 300);
    assert.equal(last.loss, Math.fround(loss[loss.length - 1][1]));
    assert.deepEqual(
      history.filter((r) => r.health !== undefined).map((r) => r.step),
      [0, 50, 100, 150, 200, 250, 300],
    );
    assert.equal(history[0].health!.meanNormalizedDistanceRatio, 1);
  });

  it('as a process: exit 2 naming the runs, the tags, a corrupt event file; log flags refused elsewhere', async () => {
    const runs = await cli(['diagnose', join(FIXTURES, 'lightning_logs'), '--backend', 'cpu']);
    assert.equal(runs.code, 2);
    assert.match(runs.stderr, /2 runs: version_0, version_1; choose one with --run/);
    const empty = await cli(['diagnose', join(FIXTURES, 'lightning_logs'), '--run', 'version_0', '--backend', 'cpu']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /holds no embeddings/);
    const tag = await cli(['diagnose', join(FIXTURES, 'healthy'), '--loss-tag', 'nope', '--backend', 'cpu']);
    assert.equal(tag.code, 2);
    assert.match(tag.stderr, /--loss-tag nope: .* has no such scalar; it has: .*train\/loss/);
    const dir = await mkdtemp(join(tmpdir(), 'dm-tb-'));
    await cp(join(FIXTURES, 'healthy'), dir, { recursive: true });
    const events = (await readdir(dir)).find((f) => f.startsWith('events.out.tfevents'))!;
    const bytes = await readFile(join(dir, events));
    bytes[200] ^= 0xff;
    await writeFile(join(dir, events), bytes);
    const bad = await cli(['diagnose', dir, '--json', '--backend', 'cpu']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, new RegExp(`${events}.*crc`, 'i'));
    const refused = await cli(['diagnose', join(FIXTURES, 'healthy'), '--labels', 'x.npy', '--backend', 'cpu']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--labels applies to an embeddings file/);
    const snapshot = join(FIXTURES, 'snapshots', 'step-0.npy');
    const noRun = await cli(['diagnose', snapshot, '--run', 'a', '--backend', 'cpu']);
    assert.equal(noRun.code, 2);
    assert.match(noRun.stderr, /--run applies to a training log directory/);
  });
});
