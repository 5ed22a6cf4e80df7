import { gunzipSync, gzipSync } from 'fflate';
import { provideNodeModule, type NodeModules } from '../io/node-module.js';
import type { MemoryFileSystem } from './memory-file-system.js';

/**
 * Where there is no Node.js (a page, a Web Worker), makes the core read and write `files` as its
 * file system, and gzip with fflate; the calls the core makes are the ones it makes in Node, so a
 * file gives the same result in the page as with the CLI. Threads (node:worker_threads) stay
 * absent: a page trains on one thread.
 *
 * @example
 * const files = new MemoryFileSystem();
 * provideBrowserModules(files);
 */
export function provideBrowserModules(files: MemoryFileSystem): void {
  // The memory file system has the part of Node's API the core calls, not all of it.
  provideNodeModule('node:fs', files.sync as unknown as NodeModules['node:fs']);
  provideNodeModule('node:fs/promises', files.promises as unknown as NodeModules['node:fs/promises']);
  provideNodeModule('node:zlib', {
    gunzipSync: (bytes: Uint8Array) => gunzipSync(bytes),
    gzipSync: (bytes: Uint8Array, options?: { level?: number }) =>
      gzipSync(bytes, { level: (options?.level ?? 9) as 9 }),
  } as unknown as NodeModules['node:zlib']);
}
