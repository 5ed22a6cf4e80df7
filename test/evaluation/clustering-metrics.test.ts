import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { clusteringMetrics } from '../../src/evaluation/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { close, loadOracle } from '../helpers/oracle.js';
import { clusteringReference } from '../reference/evaluation.js';

const cases = loadOracle('accuracy_calculator', 'accuracy_calculator_clustering');

describe('clusteringMetrics against scikit-learn (via PML)', () => {
  const worst = { nmi: 0, ami: 0 };
  after(() =>
    console.log(
      `clusteringMetrics vs sklearn: largest difference NMI ${worst.nmi.toExponential(2)}, AMI ${worst.ami.toExponential(2)}`,
    ),
  );

  it('has the oracle cases', () => assert.equal(cases.length, 10));

  for (const c of cases) {
    it(c.name, () => {
      const labels = c.inputs.query_labels as number[];
      const clusters = c.inputs.cluster_labels as number[];
      const want = (c.expected as { metrics: { NMI: number; AMI: number } }).metrics;
      const got = clusteringMetrics(labels, clusters);
      worst.nmi = Math.max(worst.nmi, Math.abs(got.nmi - want.NMI));
      worst.ami = Math.max(worst.ami, Math.abs(got.ami - want.AMI));
      assert.ok(close(got.nmi, want.NMI, 1e-12, 1e-14), `NMI ${got.nmi} != ${want.NMI}`);
      // AMI values of ~1e-14 are 0 up to rounding in MI - EMI: an absolute tolerance.
      assert.ok(close(got.ami, want.AMI, 1e-12, 1e-12), `AMI ${got.ami} != ${want.AMI}`);
    });
  }

  it('agrees with the reference (EMI from the hypergeometric ratio recursion) on small labelings', () => {
    const labelings: Array<[number[], number[]]> = [
      [
        [0, 0, 1, 1, 2],
        [0, 1, 1, 2, 2],
      ],
      [
        [0, 0, 0, 1, 1, 1, 2],
        [1, 1, 0, 0, 0, 2, 2],
      ],
      [
        [3, 3, 3, 3, 9, 9],
        [0, 0, 1, 1, 2, 2],
      ],
      [
        [0, 1, 0, 1, 0, 1, 0, 1],
        [0, 0, 0, 0, 0, 0, 0, 1],
      ],
    ];
    for (const [labels, clusters] of labelings) {
      const got = clusteringMetrics(labels, clusters);
      const want = clusteringReference(labels, clusters);
      assert.ok(close(got.nmi, want.nmi, 1e-12, 1e-14), `NMI ${got.nmi} != ${want.nmi}`);
      assert.ok(close(got.ami, want.ami, 1e-10, 1e-12), `AMI ${got.ami} != ${want.ami}`);
    }
  });

  it('handles the degenerate labelings as sklearn does', () => {
    assert.deepEqual(clusteringMetrics([1, 1, 1], [4, 4, 4]), { nmi: 1, ami: 1 });
    assert.deepEqual(clusteringMetrics([0, 1, 2, 3], [0, 0, 0, 0]), { nmi: 0, ami: 0 });
    const same = clusteringMetrics([0, 0, 1, 1, 2, 2, 2], [7, 7, 5, 5, 6, 6, 6]);
    assert.ok(close(same.nmi, 1, 1e-15) && close(same.ami, 1, 1e-15), JSON.stringify(same));
    // Renaming is irrelevant, and the scores are symmetric in their two arguments.
    const a = [0, 0, 1, 2, 2, 1, 0, 2];
    const b = [1, 2, 2, 0, 0, 1, 1, 2];
    const ab = clusteringMetrics(a, b);
    const ba = clusteringMetrics(
      b,
      a.map((v) => 10 - v),
    );
    assert.ok(close(ab.nmi, ba.nmi, 1e-14) && close(ab.ami, ba.ami, 1e-12, 1e-14));
  });

  it('agrees with the reference on 60,000 samples, where the factorials overflow a double', () => {
    const n = 60000;
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    // Nine classes kept whole, the tenth scattered, and a few strays: AMI well inside (0, 1).
    const clusters = Array.from({ length: n }, (_, i) => (i % 10 < 9 && i % 97 !== 0 ? i % 10 : (i >> 4) % 10));
    const got = clusteringMetrics(labels, clusters);
    const want = clusteringReference(labels, clusters);
    assert.ok(got.ami > 0.5 && got.ami < 0.99, JSON.stringify(got));
    assert.ok(close(got.nmi, want.nmi, 1e-12), `NMI ${got.nmi} != ${want.nmi}`);
    assert.ok(close(got.ami, want.ami, 1e-9), `AMI ${got.ami} != ${want.ami}`);
  });

  it('rejects bad input with a clear error', () => {
    assert.throws(
      () => clusteringMetrics([0, 1, 2], [0, 1]),
      (e: unknown) => e instanceof DeepmetricError && /`clusters` must have one label per/.test(e.message),
    );
    assert.throws(() => clusteringMetrics([], []), /`labels` must be a non-empty/);
    assert.throws(
      () => clusteringMetrics([0, 1.5], [0, 1]),
      /`labels` must hold 32-bit integers. Received: labels\[1\]=1.5/,
    );
    assert.throws(() => clusteringMetrics([0, 1], [0, NaN]), /`clusters` must hold 32-bit integers/);
  });
});
