import { invalidInput } from '../errors.js';
import { basename, dirname, join } from 'pathe';
import { nodeModule } from '../io/node-module.js';

/** Whether `pattern` is a shard glob (has `*` or `?`), not a file name. */
export function isShardGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/**
 * The files a shard glob names, in sorted order (code-unit order, as Python's `sorted(glob(...))`:
 * zero-pad shard numbers, part-010 after part-009). `*` matches any run of characters and `?` one,
 * in the last path component only (`shards/part-*.npy`, not `shards-*\/part.npy`); a pattern without
 * them is returned as it is. No match is an input error naming the pattern and its folder.
 * Node 20 has no stable fs.glob, and a dependency is not worth this much.
 *
 * @example
 * await expandShardGlob('shards/part-*.npy'); // ['shards/part-000.npy', 'shards/part-001.npy', ...]
 */
export async function expandShardGlob(pattern: string): Promise<string[]> {
  if (!isShardGlob(pattern)) return [pattern];
  const dir = dirname(pattern);
  const name = basename(pattern);
  if (isShardGlob(dir)) {
    throw invalidInput(pattern, 'a shard glob may have * and ? in its last path component only (e.g. shards/part-*.npy)');
  }
  const regex = new RegExp(
    `^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`,
  );
  let entries: string[];
  try {
    entries = await nodeModule('node:fs/promises').readdir(dir);
  } catch (error) {
    throw invalidInput(pattern, `the folder ${dir} cannot be listed: ${(error as Error).message}`, error);
  }
  const matched = entries
    .filter((e) => regex.test(e))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((e) => (dir === '.' && !pattern.startsWith('.') ? e : join(dir, e)));
  if (matched.length === 0) throw invalidInput(pattern, `matches no file in ${dir}`);
  return matched;
}
