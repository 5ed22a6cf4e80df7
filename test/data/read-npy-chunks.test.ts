import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { expandShardGlob, readNpy, readNpyChunks, writeNpy } from '../../src/data/index.js';

/** A version 1.0 .npy file of the given descr and shape around raw little- or big-endian bytes. */
function npyBytes(descr: string, shape: number[], body: Uint8Array, fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

async function collect(path: string, chunkRows: number): Promise<{ data: number[]; firstRows: number[] }> {
  const data: number[] = [];
  const firstRows: number[] = [];
  for await (const chunk of readNpyChunks(path, { chunkRows })) {
    data.push(...chunk.data);
    firstRows.push(chunk.firstRow);
  }
  return { data, firstRows };
}

describe('readNpyChunks', () => {
  it('float32 in chunks of 3 rows gives readNpy of the whole file, the last chunk short', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-chunks-'));
    const values = Float32Array.from({ length: 10 * 4 }, (_, i) => Math.sin(i) * 100);
    await writeNpy(join(dir, 'x.npy'), values, [10, 4], 'float32');
    const { data, firstRows } = await collect(join(dir, 'x.npy'), 3);
    assert.deepEqual(data, Array.from((await readNpy(join(dir, 'x.npy'))).data as Float32Array));
    assert.deepEqual(firstRows, [0, 3, 6, 9]);
  });

  it('big-endian float64 and float16 are converted to float32 as readNpy converts them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-chunks-'));
    const body = new Uint8Array(6 * 8);
    const view = new DataView(body.buffer);
    [1.5, -2.25, 3e10, 1e-3, 0, 7].forEach((v, i) => view.setFloat64(8 * i, v, false));
    await writeFile(join(dir, 'be.npy'), npyBytes('>f8', [3, 2], body));
    assert.deepEqual((await collect(join(dir, 'be.npy'), 2)).data, Array.from(Float32Array.of(1.5, -2.25, 3e10, 1e-3, 0, 7)));
    const half = new Uint8Array(4);
    new DataView(half.buffer).setUint16(0, 0x3c00, true); // 1.0
    new DataView(half.buffer).setUint16(2, 0xc000, true); // -2.0
    await writeFile(join(dir, 'h.npy'), npyBytes('<f2', [2, 1], half));
    assert.deepEqual((await collect(join(dir, 'h.npy'), 1)).data, [1, -2]);
  });

  it('refuses integers, Fortran order, another rank and a truncated file, naming the file and the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-chunks-'));
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['i.npy', npyBytes('<i4', [2, 2], new Uint8Array(16)), /i\.npy: has dtype '<i4'.*x\.astype\('float32'\)/],
      ['f.npy', npyBytes('<f4', [2, 2], new Uint8Array(16), true), /f\.npy: is in Fortran .*np\.ascontiguousarray/],
      ['r.npy', npyBytes('<f4', [4], new Uint8Array(16)), /r\.npy: embeddings must be a 2-D array/],
      ['t.npy', npyBytes('<f4', [2, 2], new Uint8Array(12)), /t\.npy: is \d+ bytes, but its header says a \[2, 2\] float32 array/],
    ];
    for (const [name, bytes, pattern] of cases) {
      await writeFile(join(dir, name), bytes);
      await assert.rejects(collect(join(dir, name), 1), pattern);
    }
  });
});

describe('expandShardGlob', () => {
  it('matches * and ? in the file name, in sorted order; a plain path is itself; no match is an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-glob-'));
    for (const name of ['part-10.npy', 'part-02.npy', 'part-01.npy', 'part-1.npy', 'other.npy', 'part-01.npy.bak'])
      await writeFile(join(dir, name), '');
    assert.deepEqual(await expandShardGlob(join(dir, 'part-*.npy')), ['part-01.npy', 'part-02.npy', 'part-1.npy', 'part-10.npy'].map((n) => join(dir, n)));
    assert.deepEqual(await expandShardGlob(join(dir, 'part-??.npy')), ['part-01.npy', 'part-02.npy', 'part-10.npy'].map((n) => join(dir, n)));
    assert.deepEqual(await expandShardGlob(join(dir, 'other.npy')), [join(dir, 'other.npy')]);
    await assert.rejects(expandShardGlob(join(dir, 'none-*.npy')), /none-\*\.npy: matches no file in/);
    await assert.rejects(expandShardGlob(join(dir, '*', 'x.npy')), /in its last path component only/);
  });
});
