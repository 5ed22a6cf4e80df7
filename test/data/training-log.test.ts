import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeNpy, isTrainingLogDir, readTrainingLog, type EmbeddingSnapshot, type TrainingLog } from '../../src/data/index.js';
import { readJsonObject } from '../../src/io/index.js';
import { rejectsArgument, rejectsInput, tempDir } from './input-error.js';

const DIR = join(import.meta.dirname, '../fixtures/tensorboard');
const RUNS = ['collapsing', 'healthy', 'lightning_logs/version_0', 'lightning_logs/version_1', 'snapshots'];

/** What make_tensorboard_fixtures.py recorded while it trained (expected.json). */
interface EmbeddingsExpectation {
  tag: string;
  steps: number[];
  rows: number;
  dim: number;
  labels: number[];
  first_rows: number[][];
  mean_pairwise_distance: number[];
}
interface RunExpectation {
  /** tag -> [step, value, wall_time] (no wall time for snapshots). */
  scalars: Record<string, Array<[number, number, number?]>>;
  embeddings: Record<string, EmbeddingsExpectation>;
  collapse?: { start: number; 'first_step_below_0.1': number; at_that_step: number; at_50: number; end: number };
}
const expected = async (run: string) =>
  (await readJsonObject(join(DIR, 'expected.json'), 'the expectations make_tensorboard_fixtures.py wrote'))[run] as RunExpectation;

/** Mean Euclidean distance over pairs i != j of the L2-normalized rows: a plain loop, as the generator computes it in numpy. */
function meanPairwiseDistance({ data, rows, dim }: EmbeddingSnapshot['matrix']): number {
  const unit = Array.from({ length: rows }, (_, i) => {
    const row = Array.from(data.subarray(i * dim, (i + 1) * dim));
    const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
    return row.map((v) => v / norm);
  });
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      if (i !== j) sum += Math.sqrt(unit[i].reduce((s, v, k) => s + (v - unit[j][k]) ** 2, 0));
    }
  }
  return sum / (rows * (rows - 1));
}

function assertScalars(log: TrainingLog, want: RunExpectation, wallTimes = true): void {
  assert.deepEqual(
    log.scalars.map((s) => s.tag),
    Object.keys(want.scalars).sort(),
  );
  for (const series of log.scalars) {
    const points = want.scalars[series.tag];
    assert.deepEqual(
      series.points.map((p) => [p.step, p.value]),
      points.map(([step, value]) => [step, value]),
      series.tag,
    );
    if (wallTimes) assert.deepEqual(series.points.map((p) => p.wallTime), points.map((p) => p[2]), series.tag);
    else assert.ok(series.points.every((p) => Number.isNaN(p.wallTime)), series.tag);
  }
}

function assertEmbeddings(log: TrainingLog, want: EmbeddingsExpectation, tolerance: number): void {
  assert.deepEqual(
    log.embeddings.map((e) => [e.step, e.tag, e.matrix.rows, e.matrix.dim]),
    want.steps.map((s) => [s, want.tag, want.rows, want.dim]),
  );
  log.embeddings.forEach((e, i) => {
    assert.deepEqual(Array.from(e.labels ?? []), want.labels, `labels at step ${e.step}`);
    assert.deepEqual(Array.from(e.matrix.data.subarray(0, e.matrix.dim)), want.first_rows[i].map(Math.fround), `first row at step ${e.step}`);
    const distance = meanPairwiseDistance(e.matrix);
    assert.ok(Math.abs(distance - want.mean_pairwise_distance[i]) < tolerance, `step ${e.step}: ${distance} vs ${want.mean_pairwise_distance[i]}`);
  });
}

async function copyRun(run: string): Promise<string> {
  const dir = await tempDir();
  await cp(join(DIR, run), join(dir, 'run'), { recursive: true });
  return join(dir, 'run');
}
const eventFilesOf = (dir: string) => readdirSync(dir).filter((n) => n.includes('tfevents')).sort();

describe('readTrainingLog: TensorBoard log directories written by torch and Lightning (test/fixtures/tensorboard)', () => {
  it('lists every run by its relative path, and asks for --run when there are several', async () => {
    await rejectsArgument(
      () => readTrainingLog(DIR),
      new RegExp(`^${DIR.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds 5 runs: ${RUNS.join(', ')}; choose one with --run$`),
    );
    await rejectsArgument(() => readTrainingLog(DIR, { run: 'version_0' }), /--run "version_0" is not a run of .*; runs: collapsing, healthy, lightning_logs\/version_0/);
    const log = await readTrainingLog(DIR, { run: 'lightning_logs/version_0/' });
    assert.deepEqual([log.source, log.format, log.run, log.runs], [DIR, 'tensorboard', 'lightning_logs/version_0', RUNS]);
    assert.equal((await readTrainingLog(join(DIR, 'lightning_logs'), { run: './version_1' })).run, 'version_1');
    const one = await readTrainingLog(join(DIR, 'healthy'));
    assert.deepEqual([one.run, one.runs], ['.', ['.']]);
  });

  it('healthy: the scalars torch wrote (simple_value, new-style float and double) at their steps, values and wall times', async () => {
    const log = await readTrainingLog(join(DIR, 'healthy'));
    const want = await expected('healthy');
    assertScalars(log, want);
    const byTag = Object.fromEntries(log.scalars.map((s) => [s.tag, s.points]));
    assert.equal(byTag['train/loss'].length, 300);
    assert.deepEqual(byTag['lr-Adam'].slice(0, 3).map((p) => p.step), [0, 5, 10]);
    assert.equal(byTag['lr-Adam'][0].value, Math.fround(1e-3));
  });

  it('healthy: the projector embeddings at steps 0..300 with their labels, spread out after training', async () => {
    const log = await readTrainingLog(join(DIR, 'healthy'));
    const want = (await expected('healthy')).embeddings.default;
    assertEmbeddings(log, want, 1e-5);
    assert.ok(log.embeddings.every((e) => e.source.endsWith('/tensors.tsv')));
    assert.ok(meanPairwiseDistance(log.embeddings[6].matrix) > 1.2);
  });

  it('collapsing: the old, new and TF2 (tensor_content, metadata on the first value only) scalars; the tag chosen with embeddingTag', async () => {
    const dir = join(DIR, 'collapsing');
    await rejectsArgument(() => readTrainingLog(dir), /collapsing\/projector_config\.pbtxt holds 2 embedding tags: train\/batch, val; choose one with --embedding-tag/);
    await rejectsArgument(() => readTrainingLog(dir, { embeddingTag: 'train' }), /--embedding-tag "train" is not an embedding tag of .*; tags: train\/batch, val/);
    const log = await readTrainingLog(dir, { embeddingTag: 'val' });
    const want = await expected('collapsing');
    assertScalars(log, want);
    assert.equal(log.scalars.find((s) => s.tag === 'lr')?.points.length, 60);
    assertEmbeddings(log, want.embeddings.val, 1e-5);
    const batch = await readTrainingLog(dir, { embeddingTag: 'train/batch' });
    assertEmbeddings(batch, want.embeddings['train/batch'], 1e-5);
  });

  it('collapsing: the embeddings really collapse, as the generator measured (mean pairwise distance below 0.1 by step 50)', async () => {
    const log = await readTrainingLog(join(DIR, 'collapsing'), { embeddingTag: 'val' });
    const { collapse } = await expected('collapsing');
    const distances = log.embeddings.map((e) => meanPairwiseDistance(e.matrix));
    assert.ok(Math.abs(distances[0] - (collapse?.start ?? NaN)) < 1e-5);
    assert.ok(Math.abs(distances[1] - (collapse?.at_50 ?? NaN)) < 1e-5);
    assert.ok(distances[0] > 0.4 && distances.slice(1).every((d) => d < 0.1 && d < distances[0] / 3), distances.join(', '));
    assert.ok((collapse?.['first_step_below_0.1'] ?? 0) <= 50);
  });

  it('Lightning version_1, resumed into the same version: both event files read in name order, a step written again keeps its later value', async () => {
    const dir = join(DIR, 'lightning_logs');
    assert.equal(eventFilesOf(join(dir, 'version_1')).length, 2);
    const log = await readTrainingLog(dir, { run: 'version_1' });
    const want = await expected('lightning_logs/version_1');
    assertScalars(log, want);
    const loss = log.scalars.find((s) => s.tag === 'train_loss')?.points ?? [];
    assert.deepEqual(loss.map((p) => p.step), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(log.embeddings, []);
    // The first session's step 3 is also in the file; it is not the one kept.
    assert.ok(loss[3].wallTime > loss[2].wallTime + 1, `${loss[3].wallTime} ${loss[2].wallTime}`);
    assertScalars(await readTrainingLog(dir, { run: 'version_0' }), await expected('lightning_logs/version_0'));
  });

  it('with the event files in the other order, the earlier session would win: the order matters and is by name', async () => {
    const run = await copyRun('lightning_logs/version_1');
    const [first, second] = eventFilesOf(run);
    const want = await expected('lightning_logs/version_1');
    await cp(join(run, first), join(run, 'x'));
    await cp(join(run, second), join(run, first));
    await cp(join(run, 'x'), join(run, second));
    await rm(join(run, 'x'));
    const swapped = (await readTrainingLog(run)).scalars.find((s) => s.tag === 'train_loss')?.points ?? [];
    assert.notEqual(swapped[3].value, want.scalars.train_loss[3][1]);
    assert.deepEqual(swapped.map((p) => p.step), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a truncated event file and a bad CRC are input errors naming the event file', async () => {
    const run = await copyRun('lightning_logs/version_0');
    const [name] = eventFilesOf(run);
    const file = join(run, name);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 7));
    await rejectsInput(readTrainingLog(run), file, /record at byte \d+ is truncated: its header gives \d+ data bytes/);
    const flipped = Uint8Array.from(bytes);
    flipped[40] ^= 0x04;
    await writeFile(file, flipped);
    await rejectsInput(readTrainingLog(run), file, /record at byte \d+: bad (data|length) crc/);
  });

  it('a projector config naming a missing TSV, and metadata that does not match the rows, name the file', async () => {
    const run = await copyRun('healthy');
    await rm(join(run, '00100/default/tensors.tsv'));
    await rejectsInput(readTrainingLog(run), join(run, 'projector_config.pbtxt'), /entry 3 \("default:00100"\): tensor_path "00100\/default\/tensors\.tsv" names a missing file/);
    await cp(join(DIR, 'healthy/00100/default/tensors.tsv'), join(run, '00100/default/tensors.tsv'));
    const metadata = join(run, '00150/default/metadata.tsv');
    await writeFile(metadata, (await readFile(metadata, 'utf8')).split('\n').slice(1).join('\n'));
    await rejectsInput(readTrainingLog(run), metadata, /has 199 labels, but .*00150\/default\/tensors\.tsv has 200 rows/);
  });

  it('projector embeddings of different dimensions at two steps are an input error', async () => {
    const run = await copyRun('healthy');
    const tsv = join(run, '00200/default/tensors.tsv');
    const lines = (await readFile(tsv, 'utf8')).trim().split('\n');
    await writeFile(tsv, lines.map((l) => l.split('\t').slice(0, 8).join('\t')).join('\n') + '\n');
    await rejectsInput(readTrainingLog(run), tsv, /dimension 8 \(step 200\), but .*00000\/default\/tensors\.tsv \(step 0\) has dimension 16/);
  });

  it('a run with no projector refuses an embedding tag', async () => {
    await rejectsArgument(
      () => readTrainingLog(join(DIR, 'lightning_logs'), { run: 'version_0', embeddingTag: 'default' }),
      /--embedding-tag "default": run "version_0" of .* has no projector embeddings/,
    );
  });
});

describe('readTrainingLog: a folder of snapshots', () => {
  it('snapshots/: step-<n>.npy with labels.npy and log.csv from the healthy run', async () => {
    const log = await readTrainingLog(join(DIR, 'snapshots'));
    assert.deepEqual([log.format, log.run, log.runs], ['snapshots', '.', ['.']]);
    const want = await expected('snapshots');
    assertScalars(log, want, false);
    assert.deepEqual(
      log.scalars.map((s) => [s.tag, s.points.length]),
      [
        ['loss', 300],
        ['lr', 60],
        ['mined', 300],
      ],
    );
    assertEmbeddings(log, want.embeddings.default, 1e-6);
    assert.equal(log.embeddings[0].source, join(DIR, 'snapshots', 'step-0.npy'));
  });

  it("the snapshots are the healthy projector's embeddings before rounding to 4 decimals", async () => {
    const snapshots = await readTrainingLog(join(DIR, 'snapshots'));
    const projector = await readTrainingLog(join(DIR, 'healthy'));
    snapshots.embeddings.forEach((s, i) => {
      const p = projector.embeddings[i].matrix.data;
      assert.ok(
        s.matrix.data.every((v, k) => Math.abs(v - p[k]) <= 5.1e-5),
        `step ${s.step}`,
      );
    });
  });

  it('log.jsonl (NaN as Python writes it, non-numbers skipped), labels.txt, an .npz snapshot with its own labels', async () => {
    const dir = await tempDir();
    const formats = join(import.meta.dirname, '../fixtures/formats');
    await cp(join(formats, 'emb.npy'), join(dir, 'step-0.npy'));
    await cp(join(formats, 'emb.npz'), join(dir, 'step-0010.npz'));
    const own = Array.from({ length: 48 }, (_, i) => Math.floor(i / 12)); // the labels emb.npz holds
    await writeFile(join(dir, 'labels.txt'), own.map((c) => `class-${3 - c}`).join('\n') + '\n');
    await writeFile(
      join(dir, 'log.jsonl'),
      '{"step": 0, "loss": 0.5, "phase": "train", "ok": true, "nested": {"a": 1}}\n\n{"step": 10, "loss": NaN, "lr": -Infinity, "note": "NaN here"}\n',
    );
    assert.ok(isTrainingLogDir(dir));
    const log = await readTrainingLog(dir);
    assert.deepEqual(
      log.scalars.map((s) => [s.tag, s.points.map((p) => [p.step, p.value])]),
      [
        ['loss', [[0, 0.5], [10, NaN]]],
        ['lr', [[10, -Infinity]]],
      ],
    );
    assert.deepEqual(log.embeddings.map((e) => [e.step, e.tag, e.matrix.rows, e.matrix.dim]), [
      [0, 'default', 48, 8],
      [10, 'default', 48, 8],
    ]);
    assert.deepEqual(Array.from(log.embeddings[0].labels ?? []), own.map((c) => 3 - c)); // labels.txt, names sorted
    assert.deepEqual(Array.from(log.embeddings[1].labels ?? []), own); // the file's own
  });

  it('bad snapshot folders are input errors naming the file or folder', async () => {
    const make = async (files: Record<string, string | Uint8Array>) => {
      const dir = await tempDir();
      for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
      return dir;
    };
    const npy = (rows: number, dim: number) => encodeNpy(Array.from({ length: rows * dim }, (_, i) => (i % 7) - 3), [rows, dim], 'float32');
    let dir = await make({ 'step-0.npy': npy(4, 3), 'step-5.npy': npy(4, 2) });
    await rejectsInput(readTrainingLog(dir), join(dir, 'step-5.npy'), /dimension 2 \(step 5\), but .*step-0\.npy \(step 0\) has dimension 3: every step's embeddings must have the same dimension/);
    dir = await make({ 'step-5.npy': npy(4, 3), 'step-05.npz': npy(4, 3) });
    await rejectsInput(readTrainingLog(dir), dir, /step-05\.npz and step-5\.npy both hold step 5/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'labels.txt': '1\n2\n3\n' });
    await rejectsInput(readTrainingLog(dir), join(dir, 'labels.txt'), /has 3 labels, but .*step-0\.npy has 4 rows/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'labels.txt': '1\n', 'labels.npy': npy(1, 1) });
    await rejectsInput(readTrainingLog(dir), dir, /holds both labels\.npy and labels\.txt: keep one/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'log.csv': 'step,loss\n0,1\n', 'log.jsonl': '{"step": 0}\n' });
    await rejectsInput(readTrainingLog(dir), dir, /holds both log\.csv and log\.jsonl/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'log.csv': 'epoch,loss\n0,1\n' });
    await rejectsInput(readTrainingLog(dir), join(dir, 'log.csv'), /has no "step" column in its header; columns: "epoch", "loss"/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'log.csv': 'step,loss\n0,1\n1,high\n' });
    await rejectsInput(readTrainingLog(dir), join(dir, 'log.csv'), /line 3, column 1 \("loss"\): expected a number, found "high"/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'log.csv': 'step,loss\n0.5,1\n' });
    await rejectsInput(readTrainingLog(dir), join(dir, 'log.csv'), /line 2: the step must be a non-negative integer, found 0\.5/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'log.jsonl': '{"step": 0}\n{"loss": 1}\n' });
    await rejectsInput(readTrainingLog(dir), join(dir, 'log.jsonl'), /line 2: the step must be a non-negative integer, found null/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'log.jsonl': '{"step": 0}\n{"step": 1,\n' });
    await rejectsInput(readTrainingLog(dir), join(dir, 'log.jsonl'), /line 2: is not valid JSON/);
    dir = await make({ 'step-0.npy': npy(4, 3), 'log.jsonl': '[0, 1]\n' });
    await rejectsInput(readTrainingLog(dir), join(dir, 'log.jsonl'), /line 1: expected a JSON object with a "step"/);
    dir = await make({ 'step-0.npy': npy(4, 3) });
    await rejectsArgument(() => readTrainingLog(dir, { embeddingTag: 'x' }), /--embedding-tag applies to a TensorBoard projector; run "\." of .* is a folder of snapshots/);
    assert.deepEqual((await readTrainingLog(dir)).scalars, []);
  });

  it('log.csv: an empty field is a step the column was not logged at; a step logged twice keeps the later row', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'step-3.npy'), encodeNpy([1, 2, 3, 4], [2, 2], 'float32'));
    await writeFile(join(dir, 'log.csv'), 'step,loss,lr\n2,0.5,\n1,0.75,0.1\n2,0.25,0.01\n');
    const log = await readTrainingLog(dir);
    assert.deepEqual(
      log.scalars.map((s) => [s.tag, s.points.map((p) => [p.step, p.value])]),
      [
        ['loss', [[1, 0.75], [2, 0.25]]],
        ['lr', [[1, 0.1], [2, 0.01]]],
      ],
    );
  });
});

describe('which folders are training logs', () => {
  it('isTrainingLogDir finds event files, a projector config or snapshots in a folder or its subfolders', async () => {
    assert.ok(isTrainingLogDir(DIR));
    assert.ok(isTrainingLogDir(join(DIR, 'lightning_logs')));
    assert.ok(isTrainingLogDir(join(DIR, 'snapshots')));
    const dir = await tempDir();
    assert.equal(isTrainingLogDir(dir), false);
    assert.equal(isTrainingLogDir(join(dir, 'missing')), false);
    assert.equal(isTrainingLogDir(join(DIR, 'expected.json')), false);
    assert.equal(isTrainingLogDir(join(DIR, 'healthy/00000')), false);
    await mkdir(join(dir, 'a/b'), { recursive: true });
    await writeFile(join(dir, 'a/b/projector_config.pbtxt'), '');
    assert.ok(isTrainingLogDir(dir));
    const log = await readTrainingLog(dir);
    assert.deepEqual([log.run, log.format, log.scalars, log.embeddings], ['a/b', 'tensorboard', [], []]);
  });

  it('a folder with none of these, a file and a missing folder are input errors', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'emb.npy'), encodeNpy([1, 2, 3, 4], [2, 2], 'float32'));
    await rejectsInput(readTrainingLog(dir), dir, /holds no training log: expected TensorBoard event files \(events\.out\.tfevents\.\*\), a projector_config\.pbtxt, or snapshots step-<n>\.npy/);
    await rejectsInput(readTrainingLog(join(dir, 'emb.npy')), join(dir, 'emb.npy'), /is a file, expected a folder holding a training log/);
    await rejectsInput(readTrainingLog(join(dir, 'nope')), join(dir, 'nope'), /no such folder/);
  });
});
