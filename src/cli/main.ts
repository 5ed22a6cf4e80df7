/**
 * The deepmetric command line. The only module that reads process.argv or calls process.exit:
 * every command is a function in its own file that takes parsed options and returns a result.
 */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { DeepmetricError } from '../errors.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Exit status for an error: 2 when the input was bad, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof DeepmetricError) {
    return error.code === 'invalid-argument' || error.code === 'invalid-input' ? 2 : 1;
  }
  return 1;
}

export function buildProgram(): Command {
  return new Command('deepmetric')
    .description('Deep metric learning on TensorFlow.js, with embedding-collapse diagnosis.')
    .version(version);
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`deepmetric: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(exitCodeFor(error));
  }
}

await main(process.argv);
