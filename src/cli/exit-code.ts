import { DeepmetricError } from '../errors.js';

/** Exit status for an error: 2 when the input was bad (file, flag, option), 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof DeepmetricError) {
    return error.code === 'invalid-argument' || error.code === 'invalid-input' ? 2 : 1;
  }
  return 1;
}
