import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('README', () => {
  it('starts with the two commands a newcomer runs: set up and train, then the tests', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .trim()
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim());
    assert.deepEqual(commands, ['npm ci && npx deepmetric train', 'npm test']);
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.test, /node --import tsx --test/);
    const ci = await readFile(join(root, '.ci/run'), 'utf8');
    assert.match(ci, /^npm ci$/m);
    assert.match(ci, /^npm test$/m);
  });

  it('has a library example that runs as written', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(code, 'no ts block in the README');
    // Run it against the sources, with its output captured instead of printed.
    const dir = await mkdtemp(join(root, 'test', '.readme-'));
    const file = join(dir, 'example.ts');
    const logged: unknown[][] = [];
    const log = console.log;
    await writeFile(
      file,
      code.replace("from 'deepmetric'", `from '${pathToFileURL(join(root, 'src', 'index.ts')).href}'`),
    );
    try {
      console.log = (...args: unknown[]) => void logged.push(args);
      await import(pathToFileURL(file).href);
    } finally {
      console.log = log;
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal(logged.length, 1);
    const [value, stats] = logged[0] as [number, { numTriplets: number }];
    assert.ok(Number.isFinite(value) && value >= 0);
    assert.ok(stats.numTriplets >= 0);
  });
});
