import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { knn, retrievalMetrics, type RetrievalMetrics } from '../../src/evaluation/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { close, loadOracle, type Spec } from '../helpers/oracle.js';
import { distanceFromSpec } from '../helpers/pml.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';

const cases = loadOracle('accuracy_calculator', 'accuracy_calculator');

const METRICS: Array<[keyof RetrievalMetrics, string]> = [
  ['precisionAt1', 'precision_at_1'],
  ['rPrecision', 'r_precision'],
  ['meanAveragePrecisionAtR', 'mean_average_precision_at_r'],
  ['meanAveragePrecision', 'mean_average_precision'],
  ['meanReciprocalRank', 'mean_reciprocal_rank'],
];

/** The largest differences seen against PML, over every case and backend (reported at the end). */
const worst = { float64: 0, mrr: 0 };

describeBackends(['cpu', 'wasm'], 'retrievalMetrics against PML AccuracyCalculator', () => {
  it('has the oracle cases', () => assert.equal(cases.length, 24));

  for (const c of cases) {
    it(c.name, () => {
      const inputs = c.inputs as {
        query: number[][];
        query_labels: number[];
        reference: number[][] | null;
        reference_labels: number[] | null;
      };
      const params = c.params as {
        mode: string;
        k: number | 'max_bin_count' | null;
        avg_of_avgs: boolean;
        knn_func: { distance: Spec };
      };
      const expected = c.expected as {
        metrics: Record<string, number>;
        num_k: number;
        knn_indices: number[][];
      };
      const query = matrix(inputs.query);
      // same_no_exclusion passes the query again as the reference, without ref_includes_query.
      const reference =
        params.mode === 'same_no_exclusion' ? query : inputs.reference === null ? undefined : matrix(inputs.reference);
      const referenceLabels =
        params.mode === 'same_no_exclusion' ? inputs.query_labels : (inputs.reference_labels ?? undefined);
      const refIncludesQuery = params.mode === 'ref_includes_query' ? true : undefined;
      const distance = distanceFromSpec(params.knn_func.distance);
      const k = params.k === 'max_bin_count' ? 'maxBinCount' : params.k;

      const got = expectNoLeak(
        () =>
          retrievalMetrics({
            query,
            queryLabels: inputs.query_labels,
            reference,
            referenceLabels,
            refIncludesQuery,
            k,
            distance,
            avgOfAvgs: params.avg_of_avgs,
          }),
        'retrievalMetrics',
      );
      assert.equal(got.k, expected.num_k, 'num_k');
      for (const [ours, theirs] of METRICS) {
        const want = expected.metrics[theirs];
        // PML computes MRR in float32 (one ulp is 6e-8 near 1) and everything else in float64.
        const bucket = ours === 'meanReciprocalRank' ? 'mrr' : 'float64';
        const diff = Math.abs(got[ours] - want);
        if (Number.isFinite(diff)) worst[bucket] = Math.max(worst[bucket], diff);
        const tolerance = bucket === 'mrr' ? 2e-7 : 1e-12;
        assert.ok(close(got[ours], want, 0, tolerance), `${ours}: ${got[ours]} != PML ${want}`);
      }

      // The neighbours themselves, in PML's order (after the query's own row is removed).
      const excludeSelf = params.mode === 'omit_reference' || params.mode === 'ref_includes_query';
      const neighbours = knn({ query, reference: reference ?? query, k: expected.num_k, distance, excludeSelf });
      assert.deepEqual(Array.from(neighbours.indices), expected.knn_indices.flat(), 'knn_indices');
      tf.dispose([query, reference]);
    });
  }

  it('gives the same metrics for every chunk size', () => {
    const c = cases.find((x) =>
      x.name.startsWith('accuracy/same_n64_d16_c8_s548/omit_reference/k=None/avg_of_avgs=T'),
    ) as (typeof cases)[number];
    const query = matrix(c.inputs.query as number[][]);
    const queryLabels = c.inputs.query_labels as number[];
    const all = [1, 7, 64].map((batchSize) => retrievalMetrics({ query, queryLabels, avgOfAvgs: true, batchSize }));
    assert.deepEqual(all[1], all[0]);
    assert.deepEqual(all[2], all[0]);
    query.dispose();
  });

  it('rejects bad input with a clear error', () => {
    const x = matrix([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const y = matrix([
      [0, 0],
      [1, 0],
      [5, 5],
    ]);
    const nan = matrix([
      [0, 0],
      [1, 0],
      [0, NaN],
      [1, 1],
    ]);
    const labels = [0, 0, 1, 1];
    const isArgError = (pattern: RegExp) => (e: unknown) =>
      e instanceof DeepmetricError && e.code === 'invalid-argument' && pattern.test(e.message);
    assert.throws(
      () => retrievalMetrics({ query: x, queryLabels: [0, 1, 1] }),
      isArgError(/`queryLabels` must have one label per embedding row \(4\). Received: 3 labels/),
    );
    assert.throws(
      () => retrievalMetrics({ query: x, queryLabels: labels, reference: y, referenceLabels: [0, 1] }),
      isArgError(/`referenceLabels` must have one label per/),
    );
    assert.throws(
      () => retrievalMetrics({ query: nan, queryLabels: labels }),
      isArgError(/`query` must hold finite numbers. Received: NaN or Infinity in row 2/),
    );
    assert.throws(
      () => retrievalMetrics({ query: x, queryLabels: [3, 3, 3, 3] }),
      isArgError(/at least 2 classes. Received: every label is 3/),
    );
    assert.throws(
      () => retrievalMetrics({ query: x, queryLabels: labels, k: 0 }),
      isArgError(/`k` must be an integer >= 1, 'maxBinCount', or omitted/),
    );
    assert.throws(
      () => retrievalMetrics({ query: x, queryLabels: labels, k: 4 }),
      isArgError(/at most the number of references other than the query itself \(3\). Received: k=4/),
    );
    assert.throws(
      () => retrievalMetrics({ query: x, queryLabels: labels, k: 'max' as 'maxBinCount' }),
      isArgError(/Received: k=max/),
    );
    assert.throws(
      () => retrievalMetrics({ query: x, queryLabels: labels, reference: y }),
      isArgError(/`reference` and `referenceLabels` go together/),
    );
    assert.throws(
      () => retrievalMetrics({ query: x, queryLabels: labels, refIncludesQuery: false }),
      isArgError(/cannot be false without a `reference`/),
    );
    assert.throws(
      () =>
        retrievalMetrics({
          query: x,
          queryLabels: labels,
          reference: y,
          referenceLabels: [0, 0, 1],
          refIncludesQuery: true,
        }),
      isArgError(/first rows of `reference`, which has only 3 rows/),
    );
    const head = matrix([
      [0, 0],
      [1, 0],
      [0, 1.01],
      [1, 1],
      [7, 7],
    ]);
    assert.throws(
      () =>
        retrievalMetrics({
          query: x,
          queryLabels: labels,
          reference: head,
          referenceLabels: [0, 0, 1, 1, 1],
          refIncludesQuery: true,
        }),
      isArgError(/a different embedding in row 2/),
    );
    assert.throws(
      () =>
        retrievalMetrics({
          query: x,
          queryLabels: labels,
          reference: head,
          referenceLabels: [0, 1, 1, 1, 1],
          refIncludesQuery: true,
        }),
      isArgError(/a different label in row 1/),
    );
    tf.dispose([x, y, nan, head]);
  });

  after(() => {
    console.log(
      `retrievalMetrics vs PML: largest difference ${worst.float64.toExponential(2)} (float64 metrics), ${worst.mrr.toExponential(2)} (MRR, float32)`,
    );
  });
});
