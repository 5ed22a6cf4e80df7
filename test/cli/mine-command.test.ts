import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mineCommand } from '../../src/cli/mine-command.js';
import { readNpy, writeNpy } from '../../src/data/index.js';
import { Random } from '../../src/random.js';

/** For each anchor with a positive and a negative: farthest positive, closest negative, lowest index on ties. */
function explicitHardest(rows: number[][], labels: number[]): number[][] {
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0));
  const out: number[][] = [];
  rows.forEach((a, i) => {
    let p = -1;
    let n = -1;
    rows.forEach((b, j) => {
      if (j === i) return;
      if (labels[j] === labels[i] && (p < 0 || dist(a, b) > dist(a, rows[p]))) p = j;
      if (labels[j] !== labels[i] && (n < 0 || dist(a, b) < dist(a, rows[n]))) n = j;
    });
    if (p >= 0 && n >= 0) out.push([i, p, n]);
  });
  return out;
}

describe('deepmetric mine', () => {
  it('writes the hardest triplet of every anchor, as the explicit loop finds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-mine-'));
    const rng = new Random(9);
    const rows = Array.from({ length: 40 }, () => Array.from({ length: 5 }, () => rng.normal()));
    const labels = Array.from({ length: 40 }, (_, i) => (i === 39 ? 7 : i % 4)); // row 39 has no positive
    await writeNpy(join(dir, 'e.npy'), rows.flat(), [40, 5], 'float32');
    await writeNpy(join(dir, 'l.npy'), labels, [40], 'int32');
    const out = join(dir, 't.npy');
    const result = await mineCommand(join(dir, 'e.npy'), {
      labels: join(dir, 'l.npy'),
      out,
      distance: 'euclidean',
      normalizeEmbeddings: false,
      chunkSize: 7,
      backend: 'cpu',
    });
    const triplets = await readNpy(out);
    assert.equal(triplets.dtype, 'int32');
    assert.deepEqual(triplets.shape, [39, 3]);
    const rounded = rows.map((r) => r.map(Math.fround));
    assert.deepEqual(Array.from(triplets.data as Int32Array), explicitHardest(rounded, labels).flat());
    assert.equal(result.triplets, 39);
  });

  it('names the file when the labels do not match the rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-mine-'));
    await writeNpy(join(dir, 'e.npy'), [1, 2, 3, 4], [2, 2], 'float32');
    await writeNpy(join(dir, 'l.npy'), [0, 1, 1], [3], 'int32');
    await assert.rejects(
      mineCommand(join(dir, 'e.npy'), {
        labels: join(dir, 'l.npy'),
        out: join(dir, 't.npy'),
        distance: 'euclidean',
        normalizeEmbeddings: true,
        backend: 'cpu',
      }),
      (error: Error) => error.message.includes('l.npy') || error.message.includes('e.npy'),
    );
  });
});
