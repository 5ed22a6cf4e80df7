import { invalidArgument, invalidInput } from '../errors.js';
import type { StreamingHealth } from './streaming-health.js';

/**
 * Merges the partial results of disjoint rows (`parseHealthPartial` of each file) into the health
 * of their union, in the order given. Refused, naming the file and what was expected: a partial
 * whose dimensions, labels (one has them, another not), sample size, sample seed or zero-norm
 * tolerance differ from the first's, and one whose global rows overlap another's (two shards
 * measured with the same `--row-offset`).
 *
 * @example
 * const whole = mergeHealthPartials(files.map((file) => ({ file, health: parseHealthPartial(json[file], file) })));
 * whole.metrics(); // the health of every shard's rows
 */
export function mergeHealthPartials(parts: ReadonlyArray<{ file: string; health: StreamingHealth }>): StreamingHealth {
  if (parts.length === 0)
    throw invalidArgument('Argument `parts` must hold at least one partial result. Received: none');
  const [first, ...rest] = parts;
  const settings = (h: StreamingHealth) => ({
    dim: `${h.dim} dimensions`,
    labels: h.withLabels ? 'labels' : 'no labels',
    pairSample: `a pair sample of ${h.pairSample} rows`,
    sampleSeed: `sample seed ${h.sampleSeed}`,
    zeroNormTolerance: `zero-norm tolerance ${h.zeroNormTolerance}`,
  });
  const expected = settings(first.health);
  for (const { file, health } of rest) {
    const got = settings(health);
    for (const key of Object.keys(expected) as Array<keyof typeof expected>) {
      if (got[key] !== expected[key]) {
        throw invalidInput(
          file,
          `has ${got[key]}, but ${first.file} has ${expected[key]}: the partials of one set must be measured alike (expected ${expected[key]})`,
        );
      }
    }
  }
  const ranges = parts
    .flatMap(({ file, health }) => health.ranges.map((range) => ({ file, ...range })))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) {
    const before = ranges[i - 1];
    const range = ranges[i];
    if (range.start < before.start + before.rows) {
      const span = (r: { start: number; rows: number }) => `${r.start}..${r.start + r.rows - 1}`;
      throw invalidInput(
        range.file,
        `holds global rows ${span(range)}, which overlap rows ${span(before)} of ${before.file}: each shard must be measured with its own --row-offset (the number of rows in the shards before it)`,
      );
    }
  }
  const [head, ...others] = parts.map((p) => p.health);
  for (const other of others) head.merge(other);
  return head;
}
