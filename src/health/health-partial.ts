import { invalidInput } from '../errors.js';
import type { NonFiniteCount } from './health-metrics.js';
import { MomentSums, type MomentSumsState } from './moment-sums.js';
import { StreamingHealth, type RowRange } from './streaming-health.js';

/** What a partial-result file says it is. */
export const HEALTH_PARTIAL_FORMAT = 'deepmetric-health-partial';
/** The version of that format this deepmetric writes and reads. */
export const HEALTH_PARTIAL_VERSION = 1;

/**
 * The mergeable state of the health of some rows, as `deepmetric diagnose SHARD --partial FILE`
 * writes it (JSON): the sums in float64 as JSON numbers (which round-trip exactly), the rows per
 * label, the global row ranges measured, and the pair sample (global row indices, labels, and the
 * float32 embeddings as base64 of their little-endian bytes: exact and a third the size of numbers).
 * The sample's priorities are a function of the seed and the row index, so they are not stored.
 */
export interface HealthPartial {
  format: typeof HEALTH_PARTIAL_FORMAT;
  version: typeof HEALTH_PARTIAL_VERSION;
  dim: number;
  labels: boolean;
  /** The settings the sums and the sample depend on: partials merge only when these agree. */
  pairSample: number;
  sampleSeed: number;
  zeroNormTolerance: number;
  ranges: RowRange[];
  /** [label, rows] pairs, by label. */
  classes: Array<[number, number]>;
  sums: MomentSumsState;
  sample: { rows: number[]; labels: number[] | null; data: string };
}

/**
 * The partial-result state of `health`, ready for `JSON.stringify`.
 *
 * @example
 * await writeFileAtomic('parts/3.json', JSON.stringify(healthPartial(health)));
 */
export function healthPartial(health: StreamingHealth): HealthPartial {
  const sample = health.sample.sorted();
  return {
    format: HEALTH_PARTIAL_FORMAT,
    version: HEALTH_PARTIAL_VERSION,
    dim: health.dim,
    labels: health.withLabels,
    pairSample: health.pairSample,
    sampleSeed: health.sampleSeed,
    zeroNormTolerance: health.zeroNormTolerance,
    ranges: health.ranges.map((r) => ({ ...r })),
    classes: Array.from(health.classSizes).sort((a, b) => a[0] - b[0]),
    sums: health.sums.state(),
    sample: {
      rows: Array.from(sample.rows),
      labels: sample.labels === null ? null : Array.from(sample.labels),
      data: float32ToBase64(sample.data),
    },
  };
}

/**
 * Reads a partial-result file's JSON value back into a `StreamingHealth`; `file` names it in
 * errors. A different format version, or any field missing or of the wrong shape, is an
 * invalid-input error naming the file and the field.
 *
 * @example
 * const health = parseHealthPartial(JSON.parse(await readFile('parts/0.json', 'utf8')), 'parts/0.json');
 */
export function parseHealthPartial(value: unknown, file: string): StreamingHealth {
  const bad = (field: string, expected: string, got: unknown) =>
    invalidInput(file, `field \`${field}\` must be ${expected}. Received: ${JSON.stringify(got)?.slice(0, 80)}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput(
      file,
      `is not a deepmetric partial result: expected a JSON object with "format": "${HEALTH_PARTIAL_FORMAT}"`,
    );
  }
  const p = value as Record<string, unknown>;
  if (p.format !== HEALTH_PARTIAL_FORMAT) {
    throw invalidInput(
      file,
      `is not a deepmetric partial result: field \`format\` must be "${HEALTH_PARTIAL_FORMAT}". Received: ${JSON.stringify(p.format)}`,
    );
  }
  if (p.version !== HEALTH_PARTIAL_VERSION) {
    throw invalidInput(
      file,
      `has partial-result format version ${JSON.stringify(p.version)}; this deepmetric reads version ${HEALTH_PARTIAL_VERSION}: write the partials again with this version`,
    );
  }
  const int = (field: string, v: unknown, min = 0): number => {
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= min)) throw bad(field, `an integer >= ${min}`, v);
    return v;
  };
  const num = (field: string, v: unknown): number => {
    if (!(typeof v === 'number' && Number.isFinite(v))) throw bad(field, 'a finite number', v);
    return v;
  };
  const numbers = (field: string, v: unknown, length: number): number[] => {
    if (!Array.isArray(v) || v.length !== length) throw bad(field, `an array of ${length} numbers`, v);
    v.forEach((x, i) => num(`${field}[${i}]`, x));
    return v as number[];
  };
  const dim = int('dim', p.dim, 1);
  if (typeof p.labels !== 'boolean') throw bad('labels', 'true or false', p.labels);
  const health = new StreamingHealth(dim, p.labels, {
    pairSample: int('pairSample', p.pairSample, 2),
    sampleSeed: num('sampleSeed', p.sampleSeed),
    zeroNormTolerance: num('zeroNormTolerance', p.zeroNormTolerance),
  });

  if (!Array.isArray(p.ranges)) throw bad('ranges', 'an array of { start, rows, source }', p.ranges);
  for (const [i, r] of p.ranges.entries()) {
    const range = (r ?? {}) as Record<string, unknown>;
    if (typeof range.source !== 'string') throw bad(`ranges[${i}].source`, 'a string', range.source);
    health.ranges.push({
      start: int(`ranges[${i}].start`, range.start),
      rows: int(`ranges[${i}].rows`, range.rows),
      source: range.source,
    });
  }
  if (!Array.isArray(p.classes)) throw bad('classes', 'an array of [label, rows] pairs', p.classes);
  for (const [i, c] of p.classes.entries()) {
    if (!Array.isArray(c) || c.length !== 2) throw bad(`classes[${i}]`, 'a [label, rows] pair', c);
    health.classSizes.set(int(`classes[${i}][0]`, c[0]), int(`classes[${i}][1]`, c[1], 1));
  }
  if (!p.labels && health.classSizes.size > 0) throw bad('classes', 'empty when `labels` is false', p.classes);

  const s = (p.sums ?? {}) as Record<string, unknown>;
  const nf = (s.nonFinite ?? {}) as Record<string, unknown>;
  const nonFinite: NonFiniteCount = {
    count: int('sums.nonFinite.count', nf.count),
    nan: int('sums.nonFinite.nan', nf.nan),
    inf: int('sums.nonFinite.inf', nf.inf),
    rows: int('sums.nonFinite.rows', nf.rows),
  };
  const count = int('sums.count', s.count);
  const extreme = (field: string, v: unknown) => (count === 0 && v === null ? null : num(field, v));
  const state: MomentSumsState = {
    rows: int('sums.rows', s.rows),
    nonFinite,
    count,
    mean: numbers('sums.mean', s.mean, dim),
    m2: numbers('sums.m2', s.m2, dim * dim),
    normSum: num('sums.normSum', s.normSum),
    normMin: extreme('sums.normMin', s.normMin),
    normMax: extreme('sums.normMax', s.normMax),
    nearZero: int('sums.nearZero', s.nearZero),
  };
  const measured = health.ranges.reduce((sum, r) => sum + r.rows, 0);
  if (state.rows !== measured) throw bad('sums.rows', `the rows of \`ranges\` (${measured})`, state.rows);
  health.sums.merge(MomentSums.fromState(state, dim, health.zeroNormTolerance));

  const sample = (p.sample ?? {}) as Record<string, unknown>;
  if (!Array.isArray(sample.rows) || sample.rows.length > health.pairSample) {
    throw bad('sample.rows', `an array of at most pairSample = ${health.pairSample} row indices`, sample.rows);
  }
  const rows = sample.rows.map((r, i) => int(`sample.rows[${i}]`, r));
  const labels = p.labels ? numbers('sample.labels', sample.labels, rows.length) : null;
  if (!p.labels && sample.labels !== null) throw bad('sample.labels', 'null when `labels` is false', sample.labels);
  if (typeof sample.data !== 'string') throw bad('sample.data', 'a base64 string of float32 values', sample.data);
  const data = base64ToFloat32(sample.data);
  if (data === null || data.length !== rows.length * dim) {
    throw bad('sample.data', `base64 of ${rows.length} x ${dim} float32 values`, `${sample.data.length} characters`);
  }
  rows.forEach((row, i) => {
    health.sample.add(data.subarray(i * dim, (i + 1) * dim), 1, labels === null ? null : [labels[i]], row);
  });
  return health;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function float32ToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  let binary = '';
  const STEP = 0x8000;
  for (let i = 0; i < bytes.length; i += STEP) binary += String.fromCharCode(...bytes.subarray(i, i + STEP));
  return btoa(binary);
}

function base64ToFloat32(text: string): Float32Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  if (binary.length % 4 !== 0) return null;
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer);
  const view = new DataView(bytes.buffer);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
}
