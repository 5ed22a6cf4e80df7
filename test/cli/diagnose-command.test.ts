import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { diagnoseCommand, diagnoseJson, formatDiagnoseResult, type DiagnoseFlags } from '../../src/cli/diagnose-command.js';
import { exitCodeFor } from '../../src/cli/exit-code.js';
import { writeNpy } from '../../src/data/index.js';
import { embeddingHealth, VERDICTS } from '../../src/health/index.js';
import { Random } from '../../src/random.js';
import { runTraining } from '../../src/training/run-training.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';

const FLAGS: DiagnoseFlags = { backend: 'cpu' };

/** 300 x 16 embeddings in 5 clusters (a healthy embedding), and their labels. */
function clustered(seed = 1): { data: Float32Array; labels: Int32Array } {
  const rng = new Random(seed);
  const centers = Array.from({ length: 5 }, () => Array.from({ length: 16 }, () => 3 * rng.normal()));
  const data = new Float32Array(300 * 16);
  const labels = new Int32Array(300);
  for (let i = 0; i < 300; i++) {
    labels[i] = i % 5;
    for (let k = 0; k < 16; k++) data[i * 16 + k] = centers[labels[i]][k] + rng.normal();
  }
  return { data, labels };
}

/** Every row one point plus noise of 1e-3: complete collapse. */
function collapsed(): Float32Array {
  const rng = new Random(2);
  return Float32Array.from({ length: 300 * 16 }, () => 1 + 1e-3 * rng.normal());
}

async function code(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    return exitCodeFor(error);
  }
  return 0;
}

describe('deepmetric diagnose EMBEDDINGS', () => {
  it('a healthy .npy with labels: verdict healthy, exit 0, the numbers of embeddingHealth', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    const { data, labels } = clustered();
    await writeNpy(join(dir, 'e.npy'), data, [300, 16], 'float32');
    await writeNpy(join(dir, 'y.npy'), labels, [300], 'int32');
    const result = await diagnoseCommand(join(dir, 'e.npy'), { ...FLAGS, labels: join(dir, 'y.npy') });
    assert.equal(result.report.verdict, 'healthy');
    assert.equal(result.exitCode, 0);
    const expected = embeddingHealth({ data, rows: 300, dim: 16 }, labels);
    assert.equal(result.report.evidence.effectiveRank, expected.shape.effectiveRank);
    assert.equal(result.report.evidence.gap, expected.separation?.gap);
    assert.equal(result.report.evidence.numClasses, 5);
    assert.match(formatDiagnoseResult(result), /^diagnose: .*e\.npy: 300 embeddings x 16 dimensions, 5 classes, norms [\d.]+-[\d.]+ \(raw\); no training log\nverdict: healthy\n/);
    assert.equal(tf.memory().numTensors, 0);
  });

  it('--json prints one JSON object { verdict, evidence, causes, ... }, NaN as null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    await writeNpy(join(dir, 'c.npy'), collapsed(), [300, 16], 'float32');
    const result = await diagnoseCommand(join(dir, 'c.npy'), FLAGS);
    assert.equal(result.exitCode, 1);
    const json = JSON.parse(diagnoseJson(result));
    assert.deepEqual(Object.keys(json), ['verdict', 'evidence', 'causes', 'findings', 'limits']);
    assert.equal(json.verdict, 'collapsed');
    assert.ok(VERDICTS.includes(json.verdict));
    assert.equal(json.evidence.gap, null); // no labels: not computable
    assert.ok(Object.values(json.evidence).every((v) => v === null || typeof v === 'number'));
    assert.deepEqual(json.causes.map((c: { id: string }) => c.id), ['unknown']);
    for (const c of json.causes) assert.deepEqual(Object.keys(c), ['id', 'confidence', 'explanation', 'remedy']);
    assert.ok(json.limits.some((l: string) => l.startsWith('No training log')));
  });

  it('a .csv (with a header line, or with a label column) reads as the same embeddings as the .npy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    const { data, labels } = clustered(3);
    await writeNpy(join(dir, 'e.npy'), data, [300, 16], 'float32');
    const rows = Array.from({ length: 300 }, (_, i) => Array.from(data.subarray(i * 16, (i + 1) * 16), (v) => String(v)));
    await writeFile(join(dir, 'e.csv'), `${Array.from({ length: 16 }, (_, k) => `d${k}`).join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    await writeFile(join(dir, 'l.csv'), rows.map((r, i) => [...r, `c${labels[i]}`].join(',')).join('\n'));
    await writeFile(join(dir, 'labels.txt'), Array.from(labels, (l) => `class ${l}`).join('\n'));
    const fromNpy = await diagnoseCommand(join(dir, 'e.npy'), { ...FLAGS, labels: join(dir, 'labels.txt') });
    const fromCsv = await diagnoseCommand(join(dir, 'e.csv'), { ...FLAGS, labels: join(dir, 'labels.txt') });
    const fromColumn = await diagnoseCommand(join(dir, 'l.csv'), { ...FLAGS, labelColumn: '-1' });
    assert.deepEqual(fromCsv.report.evidence, fromNpy.report.evidence);
    assert.deepEqual(fromColumn.report.evidence, fromNpy.report.evidence);
  });

  it('--reference fills the ratios and tells a fall of the spread (collapsing)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    const { data, labels } = clustered(4);
    // The same rows, pulled 70% of the way to their common mean: spread at ~0.4 of the start.
    const mean = new Float64Array(16);
    for (let i = 0; i < 300; i++) for (let k = 0; k < 16; k++) mean[k] += data[i * 16 + k] / 300;
    const shrunk = Float32Array.from(data, (v, j) => mean[j % 16] + 5 + 0.3 * (v - mean[j % 16]));
    await writeNpy(join(dir, 'start.npy'), data, [300, 16], 'float32');
    await writeNpy(join(dir, 'now.npy'), shrunk, [300, 16], 'float32');
    await writeNpy(join(dir, 'y.npy'), labels, [300], 'int32');
    const without = await diagnoseCommand(join(dir, 'now.npy'), { ...FLAGS, labels: join(dir, 'y.npy') });
    const withRef = await diagnoseCommand(join(dir, 'now.npy'), { ...FLAGS, labels: join(dir, 'y.npy'), reference: join(dir, 'start.npy') });
    assert.equal(without.report.verdict, 'healthy');
    assert.ok(Number.isNaN(without.report.evidence.meanNormalizedDistanceRatio));
    assert.ok(withRef.report.evidence.meanNormalizedDistanceRatio < 0.5, String(withRef.report.evidence.meanNormalizedDistanceRatio));
    assert.equal(withRef.report.verdict, 'collapsing');
    assert.equal(withRef.exitCode, 1);
  });

  it('bad input is an invalid-input or invalid-argument error (exit 2) naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    await writeNpy(join(dir, 'flat.npy'), new Float32Array(10), [10], 'float32');
    await writeNpy(join(dir, 'e.npy'), clustered().data, [300, 16], 'float32');
    await writeNpy(join(dir, 'few.npy'), new Int32Array(7), [7], 'int32');
    await writeFile(join(dir, 'bad.csv'), '1,2,3\n4,x,6\n');
    await writeFile(join(dir, 'e.txt'), '1 2 3\n');
    const cases: Array<[string, DiagnoseFlags, RegExp]> = [
      [join(dir, 'missing.npy'), FLAGS, /missing\.npy: no such file or folder/],
      [join(dir, 'flat.npy'), FLAGS, /flat\.npy: embeddings must be a 2-D array .* found shape \[10\]/],
      [join(dir, 'e.npy'), { ...FLAGS, labels: join(dir, 'few.npy') }, /few\.npy: holds 7 labels, but .*e\.npy holds 300 embeddings/],
      [join(dir, 'bad.csv'), FLAGS, /bad\.csv: line 2, column 1: expected a number, found "x"/],
      [join(dir, 'e.txt'), FLAGS, /e\.txt: is neither a run directory nor an embeddings file/],
      [join(dir, 'e.npy'), { ...FLAGS, labelColumn: '0' }, /--label-column applies to a \.csv file/],
    ];
    for (const [input, flags, message] of cases) {
      await assert.rejects(diagnoseCommand(input, flags), message);
      assert.equal(await code(diagnoseCommand(input, flags)), 2, input);
    }
  });
});

describe('deepmetric diagnose RUN_DIR', () => {
  it('a healthy run: healthy from its probes and the final test health in summary.json, exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    const config = await tinyRunConfig(dir, { probeEvery: 5 });
    await runTraining(config, { progress: null });
    const result = await diagnoseCommand(config.out, FLAGS);
    assert.equal(result.report.verdict, 'healthy');
    assert.equal(result.exitCode, 0);
    assert.match(result.description, /20 logged steps, 5 health probes; final test health from summary\.json/);
    assert.ok(result.report.evidence.testPrecisionAt1 > 0.8);
    // Without the recorded health it embeds the test split with the final model: the same numbers.
    const summary = JSON.parse(await readFile(join(config.out, 'summary.json'), 'utf8'));
    delete summary.health;
    await writeFile(join(config.out, 'summary.json'), JSON.stringify(summary));
    const measured = await diagnoseCommand(config.out, FLAGS);
    assert.match(measured.description, /final test health measured with .*model/);
    assert.deepEqual(measured.report.evidence, result.report.evidence);
    assert.equal(tf.memory().numTensors, 0);
  });

  it('a run the guard stopped: diagnosed from its log and last checkpoint, exit 1 with the cause', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    const config = await tinyRunConfig(dir, { optimizer: 'sgd', lr: 1000, steps: 40, probeEvery: 5, guard: 'stop' });
    await runTraining(config, { progress: null });
    const result = await diagnoseCommand(config.out, FLAGS);
    assert.equal(result.exitCode, 1);
    assert.equal(result.report.verdict, 'collapsing');
    assert.equal(result.report.causes[0].id, 'lr-too-high');
    assert.match(result.description, /final test health measured with .*checkpoints\/latest\/model/);
  });

  it('refuses a folder that is not a run, and embeddings flags on a run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    await assert.rejects(diagnoseCommand(dir, FLAGS), /is not a run directory: it has no config\.json/);
    assert.equal(await code(diagnoseCommand(dir, FLAGS)), 2);
    await assert.rejects(diagnoseCommand(dir, { ...FLAGS, labels: 'y.npy' }), /--labels applies to an embeddings file, not to a run directory/);
    await rm(dir, { recursive: true });
  });
});
