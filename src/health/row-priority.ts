/**
 * A seeded pseudo-random priority of row `row` (a global row index, an integer in [0, 2^53)): a
 * uint32 that depends on nothing but the seed and the index. The streaming health keeps the rows
 * with the smallest (priority, row) keys as its pair sample, so the sample is the same whether the
 * rows arrive in one piece, in chunks, or in shards measured apart and merged. murmur3's
 * finalizer, applied to the seed and then to each 32-bit half of the index.
 *
 * @example
 * rowPriority(0, 12345); // always the same uint32 for seed 0 and row 12345
 */
export function rowPriority(seed: number, row: number): number {
  const low = row >>> 0;
  const high = Math.floor(row / 4294967296) >>> 0;
  return mix(mix(mix(seed >>> 0) ^ low) ^ high);
}

function mix(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
