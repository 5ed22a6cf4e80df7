import { invalidArgument } from './errors.js';

// The one vocabulary of argument checks: numbers with bounds, integers, choices. Every message reads
// "<Option|Argument> `name` must be <rule>. Received: name=<value>".

/** Bounds for `checkNumber`; an exclusive bound wins over an inclusive one of the same side. */
export interface NumberBounds {
  min?: number;
  minExclusive?: number;
  max?: number;
  maxExclusive?: number;
  integer?: boolean;
  /** Appended to the error message: why the bound exists. */
  why?: string;
}

/**
 * Throws unless `value` is a finite number within `bounds`. `what` is the word that opens the
 * message ("Option", "Argument") so that the error reads like every other one deepmetric throws.
 */
export function checkNumber(name: string, value: unknown, bounds: NumberBounds, what = 'Option'): number {
  const problem = numberProblem(value, bounds);
  if (problem !== null) {
    const why = bounds.why === undefined ? '' : ` (${bounds.why})`;
    throw invalidArgument(`${what} \`${name}\` must be ${problem}${why}. Received: ${name}=${String(value)}`);
  }
  return value as number;
}

/**
 * What `value` fails to be ("an integer >= 2", "a finite number > 0 < 1"), or null when it is a
 * number within `bounds`: for messages that are not an Option's or an Argument's (a run setting's).
 */
export function numberProblem(value: unknown, bounds: NumberBounds): string | null {
  if (typeof value === 'number' && withinBounds(value, bounds)) return null;
  const rules = [bounds.integer ? 'an integer' : 'a finite number'];
  if (bounds.minExclusive !== undefined) rules.push(`> ${bounds.minExclusive}`);
  else if (bounds.min !== undefined) rules.push(`>= ${bounds.min}`);
  if (bounds.maxExclusive !== undefined) rules.push(`< ${bounds.maxExclusive}`);
  else if (bounds.max !== undefined) rules.push(`<= ${bounds.max}`);
  return rules.join(' ');
}

function withinBounds(value: number, bounds: NumberBounds): boolean {
  return (
    Number.isFinite(value) &&
    (!bounds.integer || Number.isInteger(value)) &&
    (bounds.minExclusive === undefined || value > bounds.minExclusive) &&
    (bounds.min === undefined || value >= bounds.min) &&
    (bounds.maxExclusive === undefined || value < bounds.maxExclusive) &&
    (bounds.max === undefined || value <= bounds.max)
  );
}

/** Throws unless `value` is one of `allowed`. */
export function checkChoice<T extends string>(name: string, value: unknown, allowed: readonly T[], what = 'Option'): T {
  if (!isOneOf(value, allowed)) {
    const received = typeof value === 'string' ? `'${value}'` : String(value);
    throw invalidArgument(
      `${what} \`${name}\` must be one of ${allowed.map((a) => `'${a}'`).join(', ')}. Received: ${name}=${received}`,
    );
  }
  return value;
}

function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return allowed.some((a) => a === value);
}
