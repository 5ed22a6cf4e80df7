/**
 * The value after `--name` on the benchmark's command line, or `fallback` when the flag is not
 * given; a number when the fallback is one.
 *
 * @example
 * const REPS = option('reps', 20);           // --reps 5 -> 5
 * const MODELS = option('models', 'convnet'); // --models mlp:256,128 -> 'mlp:256,128'
 */
export function option(name: string, fallback: string): string;
export function option(name: string, fallback: number): number;
export function option(name: string, fallback: string | number): string | number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  return typeof fallback === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
