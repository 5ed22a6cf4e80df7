import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { indexCommand } from '../../src/cli/index-command.js';
import { queryCommand } from '../../src/cli/query-command.js';
import { exitCodeFor } from '../../src/cli/exit-code.js';
import { loadData, writeNpy } from '../../src/data/index.js';
import { embedDataset, loadModel } from '../../src/models/index.js';
import { runTraining } from '../../src/run/index.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';
import { DeepmetricError } from '../../src/errors.js';
import { Random } from '../../src/random.js';
import { cli } from '../helpers/cli.js';
import { knnReference } from '../reference/evaluation.js';

const N = 400;
const DIM = 12;

async function rejectsWithExit2(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DeepmetricError, String(error));
    assert.equal(exitCodeFor(error), 2, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('deepmetric index and query', () => {
  let dir: string;
  let rows: number[][];
  let labels: number[];
  let embeddings: string;
  let queries: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dm-index-'));
    const rng = new Random(21);
    rows = Array.from({ length: N }, () => Array.from({ length: DIM }, () => Math.fround(rng.normal())));
    labels = Array.from({ length: N }, (_, i) => i % 7);
    embeddings = join(dir, 'emb.npy');
    await writeNpy(embeddings, Float32Array.from(rows.flat()), [N, DIM], 'float32');
    await writeNpy(join(dir, 'emb.labels.npy'), Int32Array.from(labels), [N], 'int32');
    queries = join(dir, 'q.npy');
    await writeNpy(
      queries,
      Float32Array.from(
        rows
          .slice(0, 5)
          .flat()
          .map((v, i) => v + 0.01 * (i % 3)),
      ),
      [5, DIM],
      'float32',
    );
  });

  for (const [distance, kind] of [
    ['euclidean', 'euclidean'],
    ['cosine', 'cosine'],
  ] as const) {
    it(`${distance}: query after index gives exact search's neighbours, distances and labels; the manifest says how`, async () => {
      const out = join(dir, `index-${distance}`);
      const { manifest } = await indexCommand(embeddings, {
        out,
        distance,
        labels: join(dir, 'emb.labels.npy'),
        backend: 'cpu',
      });
      assert.equal(tf.memory().numTensors, 0);
      const onDisk = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
      assert.deepEqual(onDisk, manifest);
      assert.deepEqual(
        [manifest.library.name, manifest.metric, manifest.dim, manifest.count, manifest.labels, manifest.index],
        ['usearch', distance === 'cosine' ? 'ip' : 'l2sq', DIM, N, 'labels.npy', 'index.usearch'],
      );
      assert.equal(manifest.distance.normalizeEmbeddings, distance === 'cosine');
      assert.match(manifest.load.python, /Index\.restore\("DIR\/index\.usearch"\)/);
      assert.match(manifest.load.node, /index\.load\('DIR\/index\.usearch'\)/);

      const k = 6;
      const result = await queryCommand(out, { file: queries, k });
      const qRows = Array.from({ length: 5 }, (_, r) =>
        rows[r].map((v, i) => Math.fround(v + 0.01 * ((r * DIM + i) % 3))),
      );
      const want = knnReference(qRows, rows, k, kind);
      assert.equal(result.queries.length, 5);
      result.queries.forEach((list, q) => {
        assert.deepEqual(
          list.map((n) => n.id),
          want.indices[q],
          `query ${q}`,
        );
        list.forEach((n, j) => {
          assert.ok(Math.abs(n.distance - want.distances[q][j]) < 1e-4, `query ${q} rank ${j}: ${n.distance}`);
          assert.equal(n.label, labels[n.id]);
        });
      });
      const one = await queryCommand(out, { vector: rows[3].join(','), k: 1 });
      assert.equal(one.queries[0][0].id, 3);
    });
  }

  it('runs from the command line: --json on stdout; bad input exits 2 naming the file or flag', async () => {
    const out = join(dir, 'index-cli');
    const made = await cli(['index', embeddings, '--out', out, '--backend', 'cpu']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /wrote a usearch 2\.\d+\.\d+ index of 400 x 12 \(Euclidean, metric l2sq\)/);
    const [ok, dim, missing, notIndex, knnFlag] = await Promise.all([
      cli(['query', out, '--vector', rows[9].join(','), '--k', '3', '--json']),
      cli(['query', out, '--vector', '1,2,3']),
      cli(['index', join(dir, 'nope.npy'), '--out', join(dir, 'x')]),
      cli(['query', dir, '--vector', '1']),
      cli(['index', embeddings, '--out', join(dir, 'y'), '--distance', 'manhattan']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const parsed = JSON.parse(ok.stdout);
    assert.equal(parsed.queries[0][0].id, 9);
    assert.equal(parsed.queries[0][0].label, null);
    assert.deepEqual([dim.code, missing.code, notIndex.code, knnFlag.code], [2, 2, 2, 2]);
    assert.match(dim.stderr, /--vector has 3 numbers, but the index holds 12-dimensional vectors/);
    assert.match(missing.stderr, /nope\.npy: does not exist/);
    assert.match(notIndex.stderr, /manifest\.json: cannot be read/);
    assert.match(knnFlag.stderr, /'manhattan' is invalid/);
  });

  it('refuses query files of the wrong dimension, labels of the wrong length, flags a run directory does not take', async () => {
    const out = join(dir, 'index-plain');
    await indexCommand(embeddings, { out, backend: 'cpu' });
    const wide = join(dir, 'wide.npy');
    await writeNpy(wide, new Float32Array(2 * (DIM + 1)), [2, DIM + 1], 'float32');
    await rejectsWithExit2(
      queryCommand(out, { file: wide, k: 3 }),
      /wide\.npy: has 13-dimensional query vectors, but the index holds 12/,
    );
    await rejectsWithExit2(queryCommand(out, { file: join(dir, 'absent.npy'), k: 3 }), /absent\.npy: does not exist/);
    await rejectsWithExit2(queryCommand(out, { file: queries, k: N + 1 }), /--k must be an integer in \[1, 400\]/);
    const short = join(dir, 'short.npy');
    await writeNpy(short, new Int32Array(N - 1), [N - 1], 'int32');
    await rejectsWithExit2(
      indexCommand(embeddings, { out: join(dir, 'z'), labels: short, backend: 'cpu' }),
      /short\.npy: has 399 labels, but .*emb\.npy has 400 rows/,
    );
    await rejectsWithExit2(
      indexCommand(dir, { out: join(dir, 'w'), distance: 'cosine', backend: 'cpu' }),
      /--distance applies to an embeddings file/,
    );
    const broken = join(dir, 'index-broken');
    await indexCommand(embeddings, { out: broken, backend: 'cpu' });
    await writeFile(join(broken, 'manifest.json'), JSON.stringify({ format: 'other' }));
    await rejectsWithExit2(
      queryCommand(broken, { file: queries, k: 3 }),
      /manifest\.json: expected format 'deepmetric-index' version 1/,
    );
    await rm(join(out, 'index.usearch'));
    await rejectsWithExit2(queryCommand(out, { file: queries, k: 3 }), /index\.usearch: is missing/);
  });

  it("indexes a run directory: its train and test rows embedded by its model, under the run's distance, with its labels", async () => {
    const runRoot = await mkdtemp(join(tmpdir(), 'dm-index-run-'));
    const config = await tinyRunConfig(runRoot, { distance: 'cosine' });
    await runTraining(config, { progress: null });
    const out = join(runRoot, 'index');
    const { manifest } = await indexCommand(config.out, { out, backend: 'cpu' });
    assert.equal(tf.memory().numTensors, 0);

    // The reference: the run's split embedded by its model in one pass, searched exactly.
    const model = await loadModel(join(config.out, 'model'));
    const { train, test } = await loadData(config.data, { seed: config.seed });
    const embedded = [train, test].flatMap((part) => {
      const e = embedDataset(model, part, 1000);
      const values = Array.from(e.dataSync());
      e.dispose();
      return values;
    });
    model.dispose();
    const dim = config.embeddingDim;
    const all = Array.from({ length: embedded.length / dim }, (_, i) => embedded.slice(i * dim, (i + 1) * dim));
    const allLabels = [...train.labels, ...test.labels];
    assert.deepEqual(
      [manifest.count, manifest.dim, manifest.metric, manifest.distance.name, manifest.distance.normalizeEmbeddings],
      [all.length, dim, 'ip', 'cosine', true],
    );
    assert.deepEqual(manifest.classNames, train.classNames);
    assert.equal(manifest.source, config.out);

    const k = 5;
    const probe = [0, 17, all.length - 1];
    const want = knnReference(
      probe.map((i) => all[i]),
      all,
      k,
      'cosine',
    );
    for (const [q, row] of probe.entries()) {
      const {
        queries: [found],
      } = await queryCommand(out, { vector: all[row].join(','), k });
      assert.deepEqual(
        found.map((n) => n.id),
        want.indices[q],
        `row ${row}`,
      );
      found.forEach((n) => assert.equal(n.label, allLabels[n.id]));
    }
    await rm(runRoot, { recursive: true, force: true });
  });
});
