import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeepmetricError } from '../../src/errors.js';

/** A fresh temporary folder for one test's fixtures. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'dm-data-'));
}

function check(error: unknown, code: string, file: string | undefined, pattern: RegExp): true {
  assert.ok(error instanceof DeepmetricError, `expected a DeepmetricError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (file !== undefined) assert.ok(error.message.startsWith(`${file}: `), `message should name ${file}: ${error.message}`);
  assert.match(error.message, pattern);
  return true;
}

/** Asserts that `promise` rejects with an invalid-input error naming `file` and matching `pattern`. */
export async function rejectsInput(promise: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e) => check(e, 'invalid-input', file, pattern));
}

/** Asserts that `fn` throws an invalid-input error naming `file` and matching `pattern`. */
export function throwsInput(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e) => check(e, 'invalid-input', file, pattern));
}

/** Asserts that `fn` (sync or async) fails with an invalid-argument error matching `pattern`. */
export async function rejectsArgument(fn: () => unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(async () => fn(), (e) => check(e, 'invalid-argument', undefined, pattern));
}
