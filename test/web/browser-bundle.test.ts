import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { webCommand, type WebServer } from '../../src/cli/web-command.js';
import { CHROMIUM, openInChromium } from '../helpers/browser.js';

const ENTRY = join(import.meta.dirname, '../../src/index.ts');

describe('the library entry in a browser bundle', () => {
  let dir: string;
  let code: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dm-bundle-'));
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      external: ['sharp'],
      write: false,
      logLevel: 'silent',
    });
    code = result.outputFiles[0].text;
    await writeFile(join(dir, 'deepmetric.js'), code);
    await writeFile(
      join(dir, 'index.html'),
      `<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body><pre id="out"></pre><script type="module">
import * as dm from './deepmetric.js';
await dm.initBackend('cpu');
const rows = 64, dim = 8;
const data = new Float32Array(rows * dim).map((_, i) => Math.sin(i * 0.7) + (i % dim === Math.floor(i / dim) % dim ? 3 : 0));
const labels = Int32Array.from({ length: rows }, (_, i) => i % dim);
const health = dm.embeddingHealth({ data, rows, dim }, labels);
const report = dm.diagnose({ health: dm.healthSnapshot(health, labels, null) });
let nodeOnly;
try { await dm.loadData('fashion-mnist'); } catch (e) { nodeOnly = e.message; }
document.getElementById('out').textContent = JSON.stringify({ verdict: report.verdict, rank: health.shape.effectiveRank, nodeOnly });
</script></body></html>`,
    );
  });

  after(() => rm(dir, { recursive: true, force: true }));

  it('bundles with no static import left (no Node built-in, sharp, cli-progress) and only sharp to import at run time', () => {
    const statics = [...code.matchAll(/^import\s[^;]*?from\s*"([^"]+)"/gm)].map((m) => m[1]);
    assert.deepEqual(statics, []);
    // The only module left to load at run time is sharp, imported where Node decodes images.
    assert.deepEqual([...new Set([...code.matchAll(/import\("([^"]+)"\)/g)].map((m) => m[1]))], ['sharp']);
  });

  it(
    'runs in chromium: measures health and gives a verdict; what needs a file system says so',
    { skip: !existsSync(CHROMIUM) && 'needs Debian chromium' },
    async () => {
      let server: WebServer | undefined;
      const opened = await (async () => {
        server = await webCommand({ port: 0 }, dir);
        return openInChromium(server.url);
      })();
      try {
        await opened.page.waitForFunction(() => document.getElementById('out')?.textContent !== '', null, {
          timeout: 60_000,
        });
        const out = JSON.parse((await opened.page.textContent('#out')) ?? '') as {
          verdict: string;
          rank: number;
          nodeOnly: string;
        };
        assert.equal(out.verdict, 'healthy');
        assert.ok(out.rank > 4 && out.rank <= 8, `rank ${out.rank}`);
        assert.match(out.nodeOnly, /node:fs\/promises is not available here: this needs Node\.js >= 20\.16/);
        assert.deepEqual(opened.errors, []);
      } finally {
        await opened.close();
        await server?.close();
      }
    },
  );
});
