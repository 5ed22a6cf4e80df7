import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { bundledFashionMnistDir, loadData, writeIdx, writeNpy, type Dataset } from '../../src/data/index.js';
import { rejectsArgument, rejectsInput, tempDir } from './input-error.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function perClass(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (const l of ds.labels) counts[l]++;
  return counts;
}

/** A folder in the MNIST layout with n train and m test 2x2 images; label = index % 3. */
async function idxFolder(gz: boolean, n = 9, m = 6): Promise<string> {
  const dir = await tempDir();
  const s = gz ? '.gz' : '';
  const img = (k: number): number[] => Array.from({ length: k * 4 }, (_, i) => (i * 7) % 256);
  const lab = (k: number): number[] => Array.from({ length: k }, (_, i) => i % 3);
  await writeIdx(join(dir, `train-images-idx3-ubyte${s}`), img(n), [n, 2, 2], 'uint8');
  await writeIdx(join(dir, `train-labels-idx1-ubyte${s}`), lab(n), [n], 'uint8');
  await writeIdx(join(dir, `t10k-images-idx3-ubyte${s}`), img(m), [m, 2, 2], 'uint8');
  await writeIdx(join(dir, `t10k-labels-idx1-ubyte${s}`), lab(m), [m], 'uint8');
  return dir;
}

describe('loadData', () => {
  it('resolves the bundled folder relative to the package', () => {
    assert.equal(resolve(bundledFashionMnistDir), join(REPO, 'data', 'fashion-mnist'));
  });

  it("'fashion-mnist' is the bundled sample: 12,000 + 2,000 balanced images in [0, 1]", async () => {
    const { train, test } = await loadData('fashion-mnist');
    assert.equal(train.labels.length, 12000);
    assert.equal(test.labels.length, 2000);
    for (const ds of [train, test]) {
      assert.deepEqual(ds.sampleShape, [28, 28, 1]);
      assert.deepEqual(ds.classNames, FASHION);
      assert.equal(ds.features.length, ds.labels.length * 784);
      let min = Infinity;
      let max = -Infinity;
      for (const v of ds.features) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.equal(min, 0);
      assert.equal(max, 1);
    }
    assert.deepEqual(perClass(train), new Array(10).fill(1200));
    assert.deepEqual(perClass(test), new Array(10).fill(200));
  });

  it('holds classes out of a source with its own test set', async () => {
    const { train, test } = await loadData('fashion-mnist', { holdoutClasses: ['Bag', 'Ankle boot'] });
    assert.deepEqual(perClass(train), [1200, 1200, 1200, 1200, 1200, 1200, 1200, 1200, 0, 0]);
    assert.deepEqual(perClass(test), [0, 0, 0, 0, 0, 0, 0, 0, 200, 200]);
  });

  it('reads a folder of IDX files, gzipped or not, with classes.txt', async () => {
    for (const gz of [false, true]) {
      const dir = await idxFolder(gz);
      const { train, test } = await loadData(dir);
      assert.equal(train.labels.length, 9);
      assert.equal(test.labels.length, 6);
      assert.deepEqual([...test.labels], [0, 1, 2, 0, 1, 2]);
      assert.equal(train.features[1], Math.fround(7 / 255));
      assert.deepEqual(train.classNames, ['0', '1', '2']);
    }
    const dir = await idxFolder(true);
    await writeFile(join(dir, 'classes.txt'), 'cat\ndog\nemu\n');
    assert.deepEqual((await loadData(dir)).test.classNames, ['cat', 'dog', 'emu']);
    assert.deepEqual((await loadData(dir, { classNames: ['x', 'y', 'z'] })).train.classNames, ['x', 'y', 'z']);
  });

  it('splits a .npy, .csv or image-folder source with a seeded stratified split', async () => {
    const dir = await tempDir();
    const n = 40;
    await writeNpy(join(dir, 'x.npy'), Array.from({ length: n * 3 }, (_, i) => i), [n, 3], 'float32');
    await writeFile(join(dir, 'y.txt'), Array.from({ length: n }, (_, i) => (i < 30 ? 'a' : 'b')).join('\n'));
    const npy = await loadData(join(dir, 'x.npy'), { labels: join(dir, 'y.txt'), testFraction: 0.2, seed: 4 });
    assert.deepEqual(perClass(npy.test), [6, 2]);
    assert.deepEqual(perClass(npy.train), [24, 8]);
    const again = await loadData(join(dir, 'x.npy'), { labels: join(dir, 'y.txt'), testFraction: 0.2, seed: 4 });
    assert.deepEqual([...again.test.features], [...npy.test.features]);

    await writeFile(join(dir, 'd.csv'), 'f,label\n' + Array.from({ length: n }, (_, i) => `${i},${i % 4}`).join('\n'));
    const csv = await loadData(join(dir, 'd.csv'), { header: true, labelColumn: 'label' });
    assert.deepEqual(perClass(csv.test), [2, 2, 2, 2], 'default fraction 0.2');

    const images = join(dir, 'images');
    for (const [c, count] of [['x', 5], ['y', 5]] as const) {
      await mkdir(join(images, c), { recursive: true });
      for (let i = 0; i < count; i++) {
        await sharp(Buffer.from([i * 20, 0, 0, 255]), { raw: { width: 2, height: 2, channels: 1 } }).png().toFile(join(images, c, `${i}.png`));
      }
    }
    const img = await loadData(images, { color: 'grey', testFraction: 0.4, seed: 1 });
    assert.deepEqual(img.train.sampleShape, [2, 2, 1]);
    assert.deepEqual(perClass(img.test), [2, 2]);
    const held = await loadData(images, { color: 'grey', holdoutClasses: ['x'] });
    assert.deepEqual(perClass(held.train), [0, 5]);
    assert.deepEqual(perClass(held.test), [5, 0]);
  });

  describe('bad specs and options', () => {
    it('a path that does not exist, an unknown file type', async () => {
      const dir = await tempDir();
      await rejectsInput(loadData(join(dir, 'nope')), join(dir, 'nope'), /no such file or folder; expected 'fashion-mnist', a folder of IDX files/);
      await writeFile(join(dir, 'x.parquet'), '');
      await rejectsInput(loadData(join(dir, 'x.parquet')), join(dir, 'x.parquet'), /extension '.parquet'; expected a .npy or .csv file, or a folder/);
    });
    it('an IDX folder missing a file', async () => {
      const dir = await idxFolder(true);
      await writeIdx(join(dir, 't10k-labels-idx1-ubyte.gz'), [], [0], 'uint8');
      const other = await tempDir();
      await writeIdx(join(other, 'train-images-idx3-ubyte.gz'), [0, 0, 0, 0], [1, 2, 2], 'uint8');
      await rejectsInput(loadData(other), other, /no train-labels-idx1-ubyte or train-labels-idx1-ubyte.gz/);
      await rejectsInput(loadData(dir), join(dir, 't10k-labels-idx1-ubyte.gz'), /has 0 labels, but .* has 6 samples/);
    });
    it('options that do not fit the source', async () => {
      const dir = await tempDir();
      await writeNpy(join(dir, 'x.npy'), [1, 2], [2, 1], 'float32');
      await rejectsArgument(() => loadData(join(dir, 'x.npy')), /`labels` is required with .npy features/);
      await rejectsArgument(() => loadData('fashion-mnist', { testFraction: 0.1 }), /`testFraction` does not apply to .*own test set/);
      await rejectsArgument(() => loadData('fashion-mnist', { size: 32 }), /`size` does not apply to a folder of IDX files/);
      await rejectsArgument(() => loadData(join(dir, 'x.npy'), { labels: 'y', header: true }), /`header` does not apply to a .npy file/);
      await rejectsArgument(() => loadData(join(dir, 'x.npy'), { labels: 'y', testFraction: 0.2, holdoutClasses: 1 }), /give one/);
    });
  });
});
