import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One reference case from test/fixtures/oracle (see its README for the schema of each kind). */
export interface OracleCase {
  name: string;
  kind: string;
  inputs: Record<string, unknown>;
  params: Record<string, unknown>;
  expected: Record<string, unknown>;
  notes?: string[];
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** Loads an oracle file, turning the strings "NaN", "Infinity", "-Infinity" back into numbers. */
export function loadOracle(file: string, kind?: string): OracleCase[] {
  const path = fileURLToPath(new URL(`../fixtures/oracle/${file}.json`, import.meta.url));
  const cases = JSON.parse(readFileSync(path, 'utf8'), (_key, value: unknown) =>
    typeof value === 'string' && value in NON_FINITE ? NON_FINITE[value] : value,
  ) as OracleCase[];
  return kind === undefined ? cases : cases.filter((c) => c.kind === kind);
}

/** |a - b| <= atol + rtol * |b|, with NaN equal to NaN and infinities equal to themselves. */
export function close(a: number, b: number, rtol: number, atol = 0): boolean {
  if (Number.isNaN(b)) return Number.isNaN(a);
  if (!Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

/** Throws with the first mismatching position when two flat arrays differ beyond the tolerance. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol = 0,
  what = 'value',
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    if (!close(actual[i], expected[i], rtol, atol)) {
      throw new Error(`${what}[${i}]: ${actual[i]} != expected ${expected[i]} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** A PML constructor spec as the oracle writes it: `{ class, kwargs }`. */
export interface Spec {
  class: string;
  kwargs?: Record<string, unknown>;
  distance?: Spec | null;
}

/** snake_case PML keyword arguments to deepmetric's camelCase options. */
export function camelKwargs(kwargs: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(kwargs).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]),
  );
}
