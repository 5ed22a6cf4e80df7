import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundledFashionMnistDir, readIdx, writeIdx } from '../../src/data/index.js';
import { makeSample, type SampleRecord } from '../../scripts/make-fashion-mnist-sample.js';
import { tempDir } from './input-error.js';

const ORIGINALS = '/usr/share/datasets/fashion-mnist';
const haveOriginals = existsSync(join(ORIGINALS, 'train-images-idx3-ubyte.gz'));
const SAMPLE_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
  'classes.txt',
  'indices.json',
];
const PARTS = [
  { key: 'train', prefix: 'train', perClass: 1200 },
  { key: 'test', prefix: 't10k', perClass: 200 },
] as const;

async function record(dir: string): Promise<SampleRecord> {
  return JSON.parse(await readFile(join(dir, 'indices.json'), 'utf8')) as SampleRecord;
}

describe('the Fashion-MNIST sample script', () => {
  it('on a small source: balanced, in original order, equal to the source at the recorded indices, same bytes twice', async () => {
    const src = await tempDir();
    const n = 30;
    const labels = Array.from({ length: n }, (_, i) => (i * 7) % 3);
    const images = Array.from({ length: n * 4 }, (_, i) => (i * 13) % 256);
    for (const prefix of ['train', 't10k']) {
      await writeIdx(join(src, `${prefix}-images-idx3-ubyte.gz`), images, [n, 2, 2], 'uint8');
      await writeIdx(join(src, `${prefix}-labels-idx1-ubyte.gz`), labels, [n], 'uint8');
    }
    const out = [await tempDir(), await tempDir()];
    const options = { sourceDir: src, trainPerClass: 4, testPerClass: 2, classNames: ['a', 'b', 'c'] };
    const rec = await makeSample({ ...options, outDir: out[0] });
    await makeSample({ ...options, outDir: out[1] });
    for (const f of SAMPLE_FILES) {
      assert.deepEqual(await readFile(join(out[0], f)), await readFile(join(out[1], f)), `${f} differs between runs`);
    }
    assert.deepEqual(await record(out[0]), rec);
    for (const [key, prefix, k] of [['train', 'train', 4], ['test', 't10k', 2]] as const) {
      const idx = rec[key];
      assert.deepEqual(idx, [...new Set(idx)].sort((a, b) => a - b), 'unique and sorted');
      const got = await readIdx(join(out[0], `${prefix}-images-idx3-ubyte.gz`));
      const lab = await readIdx(join(out[0], `${prefix}-labels-idx1-ubyte.gz`));
      assert.deepEqual(got.shape, [3 * k, 2, 2]);
      assert.deepEqual([...lab.data], idx.map((i) => labels[i]));
      assert.deepEqual([...got.data], idx.flatMap((i) => images.slice(i * 4, i * 4 + 4)));
      for (let c = 0; c < 3; c++) assert.equal(idx.filter((i) => labels[i] === c).length, k);
    }
    assert.equal(await readFile(join(out[0], 'classes.txt'), 'utf8'), 'a\nb\nc\n');
  });

  it('the bundled sample records 1,200 / 200 distinct indices per class, sorted', async () => {
    const rec = await record(bundledFashionMnistDir);
    for (const { key, prefix, perClass } of PARTS) {
      const idx = rec[key];
      assert.equal(idx.length, perClass * 10);
      assert.deepEqual(idx, [...new Set(idx)].sort((a, b) => a - b));
      const labels = (await readIdx(join(bundledFashionMnistDir, `${prefix}-labels-idx1-ubyte.gz`))).data;
      for (let c = 0; c < 10; c++) assert.equal(labels.filter((l) => l === c).length, perClass);
    }
  });

  it(
    'the bundled sample equals the original Fashion-MNIST at the recorded indices',
    { skip: haveOriginals ? false : `needs ${ORIGINALS} (Debian package dataset-fashion-mnist)` },
    async () => {
      const rec = await record(bundledFashionMnistDir);
      for (const { key, prefix } of PARTS) {
        for (const kind of ['images-idx3', 'labels-idx1']) {
          const name = `${prefix}-${kind}-ubyte.gz`;
          const original = await readIdx(join(ORIGINALS, name));
          const sample = await readIdx(join(bundledFashionMnistDir, name));
          const size = original.shape.slice(1).reduce((a, b) => a * b, 1);
          assert.deepEqual(sample.shape, [rec[key].length, ...original.shape.slice(1)]);
          rec[key].forEach((i, k) => {
            const want = original.data.subarray(i * size, (i + 1) * size);
            const got = sample.data.subarray(k * size, (k + 1) * size);
            if (Buffer.compare(Buffer.from(want.buffer, want.byteOffset, want.byteLength), Buffer.from(got.buffer, got.byteOffset, got.byteLength)) !== 0) {
              assert.fail(`${name}: sample ${k} differs from original ${i}`);
            }
          });
        }
      }
    },
  );

  it(
    're-running the script on the originals writes the committed bytes',
    { skip: haveOriginals ? false : `needs ${ORIGINALS} (Debian package dataset-fashion-mnist)` },
    async () => {
      const out = await tempDir();
      await makeSample({ sourceDir: ORIGINALS, outDir: out });
      for (const f of SAMPLE_FILES) {
        const same = (await readFile(join(out, f))).equals(await readFile(join(bundledFashionMnistDir, f)));
        assert.ok(same, `${f} differs from data/fashion-mnist/${f}`);
      }
    },
  );
});
