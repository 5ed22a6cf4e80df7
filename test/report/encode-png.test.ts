import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { encodePng } from '../../src/report/encode-png.js';
import { Random } from '../../src/random.js';

describe('encodePng', () => {
  it('writes PNG files that libvips (sharp) decodes back to the same pixels, grey and RGB', async () => {
    const rng = new Random(5);
    for (const [width, height, channels] of [
      [28, 28, 1],
      [7, 3, 3],
      [1, 1, 1],
    ] as const) {
      const pixels = Uint8Array.from({ length: width * height * channels }, () => rng.int(256));
      const png = encodePng(pixels, width, height, channels);
      const meta = await sharp(png).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', width, height, channels]);
      const decoded = channels === 1 ? sharp(png).toColourspace('b-w') : sharp(png);
      const { data } = await decoded.raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual(new Uint8Array(data), pixels);
    }
  });
});
