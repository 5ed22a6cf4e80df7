import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readEmbeddings, readTrainingLog, writeNpy } from '../../src/data/index.js';
import { writeDirAtomic, writeFileAtomic } from '../../src/io/index.js';
import { RunLog, readRunLog } from '../../src/run/index.js';
import { readCheckpointState } from '../../src/training/index.js';
import { MemoryFileSystem } from '../../src/web/memory-file-system.js';
import { provideBrowserModules } from '../../src/web/provide-browser-modules.js';

/** What a call gave: its value, or the code of the error it threw. */
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    const value = await call();
    if (Array.isArray(value))
      return value.map((v) => (typeof v === 'string' ? v : { name: v.name, dir: v.isDirectory() }));
    if (value instanceof Uint8Array) return Array.from(value);
    if (typeof value === 'object' && value !== null && 'isDirectory' in value) {
      const s = value as fs.Stats;
      return { dir: s.isDirectory(), file: s.isFile(), size: s.isFile() ? s.size : 0 };
    }
    return value ?? null;
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code };
  }
}

describe('MemoryFileSystem: the part of node:fs the core calls, as Node does it', () => {
  let real: string;
  before(async () => {
    real = await mkdtemp(join(tmpdir(), 'dm-memfs-'));
  });
  after(() => rm(real, { recursive: true, force: true }));

  it('gives what node:fs gives, errors by the same codes, for the same calls', async () => {
    const memory = new MemoryFileSystem();
    const bytes = new Uint8Array([1, 2, 3]);
    // The same script on both: a path p is real/p on disk and /p in memory.
    const script: Array<[string, (f: typeof fs, at: (p: string) => string) => unknown]> = [
      ['mkdir -p', async (f, at) => void (await f.promises.mkdir(at('a/b'), { recursive: true }))],
      ['mkdir without parent', async (f, at) => void (await f.promises.mkdir(at('x/y')))],
      [
        'write',
        async (f, at) => {
          const h = await f.promises.open(at('a/b/f.bin'), 'w');
          await h.writeFile(bytes);
          await h.sync();
          await h.close();
        },
      ],
      ['open in a missing folder', (f, at) => f.promises.open(at('nope/f'), 'w')],
      ['append', (f, at) => f.promises.appendFile(at('a/log.txt'), 'one\n')],
      ['append more', (f, at) => f.promises.appendFile(at('a/log.txt'), 'two\n')],
      ['read text', (f, at) => f.promises.readFile(at('a/log.txt'), 'utf8')],
      ['read bytes', (f, at) => f.promises.readFile(at('a/b/f.bin'))],
      ['read sync', (f, at) => f.readFileSync(at('a/b/f.bin'))],
      ['read a folder', (f, at) => f.promises.readFile(at('a'))],
      ['read a missing file', (f, at) => f.promises.readFile(at('a/none'))],
      ['readdir', (f, at) => f.promises.readdir(at('a'))],
      ['readdir with types', (f, at) => f.readdirSync(at('a'), { withFileTypes: true })],
      ['readdir of a file', (f, at) => f.promises.readdir(at('a/log.txt'))],
      ['readdir of nothing', (f, at) => f.readdirSync(at('zz'))],
      ['stat file', (f, at) => f.promises.stat(at('a/b/f.bin'))],
      ['stat folder with a slash', (f, at) => f.statSync(`${at('a')}/`)],
      ['stat missing', (f, at) => f.statSync(at('q'))],
      ['exists', (f, at) => [f.existsSync(at('a/b')), f.existsSync(at('a/c'))].map(String)],
      ['rename file', (f, at) => f.promises.rename(at('a/b/f.bin'), at('a/g.bin'))],
      ['rename folder', (f, at) => f.promises.rename(at('a/b'), at('c'))],
      ['rename missing', (f, at) => f.promises.rename(at('a/none'), at('a/n2'))],
      ['after renames', (f, at) => [...f.readdirSync(at('.')), ...f.readdirSync(at('a'))]],
      ['rm folder without recursive', (f, at) => f.promises.rm(at('a'))],
      ['rm missing, forced', (f, at) => f.promises.rm(at('none'), { force: true })],
      ['rm missing', (f, at) => f.promises.rm(at('none'))],
      ['rm -r', (f, at) => f.promises.rm(at('a'), { recursive: true })],
      ['after rm', (f, at) => f.readdirSync(at('.'))],
    ];
    const onDisk = (p: string) => join(real, p);
    const inMemory = (p: string) => join('/', p);
    const memoryFs = { ...memory.sync, promises: memory.promises } as unknown as typeof fs;
    for (const [name, step] of script) {
      assert.deepEqual(await outcome(() => step(memoryFs, inMemory)), await outcome(() => step(fs, onDisk)), name);
    }
  });

  it("serves the core's readers and writers once provided: atomic writes, a run log, .npy, a TensorBoard log", async () => {
    const memory = new MemoryFileSystem();
    provideBrowserModules(memory);
    await writeFileAtomic('/out/a.txt', 'hello');
    await writeDirAtomic('/out/model', { 'model.json': '{}', 'weights.bin': new Uint8Array([9]) });
    await writeDirAtomic('/out/model', { 'model.json': '{"v":2}' });
    assert.deepEqual(memory.list('/out'), ['/out/a.txt', '/out/model/model.json']);
    assert.equal(memory.sync.readFileSync('/out/model/model.json', 'utf8'), '{"v":2}');
    const log = new RunLog('/out/log.jsonl');
    await log.reset();
    await log.append({ step: 0, loss: 1 } as never);
    await log.append({ step: 1, loss: 0.5 } as never);
    assert.deepEqual(
      (await readRunLog('/out/log.jsonl')).map((r) => r.loss),
      [1, 0.5],
    );
    await writeNpy('/e/emb.npy', new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2], 'float32');
    assert.deepEqual(Array.from((await readEmbeddings('/e/emb.npy')).matrix.data), [1, 2, 3, 4, 5, 6]);
    // A checkpoint's state, as the guard's rollback reads it (bytes, not Node's Buffer).
    await writeFileAtomic('/run/checkpoints/healthy/state.json', JSON.stringify({ step: 50, seconds: 1, parts: {} }));
    assert.equal((await readCheckpointState('/run/checkpoints/healthy')).step, 50);
    // A TensorBoard fixture mounted file by file reads as it does from disk.
    const fixture = join(import.meta.dirname, '../fixtures/tensorboard/healthy');
    for (const name of fs.readdirSync(fixture, { recursive: true }) as string[]) {
      const path = join(fixture, name);
      if (fs.statSync(path).isFile()) memory.write(join('/logs/healthy', name), new Uint8Array(fs.readFileSync(path)));
    }
    const read = await readTrainingLog('/logs/healthy');
    assert.equal(read.format, 'tensorboard');
    assert.deepEqual(
      read.embeddings.map((e) => e.step),
      [0, 50, 100, 150, 200, 250, 300],
    );
  });
});
