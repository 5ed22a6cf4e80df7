import { unzipSync } from 'fflate';
import { invalidInput } from '../errors.js';
import { parseNpy, type NpyArray } from './read-npy.js';
import { readFileBytes } from './read-file-bytes.js';

/**
 * Reads a numpy `.npz` (`np.savez`, `np.savez_compressed`: a zip of `.npy` files) into its arrays,
 * by name without the `.npy` suffix.
 *
 * @example
 * const { embeddings, labels } = await readNpz('out.npz');
 */
export async function readNpz(path: string): Promise<Record<string, NpyArray>> {
  const bytes = await readFileBytes(path);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (cause) {
    throw invalidInput(path, 'is not a readable .npz (a zip archive of .npy files, as np.savez writes)', cause);
  }
  const arrays: Record<string, NpyArray> = {};
  for (const [name, content] of Object.entries(entries)) {
    if (!name.endsWith('.npy')) continue;
    arrays[name.slice(0, -4)] = parseNpy(content, `${path}:${name}`);
  }
  if (Object.keys(arrays).length === 0) throw invalidInput(path, 'holds no .npy arrays (expected an archive written by np.savez)');
  return arrays;
}
