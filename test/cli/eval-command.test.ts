import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { evalCommand, formatEvalResult, type EvalFlags } from '../../src/cli/eval-command.js';
import { exitCodeFor } from '../../src/cli/exit-code.js';
import { writeNpy } from '../../src/data/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { runTraining, type TrainConfig } from '../../src/run/index.js';
import { tinyImagesIdx, tinyRunConfig } from '../helpers/tiny-run.js';
import { cli } from '../helpers/cli.js';

/** An evalCommand call that must fail with exit status 2 (bad input) and a message matching `pattern`. */
async function rejectsWithExit2(flags: EvalFlags, pattern: RegExp): Promise<void> {
  await assert.rejects(evalCommand(flags), (error: unknown) => {
    assert.ok(error instanceof DeepmetricError, String(error));
    assert.equal(exitCodeFor(error), 2, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('deepmetric eval', () => {
  let dir: string;
  let config: TrainConfig;
  let model: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dm-eval-'));
    config = await tinyRunConfig(dir);
    await runTraining(config, { progress: null });
    model = join(config.out, 'model');
  });

  it("evaluates the run's own test split by default, matching what training measured", async () => {
    const result = await evalCommand({ model, backend: 'cpu' });
    assert.equal(tf.memory().numTensors, 0);
    const summary = JSON.parse(await readFile(join(config.out, 'summary.json'), 'utf8'));
    assert.deepEqual(
      [result.data, result.split, result.samples, result.classes, result.k],
      [config.data, 'test', 18, 3, 17],
    );
    assert.equal(result.settingsFrom, join(config.out, 'config.json'));
    // summary.json was computed by runTraining's own evaluation: the same split, model and metrics.
    for (const key of [
      'precisionAt1',
      'rPrecision',
      'meanAveragePrecisionAtR',
      'meanAveragePrecision',
      'meanReciprocalRank',
    ] as const) {
      assert.equal(result.embedding[key], summary.test[key], key);
      assert.equal(result.raw[key], summary.rawTest[key], `raw ${key}`);
    }
    for (const m of [result.embedding, result.raw]) assert.ok(m.nmi >= 0 && m.nmi <= 1 && m.ami <= 1);
    const text = formatEvalResult(result);
    assert.match(text, /test split: 18 samples, 3 classes/);
    assert.match(
      text,
      new RegExp(`precision@1 +${summary.test.precisionAt1.toFixed(4)} +${summary.rawTest.precisionAt1.toFixed(4)}`),
    );
    assert.match(text, /AMI \(k-means\)/);

    const limited = await evalCommand({ model, backend: 'cpu', k: 'max-bin-count', seed: 0 });
    assert.equal(limited.k, 5, 'six test samples per class: five others');
    assert.equal(limited.settingsFrom, `${join(config.out, 'config.json')} and flags`);
  });

  it('evaluates held-out classes, and explains what a bare --holdout-classes needs', async () => {
    const heldOut = await evalCommand({ model, backend: 'cpu', holdoutClasses: '2' });
    assert.deepEqual([heldOut.split, heldOut.classes], ['held-out classes', 2]);
    assert.equal(heldOut.samples, 60, 'all samples of the last 2 of 3 classes');
    await rejectsWithExit2({ model, backend: 'cpu', holdoutClasses: true }, /the run held out no classes; name them/);
  });

  it('exits 2 on a single class, non-finite data or embeddings, mismatched labels, a model for other data', async () => {
    await rejectsWithExit2(
      { model, backend: 'cpu', holdoutClasses: '1' },
      /all have class 'class2'; retrieval and clustering need at least 2 classes/,
    );

    const features = join(dir, 'features.npy');
    const labels = join(dir, 'labels.npy');
    const values = Float32Array.from({ length: 10 * 8 }, (_, i) => i % 7);
    values[3 * 8 + 2] = NaN;
    await writeNpy(features, values, [10, 8], 'float32');
    await writeNpy(
      labels,
      Int32Array.from({ length: 10 }, (_, i) => i % 2),
      [10],
      'int32',
    );
    await rejectsWithExit2(
      { model, data: features, labels, backend: 'cpu' },
      /features\.npy: sample 3 has the non-finite value NaN at position 2/,
    );
    const short = join(dir, 'short-labels.npy');
    await writeNpy(short, new Int32Array(9), [9], 'int32');
    await rejectsWithExit2(
      { model, data: features, labels: short, backend: 'cpu' },
      /short-labels\.npy: has 9 labels, but .*features\.npy has 10 samples/,
    );

    // A model whose weights went NaN (a diverged run): its embeddings are NaN.
    const broken = join(dir, 'broken', 'model');
    await cp(model, broken, { recursive: true });
    const weights = await readFile(join(broken, 'weights.bin'));
    new Float32Array(weights.buffer, weights.byteOffset, weights.byteLength / 4).fill(NaN);
    await writeFile(join(broken, 'weights.bin'), weights);
    await rejectsWithExit2(
      { model: broken, data: config.data, backend: 'cpu' },
      /embeddings of .*broken\/model hold NaN or Infinity in 18 of 18 rows/,
    );

    await rejectsWithExit2(
      { model, data: await tinyImagesIdx(dir), backend: 'cpu' },
      /has samples of shape \[8, 8, 1\], but the model .* takes \[8\]/,
    );
    await rejectsWithExit2(
      { model: broken, backend: 'cpu' },
      /--data is required: .*broken\/model is not inside a run directory/,
    );
  });

  it('runs from the command line: JSON on stdout, exit 2 and a message on stderr for bad input', async () => {
    const [ok, bad] = await Promise.all([
      cli(['eval', '--model', model, '--json', '--backend', 'cpu']),
      cli(['eval', '--model', model, '--holdout-classes', '1', '--backend', 'cpu']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const parsed = JSON.parse(ok.stdout);
    assert.deepEqual([parsed.samples, parsed.classes, parsed.split], [18, 3, 'test']);
    assert.equal(typeof parsed.embedding.ami, 'number');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^deepmetric: .*need at least 2 classes/);
    assert.equal(bad.stdout, '');
  });
});
