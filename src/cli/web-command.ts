import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { invalidArgument, invalidInput } from '../errors.js';

/** The web app `npm run build:web` writes: from src/cli and from dist/cli alike, two folders below the package. */
export const WEB_APP_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export interface WebFlags {
  port: number;
  /** The address to listen on. Default 127.0.0.1: the page is for this machine. */
  host?: string;
}

/** A running `deepmetric web`. */
export interface WebServer {
  /** The page's address, e.g. http://127.0.0.1:8080/. */
  url: string;
  close(): Promise<void>;
}

/** Content types of the app's files; anything else is sent as bytes. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/**
 * `deepmetric web`: serves the web app (`dist/web/`) on `host:port` with Node's own http server:
 * its files and nothing else (GET and HEAD only, no listing, nothing outside the folder). Port 0
 * takes a free port. The page does its work in the browser; the server only hands it its files.
 *
 * @example
 * const server = await webCommand({ port: 8080 });  // server.url: 'http://127.0.0.1:8080/'
 */
export async function webCommand(flags: WebFlags, appDir = WEB_APP_DIR): Promise<WebServer> {
  const { port, host = '127.0.0.1' } = flags;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw invalidArgument(`--port must be an integer in [0, 65535]. Received: ${String(port)}`);
  }
  const index = join(appDir, 'index.html');
  if (
    !(await stat(index).then(
      (s) => s.isFile(),
      () => false,
    ))
  ) {
    throw invalidInput(appDir, 'holds no web app (index.html): build it with `npm run build:web`');
  }
  const root = normalize(appDir.endsWith(sep) ? appDir : appDir + sep);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    const send = (status: number, body: string | Uint8Array, type: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'GET only\n', TYPES['.txt']);
    if (!file.startsWith(root)) return send(404, 'not found\n', TYPES['.txt']);
    readFile(file).then(
      (bytes) => send(200, bytes, TYPES[extname(file)] ?? 'application/octet-stream'),
      () => send(404, 'not found\n', TYPES['.txt']),
    );
  });
  await listen(server, port, host);
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? invalidArgument(`--port ${port}: the port is in use on ${host}; give another (or 0 for a free one).`)
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

/**
 * The `web` command for commander; `run` gets the parsed flags.
 *
 * @example
 * program.addCommand(webCommandSpec(async (flags) => { const server = await webCommand(flags); ... }));
 */
export function webCommandSpec(run: (flags: WebFlags) => Promise<void>): Command {
  return new Command('web')
    .description(
      'Serve the web app on this machine: diagnose embeddings and logs, or train a network, in the browser; nothing is uploaded.',
    )
    .option('--port <port>', 'the port to listen on (0: a free one)', (v) => Number(v), 8080)
    .option('--host <address>', 'the address to listen on', '127.0.0.1')
    .action(async (flags: WebFlags) => run(flags));
}
