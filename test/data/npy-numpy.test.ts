import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseNpy, readNpy } from '../../src/data/index.js';

const DIR = join(import.meta.dirname, '../fixtures/npy');

interface Expected {
  shape: number[];
  values: Array<number | 'NaN' | 'Infinity' | '-Infinity'>;
  fortran: boolean;
  descr: string;
}

describe('.npy files as numpy writes them (test/fixtures/npy, made by make_npy_fixtures.py)', async () => {
  const expected = JSON.parse(await readFile(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
  for (const [name, want] of Object.entries(expected)) {
    it(`${name} (${want.descr}${want.fortran ? ', Fortran order' : ''}) reads as numpy's C-order values`, async () => {
      const array = await readNpy(join(DIR, name));
      assert.deepEqual(array.shape, want.shape);
      assert.deepEqual(
        Array.from(array.data as ArrayLike<number>, (v) => Number(v)),
        want.values.map(Number),
      );
    });
  }

  it('float16 comes back as float32 values, with dtype float16', async () => {
    const array = await readNpy(join(DIR, 'f16.npy'));
    assert.equal(array.dtype, 'float16');
    assert.ok(array.data instanceof Float32Array);
  });

  it('a float16 NaN is NaN, and -0 keeps its sign', () => {
    const header = "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }";
    const padded = header.padEnd(128 - 10 - 1, ' ') + '\n';
    const bytes = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0, ...Buffer.from(padded, 'latin1'), 0x00, 0x7e, 0x00, 0x80]);
    const { data } = parseNpy(bytes, 'nan.npy');
    assert.ok(Number.isNaN(data[0]));
    assert.ok(Object.is(data[1], -0));
  });
});
