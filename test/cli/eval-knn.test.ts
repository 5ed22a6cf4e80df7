import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { evalCommand, formatEvalResult } from '../../src/cli/eval-command.js';
import { runTraining } from '../../src/run/index.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';
import { cli } from '../helpers/cli.js';

const METRICS = [
  'precisionAt1',
  'rPrecision',
  'meanAveragePrecisionAtR',
  'meanAveragePrecision',
  'meanReciprocalRank',
] as const;

describe('deepmetric eval --knn', () => {
  let model: string;
  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-eval-knn-'));
    const config = await tinyRunConfig(dir);
    await runTraining(config, { progress: null });
    model = join(config.out, 'model');
  });

  it('approximate: the exact metrics on a set the index searches exhaustively, with each column’s recall reported', async () => {
    const exact = await evalCommand({ model, backend: 'cpu' });
    const approximate = await evalCommand({ model, backend: 'cpu', knn: 'approximate' });
    assert.equal(tf.memory().numTensors, 0);
    assert.equal(exact.knn, 'exact');
    assert.equal(exact.approximation, undefined);
    assert.equal(approximate.knn, 'approximate');
    for (const key of METRICS) {
      assert.ok(Math.abs(approximate.embedding[key] - exact.embedding[key]) < 1e-6, key);
      assert.ok(Math.abs(approximate.raw[key] - exact.raw[key]) < 1e-6, `raw ${key}`);
    }
    const report = approximate.approximation!;
    // 18 samples: expansion_search 128 visits every node, so the search is exact.
    assert.deepEqual([report.embedding.recall.recallAtK, report.raw.recall.recallAtK], [1, 1]);
    assert.deepEqual([report.embedding.recall.queries, report.embedding.subset?.rows], [18, 18]);
    const text = formatEvalResult(approximate);
    assert.match(
      text,
      /approximate k-NN \(embeddings\): usearch 2\.\d+\.\d+ HNSW \(l2sq, connectivity 16, expansion 128\/128\), recall@17 1\.0000 against exact search on 18 sampled queries/,
    );
    assert.match(text, /on a 18-row subset, approximate - exact: precision@1 0\.0000/);
  });

  it('an unknown --knn is a usage error (exit 2) naming the flag and the choices', async () => {
    const bad = await cli(['eval', '--model', model, '--knn', 'hnsw', '--backend', 'cpu']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--knn <method>' argument 'hnsw' is invalid\. Allowed choices are exact, approximate/);
  });
});
