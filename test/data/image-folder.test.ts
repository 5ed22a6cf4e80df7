import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { readImageFolder } from '../../src/data/index.js';
import { rejectsArgument, rejectsInput, tempDir } from './input-error.js';

/** Writes an image from raw pixels (row-major, channels interleaved) with sharp. */
async function image(path: string, pixels: number[], width: number, height: number, channels: 1 | 3 | 4, format: 'png' | 'jpeg' = 'png'): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const raw = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  await (format === 'png' ? raw.png() : raw.jpeg({ quality: 100 })).toFile(path);
}

const GREY_A = [0, 10, 20, 30, 40, 50]; // 3 wide, 2 high
const GREY_B = [255, 128, 1, 2, 3, 4];
const RGB = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90];

describe('image folder', () => {
  it('reads grey PNGs exactly, classes in sorted folder order, files in sorted order', async () => {
    const dir = await tempDir();
    await image(join(dir, 'zebra', 'b.png'), GREY_B, 3, 2, 1);
    await image(join(dir, 'zebra', 'a.png'), GREY_A, 3, 2, 1);
    await image(join(dir, 'ant', 'x.PNG'), GREY_B, 3, 2, 1);
    await writeFile(join(dir, 'ant', 'notes.txt'), 'ignored');
    await writeFile(join(dir, 'README'), 'ignored');
    const ds = await readImageFolder(dir, { color: 'grey' });
    assert.deepEqual(ds.classNames, ['ant', 'zebra']);
    assert.deepEqual([...ds.labels], [0, 1, 1]);
    assert.deepEqual(ds.sampleShape, [2, 3, 1]);
    assert.deepEqual([...ds.features], [...GREY_B, ...GREY_A, ...GREY_B].map((p) => Math.fround(p / 255)));
    assert.equal(ds.source, dir);
  });

  it('reads RGB exactly, drops alpha by compositing on black, repeats grey over 3 channels', async () => {
    const dir = await tempDir();
    await image(join(dir, 'c', 'rgb.png'), RGB, 3, 2, 3);
    // Alpha 255 keeps the colour, 0 gives black.
    await image(join(dir, 'c', 'rgba.png'), [9, 8, 7, 255, 1, 2, 3, 0, 4, 5, 6, 255, 0, 0, 0, 255, 200, 100, 50, 255, 1, 1, 1, 0], 3, 2, 4);
    await image(join(dir, 'd', 'grey.png'), GREY_A, 3, 2, 1);
    const ds = await readImageFolder(dir);
    assert.deepEqual(ds.sampleShape, [2, 3, 3]);
    const want = [...RGB, 9, 8, 7, 0, 0, 0, 4, 5, 6, 0, 0, 0, 200, 100, 50, 0, 0, 0, ...GREY_A.flatMap((g) => [g, g, g])];
    assert.deepEqual([...ds.features], want.map((p) => Math.fround(p / 255)));
    // In grey mode, an RGB image whose pixels are grey reads as those grey values.
    const greyDir = await tempDir();
    await image(join(greyDir, 'g', 'rgb-grey.png'), GREY_B.flatMap((g) => [g, g, g]), 3, 2, 3);
    const grey = await readImageFolder(greyDir, { color: 'grey' });
    assert.deepEqual(grey.sampleShape, [2, 3, 1]);
    assert.deepEqual([...grey.features], GREY_B.map((p) => Math.fround(p / 255)));
  });

  it('resizes to the given size: a flat image stays flat, JPEG decodes close to its pixels', async () => {
    const dir = await tempDir();
    await image(join(dir, 'a', 'big.png'), new Array(7 * 5).fill(77), 7, 5, 1);
    await image(join(dir, 'b', 'photo.jpg'), new Array(16 * 16 * 3).fill(120), 16, 16, 3, 'jpeg');
    for (const fit of ['fill', 'cover'] as const) {
      const ds = await readImageFolder(dir, { size: 4, color: 'grey', fit });
      assert.deepEqual(ds.sampleShape, [4, 4, 1]);
      const a = [...ds.features.subarray(0, 16)];
      assert.deepEqual(a, new Array(16).fill(Math.fround(77 / 255)), fit);
      for (const v of ds.features.subarray(16)) assert.ok(Math.abs(v * 255 - 120) <= 2, `jpeg pixel ${v * 255}`);
    }
    const wide = await readImageFolder(dir, { size: [2, 6] });
    assert.deepEqual(wide.sampleShape, [2, 6, 3]);
    assert.equal(wide.features.length, 2 * 2 * 6 * 3);
  });

  describe('bad input names the folder or the image', () => {
    it('an unreadable image', async () => {
      const dir = await tempDir();
      await image(join(dir, 'a', 'ok.png'), GREY_A, 3, 2, 1);
      await mkdir(join(dir, 'b'));
      await writeFile(join(dir, 'b', 'broken.png'), 'this is not a PNG');
      await rejectsInput(readImageFolder(dir), join(dir, 'b', 'broken.png'), /cannot be decoded as an image/);
    });
    it('an image of another size when no size is given', async () => {
      const dir = await tempDir();
      await image(join(dir, 'a', '1.png'), GREY_A, 3, 2, 1);
      await image(join(dir, 'a', '2.png'), [1, 2, 3, 4], 2, 2, 1);
      await rejectsInput(readImageFolder(dir, { color: 'grey' }), join(dir, 'a', '2.png'), /is 2x2 with 1 channel\(s\), expected 3x2 with 1.*pass a size option/);
    });
    it('a class folder with no image, no class folder, a missing folder', async () => {
      const dir = await tempDir();
      await mkdir(join(dir, 'empty'));
      await writeFile(join(dir, 'empty', 'list.csv'), '1,2');
      await rejectsInput(readImageFolder(dir), join(dir, 'empty'), /has no .png, .jpg or .jpeg image/);
      const flat = await tempDir();
      await writeFile(join(flat, 'a.png'), '');
      await rejectsInput(readImageFolder(flat), flat, /has no class sub-folders/);
      await rejectsInput(readImageFolder(join(flat, 'nope')), join(flat, 'nope'), /no such folder/);
      await rejectsInput(readImageFolder(join(flat, 'a.png')), join(flat, 'a.png'), /is a file, expected a folder/);
    });
    it('bad options', async () => {
      const dir = await tempDir();
      await rejectsArgument(() => readImageFolder(dir, { size: 0 }), /`size` must be a positive integer or \[height, width\].*size=0/);
      await rejectsArgument(() => readImageFolder(dir, { color: 'cmyk' as 'rgb' }), /`color` must be 'grey' or 'rgb'/);
    });
  });
});
