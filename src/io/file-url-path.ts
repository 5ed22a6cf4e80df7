import { nodeModule } from './node-module.js';

/**
 * The path of a file URL (of a file shipped beside the code, found from `import.meta.url`):
 * node:url's `fileURLToPath` in Node; where there is no Node.js, the URL's decoded path, which is
 * where a page keeps the same file in the files it provides.
 *
 * @example
 * const dir = fileUrlPath(new URL('../../data/fashion-mnist/', import.meta.url));
 */
export function fileUrlPath(url: URL): string {
  if (url.protocol === 'file:') return nodeModule('node:url').fileURLToPath(url);
  return decodeURIComponent(url.pathname);
}
