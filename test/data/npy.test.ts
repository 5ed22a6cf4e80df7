import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeNpy, parseNpy, readNpy, readNpyDataset, writeNpy } from '../../src/data/index.js';
import { rejectsArgument, rejectsInput, tempDir, throwsInput } from './input-error.js';

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/**
 * A .npy 1.0 file written out by hand from the format spec: "\x93NUMPY", version 1 0, header
 * length 118 as little-endian uint16, the dict literal padded with 58 spaces and a newline (so
 * 10 + 118 = 128 is a multiple of 64), then six little-endian float32 values 0..5.
 */
const HEADER_DICT = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
const F32_2x3 = Uint8Array.from([
  0x93, ...ascii('NUMPY'), 1, 0, 118, 0,
  ...ascii(HEADER_DICT), ...ascii(' '.repeat(58)), 0x0a,
  0, 0, 0, 0, /* 0 */ 0, 0, 0x80, 0x3f, /* 1 */ 0, 0, 0, 0x40, /* 2 */
  0, 0, 0x40, 0x40, /* 3 */ 0, 0, 0x80, 0x40, /* 4 */ 0, 0, 0xa0, 0x40, /* 5 */
]);

/** Builds a .npy 1.0 file with any header text (padded to 64) and data bytes, to make bad files. */
function npyWith(dict: string, data: number[], major = 1): Uint8Array {
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = dict + ' '.repeat(pad % 64) + '\n';
  return Uint8Array.from([0x93, ...ascii('NUMPY'), major, 0, header.length & 0xff, header.length >> 8, ...ascii(header), ...data]);
}

describe('.npy', () => {
  it('the hand-written file has the length the spec implies', () => assert.equal(F32_2x3.length, 128 + 24));

  it('reads the hand-written 1.0 file', () => {
    const a = parseNpy(F32_2x3, 'f.npy');
    assert.equal(a.dtype, 'float32');
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual([...a.data], [0, 1, 2, 3, 4, 5]);
  });

  it('writes exactly the hand-written bytes', async () => {
    assert.deepEqual(encodeNpy([0, 1, 2, 3, 4, 5], [2, 3], 'float32'), F32_2x3);
    const path = join(await tempDir(), 'f.npy');
    await writeNpy(path, Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3], 'float32');
    assert.deepEqual(new Uint8Array(await readFile(path)), F32_2x3);
  });

  it('writes 1-D shapes as (n,) and aligns the data to 64 bytes', () => {
    const bytes = encodeNpy([7, -7], [2], 'int32');
    const headerLength = bytes[8] | (bytes[9] << 8);
    const header = String.fromCharCode(...bytes.subarray(10, 10 + headerLength));
    assert.match(header, /^\{'descr': '<i4', 'fortran_order': False, 'shape': \(2,\), \} *\n$/);
    assert.equal((10 + headerLength) % 64, 0);
    assert.deepEqual([...bytes.subarray(10 + headerLength)], [7, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff]);
  });

  it('round-trips float32, float64, int32 and uint8 with exact values', async () => {
    const dir = await tempDir();
    const cases = [
      { dtype: 'float32', values: [0.1, -3.5e-20, 65504, 1 / 3].map(Math.fround), shape: [2, 2] },
      { dtype: 'float64', values: [0.1, Math.PI, -1e300, 5e-324], shape: [4] },
      { dtype: 'int32', values: [-2147483648, 0, 2147483647, 42, -1, 7], shape: [3, 1, 2] },
      { dtype: 'uint8', values: [0, 128, 255], shape: [3] },
    ] as const;
    for (const c of cases) {
      const path = join(dir, `${c.dtype}.npy`);
      await writeNpy(path, c.values, c.shape, c.dtype);
      const back = await readNpy(path);
      assert.equal(back.dtype, c.dtype);
      assert.deepEqual(back.shape, c.shape);
      assert.deepEqual([...back.data], c.values);
    }
  });

  it('reads the other integer types, 64-bit ones as BigInt, and format 2.0', () => {
    const i64 = parseNpy(npyWith("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", [5, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'x');
    assert.equal(i64.dtype, 'int64');
    assert.deepEqual([...i64.data], [5n, -1n]);
    const u16 = parseNpy(npyWith("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }", [0x34, 0x12]), 'x');
    assert.deepEqual([...u16.data], [0x1234]);
    // 2.0: a 4-byte header length.
    const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }";
    const header = dict + ' '.repeat(64 - ((12 + dict.length + 1) % 64)) + '\n';
    const v2 = Uint8Array.from([0x93, ...ascii('NUMPY'), 2, 0, header.length, 0, 0, 0, ...ascii(header), 9, 8]);
    assert.deepEqual([...parseNpy(v2, 'x').data], [9, 8]);
  });

  it('reads features with .npy or text labels into a dataset', async () => {
    const dir = await tempDir();
    await writeNpy(join(dir, 'x.npy'), [1.5, 2, 3, 4, 5, 6], [3, 2], 'float64');
    await writeNpy(join(dir, 'y.npy'), [2, 0, 2], [3], 'int32');
    await writeFile(join(dir, 'y.txt'), 'dog\ncat\ndog\n\n');
    const a = await readNpyDataset(join(dir, 'x.npy'), join(dir, 'y.npy'));
    assert.deepEqual(a.sampleShape, [2]);
    assert.deepEqual([...a.features], [1.5, 2, 3, 4, 5, 6]);
    assert.deepEqual([...a.labels], [2, 0, 2]);
    assert.deepEqual(a.classNames, ['0', '1', '2']);
    const b = await readNpyDataset(join(dir, 'x.npy'), join(dir, 'y.txt'));
    assert.deepEqual([...b.labels], [1, 0, 1]);
    assert.deepEqual(b.classNames, ['cat', 'dog']);
    // uint8 images are pixels: scaled to [0, 1]; [n, h, w, c] keeps its sample shape.
    await writeNpy(join(dir, 'img.npy'), [0, 51, 255, 102, 0, 0, 0, 0], [2, 2, 2, 1], 'uint8');
    await writeFile(join(dir, 'l.txt'), '0\n1\n');
    const c = await readNpyDataset(join(dir, 'img.npy'), join(dir, 'l.txt'));
    assert.deepEqual(c.sampleShape, [2, 2, 1]);
    assert.deepEqual([...c.features], [0, 0.2, 1, 0.4, 0, 0, 0, 0].map(Math.fround));
  });

  describe('bad input names the file and the place', () => {
    it('wrong magic', () => {
      throwsInput(() => parseNpy(Uint8Array.from(ascii('PK\x03\x04 not numpy')), 'a.npy'), 'a.npy', /bytes 0-5 \(offset 0\) must be 93 4e 55 4d 50 59.*found 50 4b 03 04 20 6e/);
    });
    it('unsupported dtypes, objects, records (big-endian and Fortran order are read: npy-numpy.test.ts)', () => {
      const f = (dict: string): Uint8Array => npyWith(dict, [0, 0, 0, 0, 0, 0, 0, 0]);
      throwsInput(() => parseNpy(f("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"), 'c.npy'), 'c.npy', /dtype '<c8', which is not supported; supported: float16 \('<f2'\), float32 \('<f4'\)/);
      throwsInput(() => parseNpy(f("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), 'p.npy'), 'p.npy', /object array/);
      throwsInput(() => parseNpy(f("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"), 'r.npy'), 'r.npy', /structured/);
      throwsInput(() => parseNpy(f("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }"), 'u.npy'), 'u.npy', /'<U3', which is not supported/);
    });
    it('an unknown format version', () => {
      throwsInput(() => parseNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", [], 4), 'v.npy'), 'v.npy', /byte 6 \(offset 6\) holds .npy format version 4.0/);
    });
    it('truncated header and data, trailing bytes', () => {
      throwsInput(() => parseNpy(F32_2x3.subarray(0, 60), 't.npy'), 't.npy', /truncated at offset 60: its header says the data starts at offset 128/);
      throwsInput(() => parseNpy(F32_2x3.subarray(0, 140), 't.npy'), 't.npy', /truncated at offset 140: a \[2, 3\] float32 array needs 24 data bytes from offset 128/);
      throwsInput(() => parseNpy(Uint8Array.from([...F32_2x3, 1]), 't.npy'), 't.npy', /1 unexpected bytes after offset 152/);
    });
    it('features of an unsupported type for a dataset', async () => {
      const dir = await tempDir();
      await writeNpy(join(dir, 'x.npy'), [1, 2], [2, 1], 'int32');
      await writeFile(join(dir, 'y.txt'), '0\n1\n');
      await rejectsInput(readNpyDataset(join(dir, 'x.npy'), join(dir, 'y.txt')), join(dir, 'x.npy'), /dtype float32, float64 or uint8; found int32/);
    });
    it('label count different from sample count', async () => {
      const dir = await tempDir();
      await writeNpy(join(dir, 'x.npy'), [1, 2, 3], [3, 1], 'float32');
      await writeFile(join(dir, 'y.txt'), '0\n1\n');
      await rejectsInput(readNpyDataset(join(dir, 'x.npy'), join(dir, 'y.txt')), join(dir, 'y.txt'), /has 2 labels, but .*x.npy has 3 samples/);
    });
    it('float labels, an empty label line, non-finite features', async () => {
      const dir = await tempDir();
      await writeNpy(join(dir, 'x.npy'), [1, NaN, 3, 4], [2, 2], 'float32');
      await writeNpy(join(dir, 'yf.npy'), [0, 1], [2], 'float32');
      await writeFile(join(dir, 'y.txt'), 'a\n\nb\n');
      await writeFile(join(dir, 'ok.txt'), 'a\nb\n');
      await rejectsInput(readNpyDataset(join(dir, 'x.npy'), join(dir, 'yf.npy')), join(dir, 'yf.npy'), /labels must be integers; found dtype float32/);
      await rejectsInput(readNpyDataset(join(dir, 'x.npy'), join(dir, 'y.txt')), join(dir, 'y.txt'), /line 2: the label is empty/);
      await rejectsInput(readNpyDataset(join(dir, 'x.npy'), join(dir, 'ok.txt')), join(dir, 'x.npy'), /sample 0 has the non-finite value NaN at position 1/);
    });
    it('empty dataset and missing files', async () => {
      const dir = await tempDir();
      await writeNpy(join(dir, 'x.npy'), [], [0, 4], 'float32');
      await writeFile(join(dir, 'y.txt'), '');
      await rejectsInput(readNpyDataset(join(dir, 'x.npy'), join(dir, 'y.txt')), join(dir, 'x.npy'), /contains no samples/);
      await rejectsInput(readNpy(join(dir, 'none.npy')), join(dir, 'none.npy'), /no such file/);
      await rejectsInput(readNpyDataset(join(dir, 'x.npy'), join(dir, 'none.txt')), join(dir, 'none.txt'), /no such file/);
    });
    it('writeNpy rejects values its dtype cannot hold and a shape that does not fit the data', async () => {
      await rejectsArgument(() => encodeNpy([1.5], [1], 'int32'), /32-bit integers for dtype int32. Received: data\[0\]=1.5/);
      await rejectsArgument(() => encodeNpy([256], [1], 'uint8'), /\[0, 255\].*data\[0\]=256/);
      await rejectsArgument(() => encodeNpy([1, 2, 3], [2, 2], 'float32'), /prod\(shape\) = 4 values.*Received: 3 values/);
    });
  });
});
