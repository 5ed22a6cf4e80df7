import { basename, dirname, join } from 'pathe';
import { nodeModule } from './node-module.js';

/**
 * Writes a file so that readers see the old content or the new, never a half-written file: the
 * data goes to a temporary file in the same folder, is flushed, then renamed over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const { mkdir, rename, rm } = nodeModule('node:fs/promises');
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${stamp()}.tmp`);
  try {
    await writeSynced(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Writes a folder of files atomically: into a temporary sibling folder first, then swapped in by
 * renames, so an interrupted write leaves the previous folder (or none), never a mix.
 */
export async function writeDirAtomic(path: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const { mkdir, rename, rm } = nodeModule('node:fs/promises');
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  const unique = stamp();
  const tmp = join(parent, `.${basename(path)}.${unique}.tmp`);
  const old = join(parent, `.${basename(path)}.${unique}.old`);
  try {
    for (const [name, data] of Object.entries(files)) {
      const file = join(tmp, name);
      await mkdir(dirname(file), { recursive: true });
      await writeSynced(file, data);
    }
    const hadOld = await rename(path, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    await rename(tmp, path);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Writes and flushes to disk, so the rename that follows never publishes data still in a cache. */
async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await nodeModule('node:fs/promises').open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A name part no other writer uses at the same time: the process (a page has one) and the time. */
function stamp(): string {
  return `${globalThis.process?.pid ?? 0}.${Date.now()}`;
}
