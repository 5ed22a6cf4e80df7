import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { TripletMarginLoss, convertToTriplets } from '../../src/losses/index.js';
import { BaseReducer } from '../../src/reducers/index.js';
import { CosineSimilarity, LpDistance } from '../../src/distances/index.js';
import { MeanReducer } from '../../src/reducers/index.js';
import { Random } from '../../src/random.js';
import { assertAllClose, close, loadOracle, type OracleCase, type Spec } from '../helpers/oracle.js';
import { indicesFromOracle, tripletLossFromParams } from '../helpers/pml.js';
import { describeBackends, expectNoLeak, matrix } from '../helpers/tensors.js';
import {
  referenceMatrix,
  referenceTripletLoss,
  type ReferenceTripletOptions,
  type Triplet,
} from '../reference/losses.js';

const cases = loadOracle('triplet_margin_loss', 'triplet_margin_loss');

interface Params {
  loss: Spec;
  distance: Spec;
  reducer: Spec;
  miner: Spec | null;
}
interface Expected {
  loss: number;
  loss_float64: number;
  num_triplets: number;
  num_nonzero_triplets: number;
  num_nonzero_triplets_float64: number;
  triplets?: Triplet[];
  per_triplet_losses?: number[];
  per_triplet_losses_float64?: number[];
}

/** Hands the per-triplet losses to the test, then sums them (the sum is not checked). */
class CaptureReducer extends BaseReducer {
  captured: number[] = [];
  protected reduceLosses(losses: tf.Tensor1D): tf.Scalar {
    this.captured = Array.from(losses.dataSync());
    return tf.sum(losses);
  }
}

/** The oracle case's options for the plain-loop reference. */
function referenceOptions(params: Params): ReferenceTripletOptions {
  const kw = params.loss.kwargs as { margin: number; swap: boolean; smooth_loss: boolean };
  const dk = (params.distance.kwargs ?? {}) as { normalize_embeddings?: boolean; power?: number };
  return {
    margin: kw.margin,
    swap: kw.swap,
    smooth: kw.smooth_loss,
    reducer: params.reducer.class === 'MeanReducer' ? 'mean' : 'avgNonZero',
    distance: {
      kind: params.distance.class === 'CosineSimilarity' ? 'cosine' : 'lp',
      normalize: dk.normalize_embeddings ?? true,
      power: dk.power ?? 1,
    },
  };
}

function tripletsOf(c: OracleCase): Triplet[] {
  const labels = Int32Array.from(c.inputs.labels as number[]);
  const t = convertToTriplets(
    labels,
    indicesFromOracle(c.inputs.indices_tuple as Record<string, number[]> | null),
    'all',
    new Random(0),
  );
  return Array.from(t.anchors, (a, i) => [a, t.positives[i], t.negatives[i]]);
}

/** The largest finite distance in the case: float32 rounding of a loss is relative to it, not to the loss. */
function distanceScale(c: OracleCase): number {
  const { mat } = referenceMatrix(
    c.inputs.embeddings as number[][],
    referenceOptions(c.params as unknown as Params).distance,
  );
  return Math.max(1, ...mat.flat().filter(Number.isFinite).map(Math.abs));
}

/** Float32 softplus underflows to exactly 0 below about -104 (README point 5): counts then differ from float64. */
function countsDiffer(e: Expected): boolean {
  return e.num_nonzero_triplets !== e.num_nonzero_triplets_float64;
}

describe('the plain-loop reference agrees with PML in float64', () => {
  it('on every oracle case (validates test/reference/losses.ts)', () => {
    assert.ok(cases.length >= 700, `${cases.length} cases`);
    for (const c of cases) {
      const e = c.expected as unknown as Expected;
      const triplets = tripletsOf(c);
      const ref = referenceTripletLoss(
        c.inputs.embeddings as number[][],
        triplets,
        referenceOptions(c.params as unknown as Params),
      );
      assert.equal(triplets.length, e.num_triplets, `${c.name}: triplets`);
      assert.ok(close(ref.loss, e.loss_float64, 1e-9, 1e-12), `${c.name}: ${ref.loss} vs ${e.loss_float64}`);
      assert.equal(ref.perTriplet.filter((v) => v > 0).length, e.num_nonzero_triplets_float64, `${c.name}: nonzero`);
      if (e.triplets !== undefined) assert.deepEqual(triplets, e.triplets, `${c.name}: order`);
      if (e.per_triplet_losses_float64 !== undefined) {
        assertAllClose(ref.perTriplet, e.per_triplet_losses_float64, 1e-9, 1e-12, `${c.name}: per triplet`);
      }
    }
  });
});

describeBackends(['cpu', 'wasm'], 'TripletMarginLoss against PML', (backend) => {
  // wasm's Sum kernel adds float32 values one after another: over thousands of triplets its mean
  // drifts by up to ~4e-5 relative (3600 equal losses of 0.2 give 0.2000071), where torch and the
  // cpu backend sum more accurately. Per-triplet values agree to 1e-5 on both backends.
  const rtol = backend === 'wasm' ? 5e-5 : 1e-5;

  for (const c of cases) {
    it(c.name, () => {
      const params = c.params as unknown as Params;
      const e = c.expected as unknown as Expected;
      const x = matrix(c.inputs.embeddings as number[][]);
      const labels = c.inputs.labels as number[];
      const indices = indicesFromOracle(c.inputs.indices_tuple as Record<string, number[]> | null);
      const loss = tripletLossFromParams(params);
      const value = loss.compute(x, labels, indices);
      const got = value.dataSync()[0];
      // Losses near 0 come from differences of distances: their float32 rounding is relative to the distances.
      const atol = 1e-6 * distanceScale(c);
      assert.ok(close(got, e.loss, rtol, atol), `loss ${got} vs float32 ${e.loss}`);
      if (!countsDiffer(e))
        assert.ok(close(got, e.loss_float64, rtol, atol), `loss ${got} vs float64 ${e.loss_float64}`);
      const stats = loss.lastStats;
      assert.ok(stats !== null);
      assert.equal(stats.numTriplets, e.num_triplets, 'num_triplets');
      assert.equal(stats.numNonZero, e.num_nonzero_triplets, 'num_nonzero_triplets');

      if (e.per_triplet_losses !== undefined && e.triplets !== undefined) {
        assert.deepEqual(tripletsOf(c), e.triplets, 'triplet order');
        const capture = new CaptureReducer();
        const kw = params.loss.kwargs as { margin: number; swap: boolean; smooth_loss: boolean };
        const perTriplet = new TripletMarginLoss({
          margin: kw.margin,
          swap: kw.swap,
          smoothLoss: kw.smooth_loss,
          distance: loss.distance,
          reducer: capture,
        });
        tf.dispose(perTriplet.compute(x, labels, indices));
        assertAllClose(capture.captured, e.per_triplet_losses, 1e-5, atol, 'per-triplet losses');
      }
      tf.dispose([x, value]);
    });
  }

  it('reports the statistics of the triplets it evaluated', () => {
    const rows = [
      [1, 0.2],
      [0.9, 0.5],
      [-0.3, 1],
      [-0.6, 0.8],
      [0.1, -1],
      [0.4, -0.9],
    ];
    const labels = [0, 0, 1, 1, 2, 2];
    const x = matrix(rows);
    for (const [distance, kind] of [
      [new LpDistance(), 'lp'],
      [new CosineSimilarity(), 'cosine'],
    ] as const) {
      for (const swap of [false, true]) {
        const loss = new TripletMarginLoss({ margin: 0.2, swap, distance });
        tf.dispose(loss.compute(x, labels));
        const triplets = tripletsOf({ inputs: { labels, indices_tuple: null } } as unknown as OracleCase);
        const { mat } = referenceMatrix(rows, { kind, normalize: true, power: 1 });
        const ref = referenceTripletLoss(rows, triplets, {
          margin: 0.2,
          swap,
          smooth: false,
          reducer: 'avgNonZero',
          distance: { kind, normalize: true, power: 1 },
        });
        const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
        const s = loss.lastStats;
        assert.ok(s !== null);
        assert.equal(s.numTriplets, triplets.length);
        assert.equal(s.numNonZero, ref.perTriplet.filter((v) => v > 0).length);
        assert.ok(close(s.meanAP, mean(triplets.map(([a, p]) => mat[a][p])), 1e-5), `meanAP ${s.meanAP}`);
        assert.ok(close(s.meanAN, mean(triplets.map(([a, , n]) => mat[a][n])), 1e-5), `meanAN ${s.meanAN}`);
        const sign = kind === 'cosine' ? -1 : 1;
        const violations = triplets.map(([a, p, n]) => {
          const an = swap ? (sign > 0 ? Math.min(mat[a][n], mat[p][n]) : Math.max(mat[a][n], mat[p][n])) : mat[a][n];
          return sign * (mat[a][p] - an) + 0.2;
        });
        assert.ok(close(s.meanViolation, mean(violations), 1e-5, 1e-6), `meanViolation ${s.meanViolation}`);
      }
    }
    assert.equal(new TripletMarginLoss().lastStats, null);
    const loss = new TripletMarginLoss();
    tf.dispose(loss.compute(x, [0, 1, 2, 3, 4, 5]));
    const s = loss.lastStats;
    assert.ok(
      s !== null && s.numTriplets === 0 && s.numNonZero === 0 && Number.isNaN(s.meanAP) && Number.isNaN(s.meanAN),
    );
    x.dispose();
  });

  it('trains inside tf.variableGrads and optimizer.minimize', () => {
    const rows = [
      [1, 0.2, 0.1],
      [0.2, 0.5, -0.3],
      [-0.3, 1, 0.4],
      [0.6, 0.8, -0.2],
      [0.1, -1, 0.3],
      [0.4, -0.9, -0.5],
    ];
    const labels = Int32Array.of(0, 0, 1, 1, 2, 2);
    const w = tf.variable(tf.eye(3));
    const x = matrix(rows);
    // Soft margin and the mean: a smooth loss, so small gradient steps must lower it.
    const loss = new TripletMarginLoss({ margin: 0.5, smoothLoss: true, reducer: new MeanReducer() });
    const before = tf.tidy(() => loss.compute(tf.matMul(x, w), labels).dataSync()[0]);
    const { value, grads } = tf.variableGrads(() => loss.compute(tf.matMul(x, w), labels));
    assert.ok(Number.isFinite(value.dataSync()[0]));
    assert.ok(
      Object.values(grads)[0]
        .dataSync()
        .some((g) => g !== 0),
      'a nonzero gradient',
    );
    tf.dispose([value, ...Object.values(grads)]);
    const optimizer = tf.train.sgd(0.1);
    for (let step = 0; step < 20; step++) optimizer.minimize(() => loss.compute(tf.matMul(x, w), labels));
    const after = tf.tidy(() => loss.compute(tf.matMul(x, w), labels).dataSync()[0]);
    assert.ok(after < before, `loss went from ${before} to ${after}`);
    optimizer.dispose();
    tf.dispose([w, x]);
  });

  it('leaks no tensor with pairs, triplets, swap and soft margin', () => {
    const x = matrix([
      [1, 0.2],
      [0.9, 0.5],
      [-0.3, 1],
      [-0.6, 0.8],
      [0.1, -1],
      [0.4, -0.9],
    ]);
    const labels = [0, 0, 1, 1, 2, 2];
    const pairs = {
      a1: Int32Array.of(0, 2),
      p: Int32Array.of(1, 3),
      a2: Int32Array.of(0, 0, 2),
      n: Int32Array.of(2, 4, 5),
    };
    const triplets = { anchors: Int32Array.of(0, 4), positives: Int32Array.of(1, 5), negatives: Int32Array.of(3, 3) };
    for (const loss of [
      new TripletMarginLoss({ swap: true, smoothLoss: true }),
      new TripletMarginLoss({ reducer: new MeanReducer(), tripletsPerAnchor: 2 }),
    ]) {
      for (const indices of [undefined, pairs, triplets]) {
        expectNoLeak(() => loss.compute(x, labels, indices), 'compute');
        expectNoLeak(() => tf.grad((v: tf.Tensor) => loss.compute(v as tf.Tensor2D, labels, indices))(x), 'gradient');
      }
    }
    x.dispose();
  });

  it('rejects bad input with a clear error', () => {
    const loss = new TripletMarginLoss();
    const x = matrix([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const v = tf.tensor1d([1, 2]);
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    const t = (a: number[], p: number[], n: number[]) => ({
      anchors: Int32Array.from(a),
      positives: Int32Array.from(p),
      negatives: Int32Array.from(n),
    });
    assert.throws(
      () => loss.compute(x, [0, 1]),
      /`labels` must have one label per embedding row \(3\)\. Received: 2 labels/,
    );
    assert.throws(
      () => loss.compute(x, [0, 1.5, 1]),
      /`labels` must hold 32-bit integers\. Received: labels\[1\]=1\.5/,
    );
    assert.throws(() => loss.compute(v as unknown as tf.Tensor2D, [0, 1]), /`embeddings` must be 2-D/);
    assert.throws(() => loss.compute(empty, []), /`embeddings` must not be empty/);
    assert.throws(
      () => loss.compute(x, [0, 0, 1], t([0], [1], [3])),
      /`indices\.negatives` must hold rows of the embeddings, in \[0, 3\)\. Received: indices\.negatives\[0\]=3/,
    );
    assert.throws(() => loss.compute(x, [0, 0, 1], t([0, -1], [1, 0], [2, 2])), /indices\.anchors\[1\]=-1/);
    assert.throws(
      () => loss.compute(x, [0, 0, 1], t([0, 1], [1], [2, 2])),
      /`indices\.anchors` and `indices\.positives` must have the same length\. Received: 2 and 1/,
    );
    const pairs = { a1: Int32Array.of(0), p: Int32Array.of(1, 0), a2: Int32Array.of(0), n: Int32Array.of(2) };
    assert.throws(() => loss.compute(x, [0, 0, 1], pairs), /`indices\.a1` and `indices\.p` must have the same length/);
    const plain = { anchors: [0], positives: [1], negatives: [2] } as unknown as ReturnType<typeof t>;
    assert.throws(
      () => loss.compute(x, [0, 0, 1], plain),
      /`indices` must be triplets .* of Int32Arrays\. Received: \{ anchors: Array\(1\)/,
    );
    const bad = (options: object) => () => new TripletMarginLoss(options as never);
    assert.throws(bad({ margin: '0.2' }), /`margin` must be a finite number\. Received: margin=0\.2/);
    assert.throws(bad({ margin: NaN }), /`margin` must be a finite number\. Received: margin=NaN/);
    assert.throws(bad({ swap: 1 }), /`swap` must be a boolean\. Received: swap=1/);
    assert.throws(bad({ smoothLoss: 'yes' }), /`smoothLoss` must be a boolean/);
    assert.throws(
      bad({ tripletsPerAnchor: 0 }),
      /`tripletsPerAnchor` must be 'all' or an integer >= 1\. Received: tripletsPerAnchor=0/,
    );
    assert.throws(bad({ tripletsPerAnchor: 2.5 }), /tripletsPerAnchor=2\.5/);
    assert.throws(bad({ tripletsPerAnchor: 'some' }), /tripletsPerAnchor=some/);
    assert.throws(bad({ distance: 'euclidean' }), /`distance` must be a distance/);
    assert.throws(bad({ reducer: {} }), /`reducer` must be a reducer/);
    assert.throws(bad({ rng: 42 }), /`rng` must be a Random/);
    assert.throws(
      bad({ smooth_loss: true }),
      /Unknown option `smooth_loss` for TripletMarginLoss\. Allowed: margin, swap, smoothLoss/,
    );
    tf.dispose([x, v, empty]);
  });
});
