import { DeepmetricError } from '../errors.js';

/** The Node.js built-in modules deepmetric's core uses, by the id it asks for them with. */
export interface NodeModules {
  'node:fs': typeof import('node:fs');
  'node:fs/promises': typeof import('node:fs/promises');
  'node:os': typeof import('node:os');
  'node:url': typeof import('node:url');
  'node:worker_threads': typeof import('node:worker_threads');
  'node:zlib': typeof import('node:zlib');
}

const provided: Partial<NodeModules> = {};

/**
 * A Node.js built-in module, looked up when it is called for, never imported: a browser bundle of
 * the core then loads, and only the calls that need a file system or threads fail there, with an
 * error that says so. A page stands in for one with `provideNodeModule` (an in-memory file system
 * of the files a user dropped, say).
 *
 * @example
 * const { readFile } = nodeModule('node:fs/promises');
 */
export function nodeModule<K extends keyof NodeModules>(id: K): NodeModules[K] {
  const stand = provided[id];
  if (stand !== undefined) return stand;
  const builtin = globalThis.process?.getBuiltinModule?.(id);
  if (builtin === undefined) {
    throw new DeepmetricError(
      'backend',
      `${id} is not available here: this needs Node.js >= 20.16 (or a page that provides it)`,
    );
  }
  return builtin as NodeModules[K];
}

/**
 * Makes `nodeModule(id)` return `module` from now on: where there is no Node.js, a page provides
 * what the core reads files with.
 *
 * @example
 * provideNodeModule('node:path', posixPath);
 */
export function provideNodeModule<K extends keyof NodeModules>(id: K, module: NodeModules[K]): void {
  provided[id] = module;
}
