const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i;

/**
 * A CSV field as a number, or null when it is not a decimal number; with `nonFinite`, numpy's
 * spellings of NaN and infinities too (`nan`, `inf`, `-inf`, any case: embeddings to diagnose,
 * where a NaN is a finding, not bad input).
 *
 * @example
 * csvNumber('-1.5e3'); // -1500
 * csvNumber('nan', true); // NaN
 */
export function csvNumber(field: string, nonFinite = false): number | null {
  if (NUMBER.test(field)) return Number(field);
  const special = nonFinite ? NON_FINITE.exec(field) : null;
  if (special === null) return null;
  if (special[2].toLowerCase() === 'nan') return NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}
