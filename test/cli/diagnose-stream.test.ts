import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diagnoseCommand, diagnoseJson, type DiagnoseFlags } from '../../src/cli/diagnose-command.js';
import { exitCodeFor } from '../../src/cli/exit-code.js';
import { writeNpy } from '../../src/data/index.js';
import { Random } from '../../src/random.js';
import { cli } from '../helpers/cli.js';

const FLAGS: DiagnoseFlags = { backend: 'wasm' };
const DIM = 8;

/** n rows in 4 clusters, or (collapsed) one point plus noise of 1e-3. */
function embeddings(n: number, collapsed: boolean, seed = 1): { data: Float32Array; labels: Int32Array } {
  const rng = new Random(seed);
  const centres = Array.from({ length: 4 }, () => Array.from({ length: DIM }, () => 3 * rng.normal()));
  const labels = Int32Array.from({ length: n }, () => rng.int(4));
  const data = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < DIM; k++) {
      data[i * DIM + k] = collapsed ? 1 + 1e-3 * rng.normal() : centres[labels[i]][k] + rng.normal();
    }
  }
  return { data, labels };
}

/** Writes whole.npy / whole.labels.npy and the shards part-<i>.npy / part-<i>.labels.npy of the given sizes. */
async function shardsOf(n: number, sizes: number[], collapsed = false): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dm-stream-'));
  const { data, labels } = embeddings(n, collapsed);
  await writeNpy(join(dir, 'whole.npy'), data, [n, DIM], 'float32');
  await writeNpy(join(dir, 'whole.labels.npy'), labels, [n], 'int32');
  let start = 0;
  for (const [i, rows] of sizes.entries()) {
    await writeNpy(join(dir, `part-${i}.npy`), data.slice(start * DIM, (start + rows) * DIM), [rows, DIM], 'float32');
    await writeNpy(join(dir, `part-${i}.labels.npy`), labels.slice(start, start + rows), [rows], 'int32');
    start += rows;
  }
  return dir;
}

async function code(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: exitCodeFor(error), message: (error as Error).message };
  }
  return { code: 0, message: '' };
}

/** Every evidence number within `tol` relative of the other's (null for NaN in both). */
function assertEvidenceClose(actual: Record<string, unknown>, expected: Record<string, unknown>, tol: number): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [key, e] of Object.entries(expected)) {
    const a = actual[key];
    if (typeof e !== 'number' || Number.isNaN(e)) assert.deepEqual(a, e, key);
    else assert.ok(Math.abs((a as number) - e) <= tol * Math.max(Math.abs(e), 1e-6), `${key}: ${a}, expected ${e}`);
  }
}

describe('deepmetric diagnose, streamed: shard globs, --partial, --merge', () => {
  for (const collapsed of [false, true]) {
    it(`${collapsed ? 'collapsed' : 'healthy'}: a glob of 4 uneven shards gives the verdict and numbers of the whole file`, async () => {
      const dir = await shardsOf(1800, [700, 1, 899, 200], collapsed);
      const whole = await diagnoseCommand(join(dir, 'whole.npy'), { ...FLAGS, labels: join(dir, 'whole.labels.npy') });
      const glob = await diagnoseCommand(join(dir, 'part-*.npy'), { ...FLAGS, labels: join(dir, 'part-*.labels.npy') });
      assert.equal(glob.report.verdict, collapsed ? 'collapsed' : 'healthy');
      assert.equal(glob.report.verdict, whole.report.verdict);
      assert.equal(glob.exitCode, whole.exitCode);
      // 1800 rows: every pair is measured on both paths; the sums agree to rounding.
      assertEvidenceClose(glob.report.evidence, whole.report.evidence, 1e-9);
      assert.deepEqual(glob.report.causes, whole.report.causes);
      assert.match(
        glob.description,
        /4 shards \(.*part-0\.npy \.\. .*part-3\.npy\): 1800 embeddings x 8 dimensions, 4 classes/,
      );
      assert.deepEqual(Object.keys(JSON.parse(diagnoseJson(glob))), [
        'verdict',
        'onsetStep',
        'causes',
        'evidence',
        'findings',
        'limits',
      ]);
    });
  }

  it("--partial per shard with --row-offset, then --merge of the glob: the whole glob's result, sample included", async () => {
    const sizes = [2500, 300, 1700, 1];
    const n = sizes.reduce((a, b) => a + b, 0); // 4501 rows > 4096: the pairs are sampled
    const dir = await shardsOf(n, sizes);
    const glob = await diagnoseCommand(join(dir, 'part-*.npy'), { ...FLAGS, labels: join(dir, 'part-*.labels.npy') });
    let offset = 0;
    for (const [i, rows] of sizes.entries()) {
      const partial = join(dir, 'parts', `${i}.json`);
      const shard = await diagnoseCommand(join(dir, `part-${i}.npy`), {
        ...FLAGS,
        labels: join(dir, `part-${i}.labels.npy`),
        partial,
        rowOffset: offset,
      }).catch((e: Error) => e);
      // A 1-row shard has no verdict of its own, but its partial is written first.
      if (rows < 2) assert.match((shard as Error).message, /at least 2 rows/);
      else assert.match((shard as { description: string }).description, /partial result of rows \d+\.\.\d+ written to/);
      assert.equal(JSON.parse(await readFile(partial, 'utf8')).ranges[0].start, offset);
      offset += rows;
    }
    assert.deepEqual((await readdir(join(dir, 'parts'))).sort(), ['0.json', '1.json', '2.json', '3.json']);
    // Two threads, each summing a window of the rows, and merging their partials: the same result.
    const threaded = await diagnoseCommand(join(dir, 'part-*.npy'), {
      ...FLAGS,
      labels: join(dir, 'part-*.labels.npy'),
      threads: 2,
    });
    assertEvidenceClose(threaded.report.evidence, glob.report.evidence, 1e-9);
    const merged = await diagnoseCommand(undefined, { ...FLAGS, merge: [join(dir, 'parts', '*.json')] });
    assert.equal(merged.report.verdict, glob.report.verdict);
    assertEvidenceClose(merged.report.evidence, glob.report.evidence, 1e-9);
    assert.ok(merged.report.limits.some((l) => /seeded sample of 4096 of the 4501 rows/.test(l)));
    assert.match(merged.description, /4 partial results .*: 4501 embeddings x 8 dimensions, 4 classes/);
  });

  it('refuses (exit 2, the file named) partials of other dimensions, versions or labels, overlaps, and unmatched labels', async () => {
    const dir = await shardsOf(600, [300, 300]);
    const p = (name: string) => join(dir, name);
    await diagnoseCommand(p('part-0.npy'), { ...FLAGS, labels: p('part-0.labels.npy'), partial: p('a.json') });
    await diagnoseCommand(p('part-1.npy'), { ...FLAGS, partial: p('nolabels.json'), rowOffset: 300 });
    await diagnoseCommand(p('part-1.npy'), {
      ...FLAGS,
      labels: p('part-1.labels.npy'),
      partial: p('same-offset.json'),
    });
    await writeNpy(
      p('wide.npy'),
      new Float32Array(300 * 4).map((_, i) => i % 7),
      [300, 4],
      'float32',
    );
    await diagnoseCommand(p('wide.npy'), { ...FLAGS, partial: p('wide.json'), rowOffset: 300 });
    const json = JSON.parse(await readFile(p('a.json'), 'utf8'));
    await writeFile(p('v9.json'), JSON.stringify({ ...json, version: 9 }));
    const cases: Array<[string[], RegExp]> = [
      [[p('a.json'), p('wide.json')], /wide\.json: has 4 dimensions, but .*a\.json has 8 dimensions/],
      [[p('a.json'), p('nolabels.json')], /nolabels\.json: has no labels, but .*a\.json has labels/],
      [[p('a.json'), p('v9.json')], /v9\.json: has partial-result format version 9; this deepmetric reads version 1/],
      [
        [p('a.json'), p('same-offset.json')],
        /same-offset\.json: holds global rows 0\.\.299, which overlap rows 0\.\.299 of .*a\.json/,
      ],
    ];
    for (const [merge, pattern] of cases) {
      const { code: status, message } = await code(diagnoseCommand(undefined, { ...FLAGS, merge }));
      assert.equal(status, 2, message);
      assert.match(message, pattern);
    }
    await writeNpy(p('short.labels.npy'), new Int32Array(299), [299], 'int32');
    const unmatched = await code(
      diagnoseCommand(p('part-0.npy'), { ...FLAGS, labels: p('short.labels.npy'), partial: p('x.json') }),
    );
    assert.equal(unmatched.code, 2);
    assert.match(unmatched.message, /short\.labels\.npy: holds 299 labels, but its shard .*part-0\.npy holds 300 rows/);
    await assert.rejects(readFile(p('x.json')), /ENOENT/); // nothing half-written
    const counts = await code(diagnoseCommand(p('part-?.npy'), { ...FLAGS, labels: p('part-0.labels.npy') }));
    assert.equal(counts.code, 2);
    assert.match(
      counts.message,
      /part-\?\.npy matches 2 embeddings files but --labels .*part-0\.labels\.npy matches 1 labels files/,
    );
    // As a user runs it: exit status 2 and the file named on stderr.
    const run = await cli(['diagnose', '--merge', p('a.json'), p('wide.json'), '--backend', 'cpu']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /wide\.json: has 4 dimensions/);
  });
});
