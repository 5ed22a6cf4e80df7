import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readJsonFile, readJsonObject } from '../../src/io/index.js';

describe('readJsonFile and readJsonObject', () => {
  it('read the value in a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-'));
    await writeFile(join(dir, 'a.json'), '{"lr": 0.001, "steps": [1, 2]}');
    await writeFile(join(dir, 'b.json'), '[1, 2]');
    assert.deepEqual(await readJsonObject(join(dir, 'a.json'), 'settings'), { lr: 0.001, steps: [1, 2] });
    assert.deepEqual(await readJsonFile(join(dir, 'b.json')), [1, 2]);
  });

  it('name the file and what is wrong with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-'));
    const missing = join(dir, 'missing.json');
    await assert.rejects(readJsonFile(missing), (e: Error) => e.message.includes(`${missing}: cannot be read`));
    await assert.rejects(readJsonObject(missing, 'settings', 'is not a run'), (e: Error) =>
      e.message.includes(`${missing}: is not a run`),
    );
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"lr": ');
    await assert.rejects(readJsonFile(broken), (e: Error) => e.message.includes(`${broken}: is not valid JSON`));
    for (const text of ['[1]', '3', 'null', '"lr"']) {
      const path = join(dir, 'other.json');
      await writeFile(path, text);
      await assert.rejects(readJsonObject(path, 'a JSON object of settings'), (e: Error) =>
        e.message.includes(`${path}: must hold a JSON object of settings`),
      );
    }
  });
});
