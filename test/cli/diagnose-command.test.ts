import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import {
  diagnoseCommand,
  diagnoseJson,
  formatDiagnoseResult,
  type DiagnoseFlags,
} from '../../src/cli/diagnose-command.js';
import { exitCodeFor } from '../../src/cli/exit-code.js';
import { writeNpy } from '../../src/data/index.js';
import { CAUSE_IDS, embeddingHealth, VERDICTS } from '../../src/health/index.js';
import { Random } from '../../src/random.js';
import { runTraining } from '../../src/run/index.js';
import { cli } from '../helpers/cli.js';
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
    assert.match(
      formatDiagnoseResult(result),
      /^diagnose: .*e\.npy: 300 embeddings x 16 dimensions, 5 classes, norms [\d.]+-[\d.]+ \(raw\); no training log\nverdict: healthy\n/,
    );
    assert.equal(tf.memory().numTensors, 0);
  });

  it('--json prints one JSON object { verdict, onsetStep, causes, ... }, NaN as null, remedies in PyTorch terms first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    await writeNpy(join(dir, 'c.npy'), collapsed(), [300, 16], 'float32');
    const result = await diagnoseCommand(join(dir, 'c.npy'), FLAGS);
    assert.equal(result.exitCode, 1);
    const json = JSON.parse(diagnoseJson(result));
    assert.deepEqual(Object.keys(json), ['verdict', 'onsetStep', 'causes', 'evidence', 'findings', 'limits']);
    assert.equal(json.verdict, 'collapsed');
    assert.ok(VERDICTS.includes(json.verdict));
    assert.equal(json.evidence.gap, null); // no labels: not computable
    assert.ok(Object.values(json.evidence).every((v) => v === null || typeof v === 'number'));
    assert.deepEqual(
      json.causes.map((c: { id: string }) => c.id),
      ['unknown'],
    );
    for (const c of json.causes) assert.deepEqual(Object.keys(c), ['id', 'confidence', 'evidence', 'remedy']);
    assert.equal(json.onsetStep, null); // no trajectory
    // An embeddings file is not a deepmetric run: PML's names, then deepmetric's flags.
    assert.match(
      json.causes[0].remedy,
      /^PyTorch: .*TripletMarginMiner\(type_of_triplets="semihard"\).* With deepmetric: .*--miner semihard/,
    );
    assert.ok(json.limits.some((l: string) => l.startsWith('No training log')));
  });

  it('a .csv (with a header line, or with a label column) reads as the same embeddings as the .npy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-diag-'));
    const { data, labels } = clustered(3);
    await writeNpy(join(dir, 'e.npy'), data, [300, 16], 'float32');
    const rows = Array.from({ length: 300 }, (_, i) =>
      Array.from(data.subarray(i * 16, (i + 1) * 16), (v) => String(v)),
    );
    await writeFile(
      join(dir, 'e.csv'),
      `${Array.from({ length: 16 }, (_, k) => `d${k}`).join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`,
    );
    await writeFile(join(dir, 'l.csv'), rows.map((r, i) => [...r, `c${labels[i]}`].join(',')).join('\n'));
    await writeFile(join(dir, 'labels.txt'), Array.from(labels, (l) => `class ${l}`).join('\n'));
    const fromNpy = await diagnoseCommand(join(dir, 'e.npy'), { ...FLAGS, labels: join(dir, 'labels.txt') });
    const fromCsv = await diagnoseCommand(join(dir, 'e.csv'), { ...FLAGS, labels: join(dir, 'labels.txt') });
    const fromColumn = await diagnoseCommand(join(dir, 'l.csv'), { ...FLAGS, labelColumn: '-1' });
    // The label first, under a header that names it.
    await writeFile(
      join(dir, 'named.csv'),
      `kind,${Array.from({ length: 16 }, (_, k) => `d${k}`).join(',')}\n${rows.map((r, i) => [`c${labels[i]}`, ...r].join(',')).join('\n')}\n`,
    );
    const fromName = await diagnoseCommand(join(dir, 'named.csv'), { ...FLAGS, labelColumn: 'kind' });
    assert.deepEqual(fromCsv.report.evidence, fromNpy.report.evidence);
    assert.deepEqual(fromColumn.report.evidence, fromNpy.report.evidence);
    assert.deepEqual(fromName.report.evidence, fromNpy.report.evidence);
    await assert.rejects(
      diagnoseCommand(join(dir, 'named.csv'), { ...FLAGS, labelColumn: 'species' }),
      /named\.csv: has no column named "species" in its header; columns: "kind", "d0"/,
    );
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
    const withRef = await diagnoseCommand(join(dir, 'now.npy'), {
      ...FLAGS,
      labels: join(dir, 'y.npy'),
      reference: join(dir, 'start.npy'),
    });
    assert.equal(without.report.verdict, 'healthy');
    assert.ok(Number.isNaN(without.report.evidence.meanNormalizedDistanceRatio));
    assert.ok(
      withRef.report.evidence.meanNormalizedDistanceRatio < 0.5,
      String(withRef.report.evidence.meanNormalizedDistanceRatio),
    );
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
      [
        join(dir, 'e.npy'),
        { ...FLAGS, labels: join(dir, 'few.npy') },
        /few\.npy: holds 7 labels, but .*e\.npy holds 300 embeddings/,
      ],
      [join(dir, 'bad.csv'), FLAGS, /bad\.csv: line 2, column 1: expected a decimal number, found "x"/],
      [join(dir, 'e.txt'), FLAGS, /e\.txt: is neither a run directory nor an embeddings file/],
      [join(dir, 'e.npy'), { ...FLAGS, labelColumn: '0' }, /--label-column applies to a \.csv or Parquet file/],
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
    await assert.rejects(
      diagnoseCommand(dir, { ...FLAGS, labels: 'y.npy' }),
      /--labels applies to an embeddings file, not to a run directory/,
    );
    await rm(dir, { recursive: true });
  });
});

/** Every row divided by its L2 norm. */
function unitRows(data: Float32Array, dim: number): Float32Array {
  const out = data.slice();
  for (let i = 0; i < out.length; i += dim) {
    let sum = 0;
    for (let k = 0; k < dim; k++) sum += out[i + k] ** 2;
    for (let k = 0; k < dim; k++) out[i + k] /= Math.sqrt(sum);
  }
  return out;
}

interface DiagnoseJson {
  verdict: string;
  onsetStep: number | null;
  evidence: Record<string, number | null>;
  causes: Array<{ id: string; confidence: number; evidence: string; remedy: string }>;
  findings: Array<{ metric: string; threshold: string }>;
  limits: string[];
}

/** stdout of `--json`: exactly one JSON object (JSON.parse fails on anything else but whitespace), with known verdict and cause ids. */
function oneReport(stdout: string): DiagnoseJson {
  const json = JSON.parse(stdout);
  assert.ok(json !== null && typeof json === 'object' && !Array.isArray(json), stdout);
  assert.deepEqual(Object.keys(json), ['verdict', 'onsetStep', 'causes', 'evidence', 'findings', 'limits']);
  assert.ok(VERDICTS.includes(json.verdict), json.verdict);
  for (const c of json.causes) {
    assert.ok(CAUSE_IDS.includes(c.id), c.id);
    assert.deepEqual(Object.keys(c), ['id', 'confidence', 'evidence', 'remedy']);
    assert.ok(c.confidence > 0 && c.confidence <= 1, String(c.confidence));
  }
  return json;
}

const NO_LOG =
  'No training log: the learning-rate causes (lr-too-high, lr-decayed-too-fast) and the mining causes cannot be told, nor NaN steps, nor a stall (no active triplets).';
const JUDGED_NORMALIZED =
  /do not have unit norms and the run settings are unknown: judged as if they are used normalized/;

describe('deepmetric diagnose as a process (exit status, stdout, stderr)', () => {
  type Run = Awaited<ReturnType<typeof cli>>;
  let dir = '';
  const p = (name: string) => join(dir, name);
  let runs: Record<string, Run> = {};

  // Every process is started here at once (~2-3 s of tsx start-up each): the tests below read the results.
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dm-diag-cli-'));
    const { data, labels } = clustered(5);
    const squashed = collapsed();
    const nanRow = data.slice();
    nanRow.fill(NaN, 7 * 16, 8 * 16); // row 7 all NaN
    await Promise.all([
      writeNpy(p('raw.npy'), data, [300, 16], 'float32'),
      writeNpy(p('unit.npy'), unitRows(data, 16), [300, 16], 'float32'),
      writeNpy(p('collapsed.npy'), squashed, [300, 16], 'float32'),
      writeNpy(p('nan.npy'), nanRow, [300, 16], 'float32'),
      writeNpy(p('y.npy'), labels, [300], 'int32'),
      writeNpy(p('y299.npy'), labels.subarray(0, 299), [299], 'int32'),
      writeFile(p('corrupt.npy'), 'hello, this is not numpy\n'),
      writeFile(
        p('nan.csv'),
        Array.from({ length: 300 }, (_, i) => Array.from(nanRow.subarray(i * 16, (i + 1) * 16), String).join(',')).join(
          '\n',
        ),
      ),
    ]);
    const args: Record<string, string[]> = {
      rawJson: [p('raw.npy'), '--labels', p('y.npy'), '--json'],
      unitText: [p('unit.npy'), '--labels', p('y.npy')],
      collapsedJson: [p('collapsed.npy'), '--json'],
      collapsedRawFlagJson: [p('collapsed.npy'), '--raw', '--json'],
      missing: [p('missing.npy')],
      shortLabels: [p('raw.npy'), '--labels', p('y299.npy')],
      unknownOption: [p('raw.npy'), '--no-such-flag'],
      corrupt: [p('corrupt.npy')],
      nanNpyJson: [p('nan.npy'), '--json'],
      nanCsv: [p('nan.csv')],
      nanCsvJson: [p('nan.csv'), '--json'],
    };
    const results = await Promise.all(Object.values(args).map((a) => cli(['diagnose', ...a, '--backend', 'cpu'])));
    runs = Object.fromEntries(Object.keys(args).map((k, i) => [k, results[i]]));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('healthy embeddings exit 0 and collapsed ones exit 1; --json prints exactly one JSON object and nothing else', () => {
    const healthy = runs.rawJson;
    assert.equal(healthy.code, 0, healthy.stderr);
    const report = oneReport(healthy.stdout);
    assert.equal(report.verdict, 'healthy');
    assert.deepEqual(report.causes, []);
    assert.equal(report.evidence.numClasses, 5);
    assert.ok((report.evidence.gap as number) > 0, String(report.evidence.gap));

    const bad = runs.collapsedJson;
    assert.equal(bad.code, 1, bad.stderr);
    const collapsedReport = oneReport(bad.stdout);
    assert.equal(collapsedReport.verdict, 'collapsed');
    assert.ok(collapsedReport.causes.length > 0);
    assert.ok(collapsedReport.findings.some((f) => f.metric === 'meanNormalizedDistance'));
    assert.equal(collapsedReport.evidence.gap, null); // no labels
  });

  it('unit-norm (L2-normalized) rows and the raw rows they came from: the same verdict and direction numbers', () => {
    const raw = oneReport(runs.rawJson.stdout);
    const unit = runs.unitText;
    assert.equal(unit.code, runs.rawJson.code, unit.stderr);
    assert.match(
      unit.stdout,
      /^diagnose: .*unit\.npy: 300 embeddings x 16 dimensions, 5 classes, unit norms \(normalized\); no training log\nverdict: healthy\n/,
    );
    assert.equal(/\nverdict: (\S+)\n/.exec(unit.stdout)?.[1], raw.verdict);
    // The text prints 4 significant digits: the normalized spread and rank read the same from both.
    for (const k of ['meanNormalizedDistance', 'effectiveRank']) {
      assert.ok(
        unit.stdout.includes(`${k} ${(raw.evidence[k] as number).toPrecision(4)}`),
        `${k} ${raw.evidence[k]}: ${unit.stdout}`,
      );
    }
    // Raw rows carry the caveat that they were judged as normalized; unit rows are recognized and do not.
    assert.ok(
      raw.limits.some((l) => JUDGED_NORMALIZED.test(l)),
      raw.limits.join('\n'),
    );
    assert.doesNotMatch(unit.stdout, JUDGED_NORMALIZED);
  });

  it('says what cannot be told without a training log (text and --json)', () => {
    for (const r of [runs.rawJson, runs.collapsedJson, runs.collapsedRawFlagJson])
      assert.ok(oneReport(r.stdout).limits.includes(NO_LOG));
    assert.ok(runs.unitText.stdout.includes(`\nlimits:\n  ${NO_LOG}\n`), runs.unitText.stdout);
    assert.match(
      runs.unitText.stdout,
      /No reference from the start of training: a fall of the spread \(collapsing\) cannot be told/,
    );
  });

  it('--raw judges the raw scale: the direction checks and the "judged as normalized" caveat go away', () => {
    const plain = oneReport(runs.collapsedJson.stdout);
    const raw = oneReport(runs.collapsedRawFlagJson.stdout);
    assert.ok(plain.findings.some((f) => f.metric === 'meanNormalizedDistance'));
    assert.ok(
      !raw.findings.some((f) => f.metric === 'meanNormalizedDistance' || f.metric === 'normalizedStdSqrtDim'),
      JSON.stringify(raw.findings),
    );
    assert.ok(plain.limits.some((l) => JUDGED_NORMALIZED.test(l)));
    assert.ok(!raw.limits.some((l) => JUDGED_NORMALIZED.test(l)), raw.limits.join('\n'));
    // Without a reference the raw scale cannot show a shrink, but one point is one point: the
    // distances (~0.006) are 0.14% of the norms (4).
    assert.equal(raw.verdict, 'collapsed');
    assert.deepEqual(
      raw.findings.map((f) => f.threshold),
      ['COLLAPSED_RAW_POINT_RATIO'],
    );
    assert.ok(raw.causes.some((c) => c.id === 'no-normalization'));
    assert.equal(runs.collapsedRawFlagJson.code, 1);
  });

  it('bad input exits 2 with a message naming the file (or the option), and nothing on stdout', () => {
    const cases: Array<[string, RegExp]> = [
      ['missing', /^deepmetric: .*missing\.npy: no such file or folder/],
      ['shortLabels', /^deepmetric: .*y299\.npy: holds 299 labels, but .*raw\.npy holds 300 embeddings/],
      ['unknownOption', /unknown option '--no-such-flag'[\s\S]*Usage: deepmetric diagnose/],
      ['corrupt', /^deepmetric: .*corrupt\.npy: is not a \.npy file/],
    ];
    for (const [name, message] of cases) {
      const r = runs[name];
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, message, name);
      assert.equal(r.stdout, '', name);
    }
  });

  it('a NaN row: collapsed, cause non-finite, exit 1, from a .npy and a .csv alike', () => {
    for (const [name, r] of [
      ['npy', runs.nanNpyJson],
      ['csv', runs.nanCsvJson],
    ] as const) {
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      const report = oneReport(r.stdout);
      assert.equal(report.verdict, 'collapsed', name);
      assert.equal(report.evidence.nonFinite, 16, name);
      assert.equal(report.evidence.meanNormalizedDistance, null, name);
      assert.equal(report.causes[0].id, 'non-finite', name);
      assert.ok(
        !report.limits.some((l: string) => l.includes('do not have unit norms')),
        `${name}: no claim about the norms`,
      );
    }
    assert.match(runs.nanCsv.stdout, /16 NaN or infinite values in 1 rows/);
  });
});
