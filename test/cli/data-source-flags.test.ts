import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { trainCommand } from '../../src/cli/train-command.js';
import { embedCommand, type EmbedFlags } from '../../src/cli/embed-command.js';
import { evalCommand } from '../../src/cli/eval-command.js';
import type { CommandContext } from '../../src/cli/command-context.js';
import { readNpy, writeNpy } from '../../src/data/index.js';
import { Random } from '../../src/random.js';
import { cli } from '../helpers/cli.js';

const CONTEXT: CommandContext = { signal: new AbortController().signal, progress: null, out: () => {} };
const TINY = { model: 'mlp:16', embeddingDim: 4, batch: [3, 4] as [number, number], steps: 6, backend: 'cpu' as const };

/** Three Gaussian blobs in 8-D, 30 rows each: features and labels. */
function blobs(): { features: Float32Array; labels: Int32Array } {
  const rng = new Random(4);
  const features = new Float32Array(90 * 8);
  const labels = new Int32Array(90);
  for (let i = 0; i < 90; i++) {
    labels[i] = i % 3;
    for (let k = 0; k < 8; k++) features[i * 8 + k] = (k === labels[i] ? 3 : 0) + rng.normal();
  }
  return { features, labels };
}

/** An image folder of 3 classes x 8 images of `width` x `height` RGB, class c brightest in channel c. */
async function imageFolder(dir: string, width: number, height: number): Promise<string> {
  const root = join(dir, 'images');
  for (let c = 0; c < 3; c++) {
    await mkdir(join(root, `class${c}`), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const pixels = Buffer.alloc(width * height * 3);
      for (let p = 0; p < width * height; p++) pixels[p * 3 + c] = 150 + ((p * 7 + i * 13) % 100);
      await sharp(pixels, { raw: { width, height, channels: 3 } })
        .png()
        .toFile(join(root, `class${c}`, `${i}.png`));
    }
  }
  return root;
}

describe('data-source flags of train, embed and eval', () => {
  it("train reads .npy features with --labels, and eval reads the run's data as the run read it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-source-'));
    const { features, labels } = blobs();
    await writeNpy(join(dir, 'x.npy'), features, [90, 8], 'float32');
    await writeFile(join(dir, 'y.txt'), `${Array.from(labels, (l) => `c${l}`).join('\n')}\n`);
    const out = join(dir, 'run');
    const summary = await trainCommand({ ...TINY, data: join(dir, 'x.npy'), labels: join(dir, 'y.txt'), out }, CONTEXT);
    assert.equal(summary.steps, 6);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    assert.equal(config.labels, join(dir, 'y.txt'));
    // 90 rows, 20% of each class in the test split: 18 samples of 3 classes.
    const result = await evalCommand({ model: join(out, 'model'), backend: 'cpu' });
    assert.equal(result.samples, 18);
    assert.equal(result.classes, 3);
    await assert.rejects(
      trainCommand({ ...TINY, data: join(dir, 'x.npy'), out: join(dir, 'other') }, CONTEXT),
      /labels/,
    );
  });

  it('train reads a CSV with a header and a named label column', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-source-'));
    const { features, labels } = blobs();
    const rows = Array.from(labels, (l, i) => [`kind${l}`, ...features.subarray(i * 8, i * 8 + 8)].join(','));
    const csv = join(dir, 'blobs.csv');
    await writeFile(csv, `kind,${Array.from({ length: 8 }, (_, k) => `f${k}`).join(',')}\n${rows.join('\n')}\n`);
    const out = join(dir, 'run');
    await trainCommand({ ...TINY, data: csv, csvHeader: true, labelColumn: 'kind', out }, CONTEXT);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    assert.equal(config.csvHeader, true);
    assert.equal(config.labelColumn, 'kind');
    // The same file read without the header flag: its first line is not numbers.
    await assert.rejects(
      trainCommand({ ...TINY, data: csv, labelColumn: '0', out: join(dir, 'other') }, CONTEXT),
      /blobs\.csv.*line 1/,
    );
  });

  it('embed resizes an image folder and reads it grey or RGB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-source-'));
    const images = await imageFolder(dir, 6, 4);
    const run = join(dir, 'run');
    await trainCommand({ ...TINY, data: images, imageSize: '5x3', color: 'grey', out: run }, CONTEXT);
    const config = JSON.parse(await readFile(join(run, 'config.json'), 'utf8'));
    assert.deepEqual([config.imageSize, config.color], ['5x3', 'grey']);
    const flags: EmbedFlags = {
      model: join(run, 'model'),
      data: images,
      out: join(dir, 'e.npy'),
      split: 'all',
      seed: 0,
      batchSize: 16,
      backend: 'cpu',
      threads: 1,
    };
    const embedded = await embedCommand({ ...flags, imageSize: '5x3', color: 'grey' });
    assert.deepEqual([embedded.rows, embedded.dim], [24, 4]);
    assert.deepEqual((await readNpy(join(dir, 'e.npy'))).shape, [24, 4]);
    // The model takes 5 x 3 grey images: the folder as it is (6 x 4 RGB) does not fit it.
    await assert.rejects(embedCommand(flags), /shape|size/i);
  });

  it('refuse a flag that does not apply to the data, and a bad size, with exit status 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-source-'));
    const images = await imageFolder(dir, 4, 4);
    const [header, size] = await Promise.all([
      cli(['train', '--data', images, '--csv-header', '--backend', 'cpu', '--out', join(dir, 'a')]),
      cli([
        'embed',
        '--model',
        join(dir, 'none'),
        '--data',
        images,
        '--image-size',
        '0x3',
        '--out',
        join(dir, 'e.npy'),
      ]),
    ]);
    assert.equal(header.code, 2, header.stderr);
    assert.match(header.stderr, /header.*does not apply to an image folder/);
    assert.equal(size.code, 2, size.stderr);
    assert.match(size.stderr, /--image-size.*expected 'n' or 'HxW'/);
  });
});
