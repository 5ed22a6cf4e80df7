/**
 * Every error deepmetric throws on purpose. `code` says whose fault it is, so the CLI can map it to
 * an exit status (2 for bad input) without parsing messages.
 */
export type ErrorCode =
  | 'invalid-argument' // a bad option or tensor passed to the library
  | 'invalid-input' // a bad file or dataset
  | 'backend'; // a backend that cannot be started

export class DeepmetricError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeepmetricError';
    this.code = code;
  }
}

/** An error in an argument of a library call: names the argument, the value and what is allowed. */
export function invalidArgument(message: string): DeepmetricError {
  return new DeepmetricError('invalid-argument', message);
}

/** An error in an input file: names the file, the place in it and what was expected. */
export function invalidInput(file: string, message: string, cause?: unknown): DeepmetricError {
  return new DeepmetricError('invalid-input', `${file}: ${message}`, { cause });
}
