import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exitCodeFor } from '../../src/cli/exit-code.js';
import { webCommand, type WebServer } from '../../src/cli/web-command.js';

/** A raw HTTP request (the path sent as is, `..` included): status, content type and body. */
function fetchRaw(url: string, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("deepmetric web: the app's files, and nothing else", () => {
  let dir: string;
  let app: string;
  let server: WebServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dm-web-cmd-'));
    app = join(dir, 'app');
    await mkdir(join(app, 'build'), { recursive: true });
    await writeFile(join(app, 'index.html'), '<p>app</p>');
    await writeFile(join(app, 'app.js'), 'export {};');
    await writeFile(join(app, 'build', 'kernels.wasm'), new Uint8Array([0, 97, 115, 109]));
    await writeFile(join(dir, 'secret.txt'), 'outside the app');
    server = await webCommand({ port: 0 }, app);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and serves each file with its type', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(await fetchRaw(server.url, '/'), {
      status: 200,
      type: 'text/html; charset=utf-8',
      body: '<p>app</p>',
    });
    assert.equal((await fetchRaw(server.url, '/app.js')).type, 'text/javascript; charset=utf-8');
    const wasm = await fetchRaw(server.url, '/build/kernels.wasm');
    assert.deepEqual([wasm.status, wasm.type, wasm.body], [200, 'application/wasm', '\0asm']);
    assert.deepEqual(await fetchRaw(server.url, '/', 'HEAD'), {
      status: 200,
      type: 'text/html; charset=utf-8',
      body: '',
    });
  });

  it('answers 404 for a missing file or one outside the folder, 405 for anything but GET', async () => {
    assert.equal((await fetchRaw(server.url, '/none.js')).status, 404);
    for (const path of ['/../secret.txt', '/build/../../secret.txt', '/%2e%2e/secret.txt']) {
      const res = await fetchRaw(server.url, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /outside the app/, path);
    }
    assert.equal((await fetchRaw(server.url, '/', 'POST')).status, 405);
  });

  it('refuses a bad port, a port in use and a folder without the app (exit 2, saying what to do)', async () => {
    await assert.rejects(webCommand({ port: 70000 }, app), (e: Error) => {
      assert.match(e.message, /--port must be an integer in \[0, 65535\]\. Received: 70000/);
      return exitCodeFor(e) === 2;
    });
    const port = Number(new URL(server.url).port);
    await assert.rejects(webCommand({ port }, app), (e: Error) => {
      assert.match(e.message, new RegExp(`--port ${port}: the port is in use on 127\\.0\\.0\\.1`));
      return exitCodeFor(e) === 2;
    });
    await assert.rejects(webCommand({ port: 0 }, dir), (e: Error) => {
      assert.match(e.message, /holds no web app \(index\.html\): build it with `npm run build:web`/);
      return exitCodeFor(e) === 2;
    });
  });
});
