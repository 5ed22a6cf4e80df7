import { invalidInput } from '../errors.js';
import { nodeModule } from '../io/node-module.js';

/**
 * Reads a whole input file, turning "no such file" and "is a folder" into `invalidInput` errors
 * that name the file. With `gunzip`, a file that starts with the gzip magic bytes (1f 8b) is
 * decompressed, whatever its name: the bytes, not the suffix, say what the file is.
 */
export async function readFileBytes(path: string, options: { gunzip?: boolean } = {}): Promise<Uint8Array> {
  let bytes: Uint8Array;
  const { readFile } = nodeModule('node:fs/promises');
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw invalidInput(path, 'no such file', error);
    if (code === 'EISDIR') throw invalidInput(path, 'is a folder, expected a file', error);
    if (code === 'EACCES') throw invalidInput(path, 'cannot be read (permission denied)', error);
    throw invalidInput(path, `cannot be read: ${(error as Error).message}`, error);
  }
  if (options.gunzip && bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const { gunzipSync } = nodeModule('node:zlib');
    try {
      return gunzipSync(bytes);
    } catch (error) {
      throw invalidInput(path, `is not a valid gzip stream (truncated or corrupt): ${(error as Error).message}`, error);
    }
  }
  return bytes;
}
