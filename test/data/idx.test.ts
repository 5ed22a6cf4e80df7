import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseIdx, readIdx, readIdxDataset, writeIdx } from '../../src/data/index.js';
import { rejectsInput, tempDir, throwsInput } from './input-error.js';

// Hand-written from the IDX definition: 00 00, type byte, rank, big-endian uint32 dims, big-endian data.
const UBYTE_2x3 = Uint8Array.from([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 253, 254, 255]);
const INT16_2 = Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]); // 258, -2
const INT32_1 = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 1, 0x80, 0, 0, 0]); // -2^31
const FLOAT32_2 = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0xc0, 0, 0, 0xc0, 0x20, 0, 0]); // 1.5, -2.5
const FLOAT64_1 = Uint8Array.from([0, 0, 0x0e, 1, 0, 0, 0, 1, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18]); // pi
const INT8_3 = Uint8Array.from([0, 0, 0x09, 1, 0, 0, 0, 3, 0x80, 0x00, 0x7f]); // -128, 0, 127

describe('IDX', () => {
  it('parses hand-written files of every type', () => {
    const u = parseIdx(UBYTE_2x3, 'u');
    assert.equal(u.dtype, 'uint8');
    assert.deepEqual(u.shape, [2, 3]);
    assert.deepEqual([...u.data], [0, 1, 2, 253, 254, 255]);
    assert.deepEqual([...parseIdx(INT16_2, 's').data], [258, -2]);
    assert.deepEqual([...parseIdx(INT32_1, 'i').data], [-2147483648]);
    assert.deepEqual([...parseIdx(FLOAT32_2, 'f').data], [1.5, -2.5]);
    assert.deepEqual([...parseIdx(FLOAT64_1, 'd').data], [Math.PI]);
    assert.deepEqual([...parseIdx(INT8_3, 'b').data], [-128, 0, 127]);
  });

  it('encodes exactly the hand-written bytes', () => {
    assert.deepEqual(encodeIdx([0, 1, 2, 253, 254, 255], [2, 3], 'uint8'), UBYTE_2x3);
    assert.deepEqual(encodeIdx([258, -2], [2], 'int16'), INT16_2);
    assert.deepEqual(encodeIdx([-2147483648], [1], 'int32'), INT32_1);
    assert.deepEqual(encodeIdx([1.5, -2.5], [2], 'float32'), FLOAT32_2);
    assert.deepEqual(encodeIdx([Math.PI], [1], 'float64'), FLOAT64_1);
    assert.deepEqual(encodeIdx([-128, 0, 127], [3], 'int8'), INT8_3);
  });

  it('round-trips through files, gzipped and not', async () => {
    const dir = await tempDir();
    const values = Array.from({ length: 4 * 5 * 3 }, (_, i) => (i * 37) % 256);
    for (const name of ['a-idx3-ubyte', 'a-idx3-ubyte.gz']) {
      const path = join(dir, name);
      await writeIdx(path, values, [4, 5, 3], 'uint8');
      const raw = await readFile(path);
      assert.equal(raw[0] === 0x1f && raw[1] === 0x8b, name.endsWith('.gz'), 'gzip only for .gz');
      const back = await readIdx(path);
      assert.deepEqual(back.shape, [4, 5, 3]);
      assert.deepEqual([...back.data], values);
    }
    // gzip is recognised by its magic bytes, not by the name.
    const hidden = join(dir, 'hidden-gzip');
    await writeFile(hidden, gzipSync(UBYTE_2x3));
    assert.deepEqual([...(await readIdx(hidden)).data], [0, 1, 2, 253, 254, 255]);
  });

  it('reads an images/labels pair into a dataset, uint8 scaled to [0, 1]', async () => {
    const dir = await tempDir();
    const pixels = [0, 255, 51, 102, 0, 0, 0, 0, 255, 17, 34, 68];
    await writeIdx(join(dir, 'img.gz'), pixels, [3, 2, 2], 'uint8');
    await writeIdx(join(dir, 'lab'), [2, 0, 2], [3], 'uint8');
    const ds = await readIdxDataset(join(dir, 'img.gz'), join(dir, 'lab'), { classNames: ['a', 'b', 'c'] });
    assert.deepEqual(ds.sampleShape, [2, 2, 1]);
    assert.deepEqual([...ds.labels], [2, 0, 2]);
    assert.deepEqual(ds.classNames, ['a', 'b', 'c']);
    assert.deepEqual([...ds.features], pixels.map((p) => Math.fround(p / 255)));
    assert.equal(ds.source, join(dir, 'img.gz'));
    // Without names: "0" .. max label. Float vectors are kept as they are.
    await writeIdx(join(dir, 'vec'), [0.5, -1, 2, 3], [2, 2], 'float32');
    await writeIdx(join(dir, 'lab2'), [1, 3], [2], 'int32');
    const v = await readIdxDataset(join(dir, 'vec'), join(dir, 'lab2'));
    assert.deepEqual(v.sampleShape, [2]);
    assert.deepEqual([...v.features], [0.5, -1, 2, 3]);
    assert.deepEqual(v.classNames, ['0', '1', '2', '3']);
  });

  describe('bad input names the file and the place', () => {
    it('wrong magic', () => {
      throwsInput(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'x.idx'), 'x.idx', /bytes 0-1 \(offset 0\) must be 0x0000, found 0x504b/);
    });
    it('unknown type byte', () => {
      throwsInput(() => parseIdx(Uint8Array.from([0, 0, 0x07, 1, 0, 0, 0, 0]), 'x.idx'), 'x.idx', /byte 2 \(offset 2, the IDX type\) is 0x07; expected one of 0x08 uint8/);
    });
    it('zero dimensions', () => {
      throwsInput(() => parseIdx(Uint8Array.from([0, 0, 8, 0]), 'x.idx'), 'x.idx', /number of dimensions\) is 0/);
    });
    it('truncated header', () => {
      throwsInput(() => parseIdx(UBYTE_2x3.subarray(0, 9), 'x.idx'), 'x.idx', /truncated at offset 9: the header of a 2-D IDX file needs 12 bytes/);
      throwsInput(() => parseIdx(UBYTE_2x3.subarray(0, 3), 'x.idx'), 'x.idx', /truncated at offset 3/);
    });
    it('truncated data', () => {
      throwsInput(() => parseIdx(UBYTE_2x3.subarray(0, 16), 'x.idx'), 'x.idx', /truncated at offset 16: a \[2, 3\] uint8 IDX file needs 12 \+ 6 = 18 bytes/);
    });
    it('trailing bytes', () => {
      const longer = Uint8Array.from([...UBYTE_2x3, 9, 9]);
      throwsInput(() => parseIdx(longer, 'x.idx'), 'x.idx', /2 unexpected bytes after offset 18/);
    });
    it('corrupt or truncated gzip', async () => {
      const dir = await tempDir();
      const path = join(dir, 'bad.gz');
      const gz = gzipSync(UBYTE_2x3);
      await writeFile(path, gz.subarray(0, gz.length - 6));
      await rejectsInput(readIdx(path), path, /not a valid gzip stream/);
    });
    it('missing file', async () => {
      const path = join(await tempDir(), 'nope-idx3-ubyte.gz');
      await rejectsInput(readIdx(path), path, /no such file/);
    });
    it('label count different from sample count', async () => {
      const dir = await tempDir();
      await writeIdx(join(dir, 'img'), new Array(12).fill(0), [3, 2, 2], 'uint8');
      await writeIdx(join(dir, 'lab'), [0, 1], [2], 'uint8');
      await rejectsInput(readIdxDataset(join(dir, 'img'), join(dir, 'lab')), join(dir, 'lab'), /has 2 labels, but .*img has 3 samples/);
    });
    it('labels that are not a 1-D integer array', async () => {
      const dir = await tempDir();
      await writeIdx(join(dir, 'img'), new Array(8).fill(0), [2, 2, 2], 'uint8');
      await writeIdx(join(dir, 'lab2d'), [0, 1], [2, 1], 'uint8');
      await writeIdx(join(dir, 'labf'), [0, 1], [2], 'float32');
      await rejectsInput(readIdxDataset(join(dir, 'img'), join(dir, 'lab2d')), join(dir, 'lab2d'), /must be 1-D; found shape \[2, 1\]/);
      await rejectsInput(readIdxDataset(join(dir, 'img'), join(dir, 'labf')), join(dir, 'labf'), /integer IDX type; found float32/);
    });
    it('empty dataset', async () => {
      const dir = await tempDir();
      await writeIdx(join(dir, 'img'), [], [0, 28, 28], 'uint8');
      await writeIdx(join(dir, 'lab'), [], [0], 'uint8');
      await rejectsInput(readIdxDataset(join(dir, 'img'), join(dir, 'lab')), join(dir, 'img'), /contains no samples/);
    });
    it('a label beyond the given class names', async () => {
      const dir = await tempDir();
      await writeIdx(join(dir, 'img'), [0, 0], [2, 1], 'uint8');
      await writeIdx(join(dir, 'lab'), [0, 5], [2], 'uint8');
      await rejectsInput(readIdxDataset(join(dir, 'img'), join(dir, 'lab'), { classNames: ['a', 'b'] }), join(dir, 'lab'), /label 5, but only 2 class names/);
    });
  });
});
