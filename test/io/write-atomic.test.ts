import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeDirAtomic, writeFileAtomic } from '../../src/io/index.js';

describe('atomic writes', () => {
  it('replaces a file and leaves no temporary file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-'));
    const file = join(dir, 'sub', 'a.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    assert.equal(await readFile(file, 'utf8'), 'two');
    assert.deepEqual(await readdir(join(dir, 'sub')), ['a.json']);
  });

  it('leaves the old file when the write fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-'));
    const file = join(dir, 'a.txt');
    await writeFile(file, 'old');
    await assert.rejects(writeFileAtomic(file, 42 as unknown as string));
    assert.equal(await readFile(file, 'utf8'), 'old');
    assert.deepEqual(await readdir(dir), ['a.txt']);
  });

  it('swaps a whole folder in, removing files the new one lacks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-'));
    const target = join(dir, 'model');
    await mkdir(target);
    await writeFile(join(target, 'stale.bin'), 'x');
    await writeDirAtomic(target, { 'model.json': '{}', 'w/weights.bin': new Uint8Array([1, 2]) });
    assert.deepEqual((await readdir(target)).sort(), ['model.json', 'w']);
    assert.deepEqual([...(await readFile(join(target, 'w/weights.bin')))], [1, 2]);
    assert.deepEqual(await readdir(dir), ['model']);
  });
});
