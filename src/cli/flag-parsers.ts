import { InvalidArgumentError } from 'commander';

/** Commander argument parsers shared by the commands: a bad value is a usage error (exit 2). */
export function int(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('expected an integer.');
  return Number(value);
}

export function float(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number.');
  return n;
}
