import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import {
  ArcFaceLoss,
  MarginLoss,
  ProxyAnchorLoss,
  allTripletIndices,
  convertToWeights,
} from '../../src/losses/index.js';
import { CosineSimilarity, LpDistance } from '../../src/distances/index.js';
import { DivisorReducer, MeanReducer, SumReducer } from '../../src/reducers/index.js';
import { lossContract } from '../helpers/loss-contract.js';
import { describeBackends, matrix } from '../helpers/tensors.js';
import {
  LABELS,
  PAIRS,
  TRIPLETS,
  assertMatchesReference,
  assertNoLeaks,
  randomRows,
  valueAndGradients,
} from './loss-checks.js';
import { numericGradient, refArcFace, refMargin, refProxyAnchor, type RefDistance } from './reference-losses.js';

const ROWS = randomRows(8, 4, 11);
const W = randomRows(4, 5, 12); // embeddingSize x numClasses
const PROXIES = randomRows(5, 4, 13); // numClasses x embeddingSize

/** The gradient of a weight matrix against central differences of `f` in it. */
function assertWeightGradient(what: string, got: Float32Array, f: (w: number[][]) => number, w: number[][]): void {
  const numeric = numericGradient(f, w);
  const scale = 1 + Math.max(...numeric.map(Math.abs));
  numeric.forEach((fd, i) => assert.ok(Math.abs(got[i] - fd) <= 1e-4 * scale, `${what}[${i}]: ${got[i]} vs ${fd}`));
}

describeBackends(
  ['cpu', 'wasm'],
  'MarginLoss, ArcFaceLoss, ProxyAnchorLoss: gradients against central differences',
  () => {
    it('MarginLoss (DivisorReducer), Lp and cosine, one beta and one per class', () => {
      const configs: Array<[string, () => LpDistance | CosineSimilarity, RefDistance, number]> = [
        ['Lp', () => new LpDistance(), { kind: 'lp', normalize: true }, 1.2],
        ['cosine', () => new CosineSimilarity(), { kind: 'cosine', normalize: true }, 0.1],
      ];
      for (const [name, distance, refDistance, beta] of configs) {
        const loss = new MarginLoss({ margin: 0.2, beta, distance: distance() });
        const got = valueAndGradients(loss, ROWS, LABELS);
        assertMatchesReference(
          `MarginLoss ${name}`,
          got,
          (x) => refMargin(x, LABELS, 0.2, [Math.fround(beta)], refDistance),
          ROWS,
        );
        const betas = [beta, beta + 0.1, beta - 0.1, beta + 0.05].map(Math.fround);
        const perClass = new MarginLoss({ margin: 0.2, beta, numClasses: 4, learnBeta: true, distance: distance() });
        tf.tidy(() => perClass.beta.assign(tf.tensor1d(betas)));
        const withBeta = valueAndGradients(perClass, ROWS, LABELS, undefined, perClass.trainableWeights());
        assertMatchesReference(
          `MarginLoss ${name} per class`,
          withBeta,
          (x) => refMargin(x, LABELS, 0.2, betas, refDistance),
          ROWS,
        );
        assertWeightGradient(
          `${name} beta`,
          withBeta.weightGrads[0],
          (b) => refMargin(ROWS, LABELS, 0.2, b[0], refDistance),
          [betas],
        );
        loss.dispose();
        perClass.dispose();
      }
    });

    it('ArcFaceLoss: embeddings and W', () => {
      for (const [margin, scale] of [
        [28.6, 4],
        [10, 2],
        [0, 1],
      ]) {
        const loss = new ArcFaceLoss({
          numClasses: 5,
          embeddingSize: 4,
          margin,
          scale,
          weights: W,
          reducer: new MeanReducer(),
        });
        const labels = [0, 1, 2, 3, 4, 0, 1, 2];
        const got = valueAndGradients(loss, ROWS, labels, undefined, loss.trainableWeights());
        assertMatchesReference(
          `ArcFace m=${margin} s=${scale}`,
          got,
          (x) => refArcFace(x, W, labels, margin, scale, 'mean'),
          ROWS,
        );
        assertWeightGradient(
          `ArcFace m=${margin} W`,
          got.weightGrads[0],
          (w) => refArcFace(ROWS, w, labels, margin, scale, 'mean'),
          W,
        );
        loss.dispose();
      }
    });

    it('ProxyAnchorLoss: embeddings and proxies (DivisorReducer)', () => {
      for (const [margin, alpha] of [
        [0.1, 4],
        [0, 2],
      ]) {
        const loss = new ProxyAnchorLoss({ numClasses: 5, embeddingSize: 4, margin, alpha, proxies: PROXIES });
        const got = valueAndGradients(loss, ROWS, LABELS, undefined, loss.trainableWeights());
        assertMatchesReference(
          `ProxyAnchor m=${margin} a=${alpha}`,
          got,
          (x) => refProxyAnchor(x, PROXIES, LABELS, margin, alpha),
          ROWS,
        );
        assertWeightGradient(
          `ProxyAnchor proxies`,
          got.weightGrads[0],
          (p) => refProxyAnchor(ROWS, p, LABELS, margin, alpha),
          PROXIES,
        );
        loss.dispose();
      }
    });
  },
);

describeBackends(['cpu', 'wasm'], 'MarginLoss, ArcFaceLoss, ProxyAnchorLoss', () => {
  it('leak no tensor, forward and backward, embeddings and weights', () => {
    const losses = [
      new MarginLoss(),
      new MarginLoss({ learnBeta: true, numClasses: 4, nu: 0.1 }),
      new ArcFaceLoss({ numClasses: 4, embeddingSize: 4 }),
      new ProxyAnchorLoss({ numClasses: 4, embeddingSize: 4 }),
    ];
    for (const loss of losses) assertNoLeaks(loss, ROWS, LABELS, [undefined, TRIPLETS, PAIRS]);
    const before = tf.memory().numTensors;
    for (const loss of losses) loss.dispose();
    assert.equal(tf.memory().numTensors, before - 4, "dispose frees each loss's variable");
  });

  it('MarginLoss trains beta with learnBeta: the optimizer lowers the loss, and beta_reg_loss = beta * nu', () => {
    const loss = new MarginLoss({ margin: 0.2, beta: 0.3, learnBeta: true, nu: 0.5 });
    assert.equal(loss.trainableWeights().length, 1);
    const x = matrix(ROWS);
    const before = loss.compute(x, LABELS);
    const reg = loss.lastSubLosses?.beta_reg_loss;
    assert.ok(reg !== undefined && Math.abs(reg - Math.fround(0.3) * 0.5) < 1e-7, `${reg}`);
    const optimizer = tf.train.sgd(0.05);
    for (let i = 0; i < 10; i++) optimizer.minimize(() => loss.compute(x, LABELS), false, loss.trainableWeights());
    const after = loss.compute(x, LABELS);
    assert.ok(after.dataSync()[0] < before.dataSync()[0], `${before.dataSync()[0]} -> ${after.dataSync()[0]}`);
    assert.notEqual(loss.beta.dataSync()[0], Math.fround(0.3));
    assert.deepEqual(new MarginLoss().trainableWeights(), []);
    optimizer.dispose();
    tf.dispose([x, before, after]);
    loss.dispose();
  });

  it('MarginLoss: beta is float32, the divisor counts positive and negative terms > 0, beta_reg_loss is zero without learnBeta', () => {
    const loss = new MarginLoss({ beta: 1.2 });
    assert.equal(loss.beta.dataSync()[0], 1.2000000476837158);
    const x = matrix(ROWS);
    const value = loss.compute(x, LABELS);
    const s = loss.lastStats;
    assert.ok(s !== null && s.numTriplets === allTripletIndices(Int32Array.from(LABELS)).anchors.length);
    const sum = new MarginLoss({ beta: 1.2, reducer: new SumReducer() }).compute(x, LABELS);
    assert.ok(Math.abs(value.dataSync()[0] - sum.dataSync()[0] / (s.numNonZeroPos + s.numNonZeroNeg)) < 1e-6);
    assert.deepEqual(Object.keys(loss.lastSubLosses ?? {}), ['margin_loss', 'beta_reg_loss']);
    tf.dispose([x, value, sum]);
    loss.dispose();
  });

  it('ArcFaceLoss: the target logit is cos(theta + m) up to pi - m, and cos(theta) - m sin(m) beyond (a row opposite its class weight)', () => {
    const w = [
      [1, 0],
      [0, 1],
    ]; // 2 x 2: class 0 along x, class 1 along y
    const rows = [
      [-1, 1e-3],
      [0.3, 1],
    ];
    const loss = new ArcFaceLoss({
      numClasses: 2,
      embeddingSize: 2,
      margin: 45,
      scale: 1,
      weights: w,
      reducer: new SumReducer(),
    });
    const { value } = valueAndGradients(loss, rows, [0, 1]);
    const want = refArcFace(rows, w, [0, 1], 45, 1, 'sum');
    assert.ok(Math.abs(value - want) < 1e-5, `${value} vs ${want}`);
    loss.dispose();
  });

  it('ArcFaceLoss and ProxyAnchorLoss weight rows by their count in a miner tuple (ProxyAnchor adds weight - 1 to the exponent)', () => {
    const weights = convertToWeights(TRIPLETS, 8);
    assert.deepEqual(Array.from(weights), [1, 1, 2 / 3, 2 / 3, 1, 2 / 3, 2 / 3, 1 / 3].map(Math.fround));
    assert.deepEqual(Array.from(convertToWeights(undefined, 3)), [1, 1, 1]);
    const arc = new ArcFaceLoss({ numClasses: 4, embeddingSize: 4, reducer: new SumReducer() });
    const x = matrix(ROWS);
    const all = arc.compute(x, LABELS);
    const onlyFirst = arc.compute(x, LABELS, {
      anchors: Int32Array.of(0),
      positives: Int32Array.of(0),
      negatives: Int32Array.of(0),
    });
    const each = tf.tidy(() => arc.compute(tf.slice(x, [0, 0], [1, 4]), [LABELS[0]]));
    assert.ok(Math.abs(onlyFirst.dataSync()[0] - each.dataSync()[0]) < 1e-4 * (1 + each.dataSync()[0]));
    assert.ok(all.dataSync()[0] > onlyFirst.dataSync()[0]);
    // Every row once: every weight is 1, ProxyAnchor's exponent shift 0, the same loss as without a tuple.
    const proxy = new ProxyAnchorLoss({ numClasses: 4, embeddingSize: 4 });
    const everyRow = {
      a1: Int32Array.of(0, 2, 4, 6),
      p: Int32Array.of(1, 3, 5, 7),
      a2: new Int32Array(0),
      n: new Int32Array(0),
    };
    const plain = proxy.compute(x, LABELS).dataSync()[0];
    const mined = proxy.compute(x, LABELS, everyRow).dataSync()[0];
    const half = proxy
      .compute(x, LABELS, { anchors: Int32Array.of(0), positives: Int32Array.of(1), negatives: Int32Array.of(2) })
      .dataSync()[0];
    assert.ok(Math.abs(plain - mined) < 1e-6 * (1 + plain) && half < plain, `${plain} ${mined} ${half}`);
    tf.dispose([x, all, onlyFirst, each]);
    arc.dispose();
    proxy.dispose();
  });

  it('ProxyAnchorLoss divides pos_loss by the proxies with a positive and neg_loss by numClasses', () => {
    const loss = new ProxyAnchorLoss({ numClasses: 6, embeddingSize: 4, proxies: randomRows(6, 4, 3) });
    const sum = new ProxyAnchorLoss({
      numClasses: 6,
      embeddingSize: 4,
      proxies: randomRows(6, 4, 3),
      reducer: new SumReducer(),
    });
    const x = matrix(ROWS);
    tf.dispose([loss.compute(x, LABELS), sum.compute(x, LABELS)]);
    const [d, s] = [loss.lastSubLosses, sum.lastSubLosses];
    assert.ok(d !== null && s !== null);
    assert.ok(
      Math.abs(d.pos_loss - s.pos_loss / 4) < 1e-5 && Math.abs(d.neg_loss - s.neg_loss / 6) < 1e-5,
      JSON.stringify([d, s]),
    );
    assert.equal(loss.lastStats?.numPosProxies, 4);
    x.dispose();
    loss.dispose();
    sum.dispose();
  });

  it('draw default weights from a seeded rng: normal for ArcFace, kaiming fan_out for ProxyAnchor', () => {
    const a = new ArcFaceLoss({ numClasses: 50, embeddingSize: 40 });
    const b = new ArcFaceLoss({ numClasses: 50, embeddingSize: 40 });
    assert.deepEqual(a.weights.shape, [40, 50]);
    assert.deepEqual(a.weights.dataSync(), b.weights.dataSync());
    const std = (v: Float32Array) => Math.sqrt(v.reduce((s, t) => s + t * t, 0) / v.length);
    assert.ok(Math.abs(std(a.weights.dataSync() as Float32Array) - 1) < 0.05);
    const p = new ProxyAnchorLoss({ numClasses: 50, embeddingSize: 40 });
    assert.deepEqual(p.proxies.shape, [50, 40]);
    assert.ok(Math.abs(std(p.proxies.dataSync() as Float32Array) - Math.sqrt(2 / 50)) < 0.01);
    [a, b, p].forEach((l) => l.dispose());
  });

  it('refuse bad options and labels outside [0, numClasses)', () => {
    const bad = (make: () => unknown, pattern: RegExp) => assert.throws(make, pattern);
    bad(() => new MarginLoss({ margin: NaN }), /Option `margin` must be a finite number\. Received: margin=NaN/);
    bad(() => new MarginLoss({ beta: 'x' as never }), /Option `beta` must be a finite number\. Received: beta=x/);
    bad(
      () => new MarginLoss({ numClasses: 2.5 }),
      /Option `numClasses` must be an integer >= 1\. Received: numClasses=2\.5/,
    );
    bad(
      () => new MarginLoss({ learnBeta: 1 as never }),
      /Option `learnBeta` must be a boolean\. Received: learnBeta=1/,
    );
    bad(
      () => new MarginLoss({ tripletsPerAnchor: 0 }),
      /`tripletsPerAnchor` must be 'all' or an integer >= 1\. Received: tripletsPerAnchor=0/,
    );
    bad(
      () => new ArcFaceLoss({ numClasses: 0, embeddingSize: 4 }),
      /Option `numClasses` must be an integer >= 1\. Received: numClasses=0/,
    );
    bad(
      () => new ArcFaceLoss({ embeddingSize: 4 } as never),
      /Option `numClasses` must be an integer >= 1\. Received: numClasses=undefined/,
    );
    bad(
      () => new ArcFaceLoss({ numClasses: 2, embeddingSize: 4, margin: 200 }),
      /Option `margin` must be a finite number >= 0 <= 180\. Received: margin=200/,
    );
    bad(
      () => new ArcFaceLoss({ numClasses: 2, embeddingSize: 4, scale: 0 }),
      /Option `scale` must be a finite number > 0\. Received: scale=0/,
    );
    bad(
      () => new ArcFaceLoss({ numClasses: 2, embeddingSize: 2, weights: [[1, 2]] }),
      /Option `weights` must be 2 rows of 2 numbers\. Received: 1 rows/,
    );
    bad(
      () =>
        new ArcFaceLoss({
          numClasses: 2,
          embeddingSize: 2,
          weights: [
            [1, 2],
            [3, NaN],
          ],
        }),
      /Option `weights` must hold finite numbers\. Received: weights\[1\]\[1\]=NaN/,
    );
    bad(
      () => new ArcFaceLoss({ numClasses: 2, embeddingSize: 2, distance: new LpDistance() }),
      /of ArcFaceLoss must be a CosineSimilarity/,
    );
    bad(
      () => new ProxyAnchorLoss({ numClasses: 3, embeddingSize: 2, alpha: 0 }),
      /Option `alpha` must be a finite number > 0\. Received: alpha=0/,
    );
    bad(
      () => new ProxyAnchorLoss({ numClasses: 3, embeddingSize: 2, proxies: [[1, 2]] }),
      /Option `proxies` must be 3 rows of 2 numbers/,
    );
    bad(() => new ArcFaceLoss(null as never), /Argument `options` of ArcFaceLoss must be an object/);
    const x = matrix(ROWS);
    const arc = new ArcFaceLoss({ numClasses: 3, embeddingSize: 4 });
    bad(
      () => arc.compute(x, LABELS),
      /Argument `labels` must hold classes in \[0, 3\) \(numClasses of ArcFaceLoss\)\. Received: labels\[6\]=3/,
    );
    const proxy = new ProxyAnchorLoss({ numClasses: 4, embeddingSize: 5 });
    bad(() => proxy.compute(x, LABELS), /Argument `embeddings` must have 5 columns \(embeddingSize\)\. Received: 4/);
    bad(
      () =>
        arc.compute(
          x,
          LABELS.map(() => 0),
          undefined,
          { embeddings: x, labels: LABELS },
        ),
      /ArcFaceLoss does not compare a batch with a reference set/,
    );
    const margin = new MarginLoss({ numClasses: 2 });
    bad(
      () => margin.compute(x, LABELS),
      /Argument `labels` must hold classes in \[0, 2\) \(numClasses\) for MarginLoss's per-class beta\. Received: labels\[4\]=2/,
    );
    assert.ok(
      new MarginLoss().reducer instanceof DivisorReducer &&
        new ProxyAnchorLoss({ numClasses: 2, embeddingSize: 2 }).reducer instanceof DivisorReducer,
    );
    x.dispose();
    [arc, proxy, margin].forEach((l) => l.dispose());
  });

  lossContract('MarginLoss', () => new MarginLoss(), { internalTuples: (labels) => allTripletIndices(labels) });
  lossContract(
    'MarginLoss cosine, learned beta per class',
    () => new MarginLoss({ distance: new CosineSimilarity(), beta: 0.2, learnBeta: true, numClasses: 8, nu: 0.1 }),
    {
      internalTuples: (labels) => allTripletIndices(labels),
    },
  );
});
