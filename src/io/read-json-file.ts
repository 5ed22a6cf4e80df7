import { nodeModule } from './node-module.js';
import { invalidInput } from '../errors.js';

/**
 * The JSON value in the file at `path`. A file that cannot be read is an input error naming the
 * file, with `unreadable` as its explanation; so is a file that is not valid JSON.
 *
 * @example
 * const summary = await readJsonFile('runs/1/summary.json', 'cannot be read: has the run finished?');
 */
export async function readJsonFile(path: string, unreadable = 'cannot be read'): Promise<unknown> {
  let text: string;
  const { readFile } = nodeModule('node:fs/promises');
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw invalidInput(path, unreadable, cause);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw invalidInput(path, `is not valid JSON: ${(cause as Error).message}`, cause);
  }
}

/**
 * The JSON object in the file at `path` (read as `readJsonFile` does); anything else (an array, a number ...) is an input error
 * that says what the file `mustHold`.
 *
 * @example
 * const settings = await readJsonObject('config.json', 'a JSON object of settings, e.g. {"lr": 0.001}');
 */
export async function readJsonObject(
  path: string,
  mustHold: string,
  unreadable?: string,
): Promise<Record<string, unknown>> {
  const value = await readJsonFile(path, unreadable);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput(path, `must hold ${mustHold}`);
  }
  return value as Record<string, unknown>;
}
