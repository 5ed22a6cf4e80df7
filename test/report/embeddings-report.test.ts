import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import { diagnose, embeddingHealth, healthSnapshot } from '../../src/health/index.js';
import { buildEmbeddingsReport, reportHtml, REPORT_SECTIONS } from '../../src/report/index.js';
import { Random } from '../../src/random.js';

/** n rows of dim dimensions around one centre per class, `spread` apart. */
function clusters(n: number, dim: number, classes: number, spread: number, seed: number) {
  const rng = new Random(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => spread * rng.normal()));
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) data[i * dim + d] = centres[labels[i]][d] + 0.2 * rng.normal();
  return { embeddings: { data, rows: n, dim }, labels };
}

describe('buildEmbeddingsReport: the report of embeddings diagnosed without a run', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('has every section: the verdict, the histograms beside the reference, the map; the run sections say why they are empty', async () => {
    const { embeddings, labels } = clusters(300, 16, 6, 3, 1);
    const reference = clusters(300, 16, 6, 0.05, 2).embeddings;
    const metrics = embeddingHealth(embeddings, labels);
    const report = diagnose({ health: healthSnapshot(metrics, labels, null) });
    const before = tf.memory().numTensors;
    const page = await buildEmbeddingsReport(
      { name: 'emb.npy', description: 'emb.npy: 300 x 16', report, embeddings, labels, reference, raw: false },
      { pairSamples: 100, mapPoints: 120 },
    );
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
    assert.deepEqual(Object.keys(page.sections).sort(), REPORT_SECTIONS.map((s) => s.id).sort());
    const html = reportHtml(page);
    assert.match(html, /<div class="verdict healthy">/);
    for (const id of ['verdict', 'distances', 'map'])
      assert.match(html, new RegExp(`<section id="${id}" class="present">`));
    for (const id of ['metrics', 'settings', 'training', 'health', 'neighbours']) {
      assert.match(html, new RegExp(`<section id="${id}" class="missing">`));
    }
    const distances = 'html' in page.sections.distances ? page.sections.distances.html : '';
    // Both phases are drawn, and the caption counts the sampled rows.
    assert.match(distances, /reference/);
    assert.match(distances, /All pairs among 100 of the 300 rows/);
    const map = 'html' in page.sections.map ? page.sections.map.html : '';
    assert.match(map, /120 embeddings \(a random sample of 300\)/);
  });

  it('without labels or with NaN it says why there are no histograms', async () => {
    const { embeddings, labels } = clusters(40, 4, 2, 3, 3);
    const report = diagnose({ health: healthSnapshot(embeddingHealth(embeddings, labels), labels, null) });
    const unlabelled = await buildEmbeddingsReport({
      name: 'e',
      description: 'e',
      report,
      embeddings,
      labels: null,
      reference: null,
      raw: false,
    });
    assert.deepEqual(unlabelled.sections.distances, {
      absent: 'no labels: pairs of one class and of two classes cannot be told apart.',
    });
    assert.ok('html' in unlabelled.sections.map);
    const broken = { ...embeddings, data: embeddings.data.slice() };
    broken.data[5] = NaN;
    const nan = await buildEmbeddingsReport({
      name: 'e',
      description: 'e',
      report,
      embeddings: broken,
      labels,
      reference: null,
      raw: false,
    });
    assert.deepEqual(nan.sections.distances, {
      absent: 'the embeddings hold NaN or infinite values, which have no distance.',
    });
  });
});
