import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { diagnose, embeddingHealth, healthSnapshot } from '../../src/health/index.js';
import { Random } from '../../src/random.js';

interface Clusters {
  classes: number;
  perClass: number;
  dim: number;
  /** The variance lies in a random subspace of this many directions. */
  subspace: number;
  /** Within-class noise (in the subspace) relative to the spread of the class centres. */
  noise: number;
}

/** Classes with centres in a random `subspace`-d subspace of `dim`, rows around them, as embeddings of the field's retrieval models look. */
function clusters({ classes, perClass, dim, subspace, noise }: Clusters, seed = 3) {
  const rng = new Random(seed);
  const basis = Array.from({ length: subspace }, () => Float64Array.from({ length: dim }, () => rng.normal()));
  const rows = classes * perClass;
  const data = new Float32Array(rows * dim);
  const labels = Int32Array.from({ length: rows }, (_, i) => Math.floor(i / perClass));
  const centres = Array.from({ length: classes }, () => Float64Array.from({ length: subspace }, () => rng.normal()));
  for (let i = 0; i < rows; i++) {
    const c = centres[labels[i]];
    for (let s = 0; s < subspace; s++) {
      const coef = c[s] + noise * rng.normal();
      for (let k = 0; k < dim; k++) data[i * dim + k] += coef * basis[s][k];
    }
  }
  return { matrix: { data, rows, dim }, labels };
}

function verdictOf(spec: Clusters) {
  const { matrix, labels } = clusters(spec);
  const metrics = embeddingHealth(matrix, labels);
  return diagnose({ health: healthSnapshot(metrics, labels), labels });
}

describe('dimensional collapse across many classes (what the missing directions cost)', () => {
  it('200 classes in 128-d over a 40-d subspace, separated: healthy, though the rank is far below classes - 1', async () => {
    await initBackend('wasm');
    const report = verdictOf({ classes: 200, perClass: 20, dim: 128, subspace: 40, noise: 0.05 });
    assert.ok(report.evidence.effectiveRank < 0.5 * 127, String(report.evidence.effectiveRank));
    assert.ok(report.evidence.violationFraction < 0.05, String(report.evidence.violationFraction));
    assert.equal(report.verdict, 'healthy', JSON.stringify(report.findings));
  });

  it('1,000 classes in 512-d over a 100-d subspace, separated: healthy', async () => {
    await initBackend('wasm');
    const report = verdictOf({ classes: 1000, perClass: 4, dim: 512, subspace: 100, noise: 0.05 });
    assert.ok(report.evidence.effectiveRank < 0.5 * 511, String(report.evidence.effectiveRank));
    assert.equal(report.verdict, 'healthy', JSON.stringify(report.findings));
  });

  it('200 classes over 3 directions: dimensional collapse by the floor, however the classes fall', async () => {
    await initBackend('wasm');
    const report = verdictOf({ classes: 200, perClass: 20, dim: 128, subspace: 3, noise: 0.05 });
    assert.ok(report.evidence.effectiveRank < 5, String(report.evidence.effectiveRank));
    assert.equal(report.verdict, 'dimensional-collapse');
    assert.deepEqual(
      report.findings.map((f) => [f.metric, f.limit]),
      [['effectiveRank', 5]],
    );
  });

  it('200 classes over 12 directions with overlapping classes: dimensional collapse, the cost named', async () => {
    await initBackend('wasm');
    const report = verdictOf({ classes: 200, perClass: 20, dim: 128, subspace: 12, noise: 3 });
    assert.ok(report.evidence.effectiveRank > 5 && report.evidence.effectiveRank < 63.5);
    assert.ok(report.evidence.violationFraction > 0.3, String(report.evidence.violationFraction));
    assert.equal(report.verdict, 'dimensional-collapse');
    assert.deepEqual(
      report.findings.map((f) => f.metric),
      ['effectiveRank', 'violationFraction'],
    );
  });

  it('the same overlap over a full-rank embedding is no dimensional collapse: the directions are there', async () => {
    await initBackend('wasm');
    const report = verdictOf({ classes: 200, perClass: 20, dim: 128, subspace: 128, noise: 3 });
    assert.ok(report.evidence.effectiveRank > 63.5, String(report.evidence.effectiveRank));
    assert.notEqual(report.verdict, 'dimensional-collapse');
  });

  it('10 classes: the rule is the one fitted before (rank < 4.5 of 9 directions)', async () => {
    await initBackend('wasm');
    const low = verdictOf({ classes: 10, perClass: 50, dim: 64, subspace: 3, noise: 0.05 });
    assert.equal(low.evidence.rankFloor, 4.5);
    assert.equal(low.verdict, 'dimensional-collapse');
    const ok = verdictOf({ classes: 10, perClass: 50, dim: 64, subspace: 9, noise: 0.05 });
    assert.equal(ok.verdict, 'healthy');
  });
});
