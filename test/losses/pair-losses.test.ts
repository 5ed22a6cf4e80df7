import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import {
  CircleLoss,
  ContrastiveLoss,
  MultiSimilarityLoss,
  NTXentLoss,
  SupConLoss,
  allPairIndices,
  type BaseMetricLossFunction,
} from '../../src/losses/index.js';
import { CosineSimilarity, DotProductSimilarity, LpDistance } from '../../src/distances/index.js';
import {
  AvgNonZeroReducer,
  DivisorReducer,
  MeanReducer,
  SumReducer,
  type BaseReducer,
} from '../../src/reducers/index.js';
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
import {
  refCircle,
  refContrastive,
  refMatrix,
  refMultiSimilarity,
  refNTXent,
  refSupCon,
  type RefDistance,
  type Reduction,
} from './reference-losses.js';

const REDUCERS: Array<[Reduction, () => BaseReducer]> = [
  ['mean', () => new MeanReducer()],
  ['avgNonZero', () => new AvgNonZeroReducer()],
  ['sum', () => new SumReducer()],
];
const DISTANCES: Array<[string, () => LpDistance | CosineSimilarity, RefDistance]> = [
  ['Lp normalized', () => new LpDistance(), { kind: 'lp', normalize: true }],
  ['Lp raw', () => new LpDistance({ normalizeEmbeddings: false }), { kind: 'lp', normalize: false }],
  ['cosine', () => new CosineSimilarity(), { kind: 'cosine', normalize: true }],
];
const ROWS = randomRows(8, 4, 7);

/** The per-class losses with the reference each is checked against (all pairs of LABELS). */
const LOSSES: Array<
  [
    string,
    (distance: LpDistance | CosineSimilarity, reducer: BaseReducer) => BaseMetricLossFunction<unknown>,
    (x: number[][], d: RefDistance, r: Reduction) => number,
    boolean,
  ]
> = [
  [
    'ContrastiveLoss',
    (distance, reducer) =>
      new ContrastiveLoss({
        posMargin: distance.isInverted ? 0.9 : 0.3,
        negMargin: distance.isInverted ? 0.2 : 1.1,
        distance,
        reducer,
      }),
    (x, d, r) => refContrastive(x, LABELS, d.kind === 'cosine' ? 0.9 : 0.3, d.kind === 'cosine' ? 0.2 : 1.1, d, r),
    true,
  ],
  [
    'MultiSimilarityLoss',
    (distance, reducer) => new MultiSimilarityLoss({ alpha: 2, beta: 10, base: 0.5, distance, reducer }),
    (x, d, r) => refMultiSimilarity(x, LABELS, 2, 10, 0.5, d, r),
    true,
  ],
  [
    'NTXentLoss',
    (distance, reducer) => new NTXentLoss({ temperature: 0.2, distance, reducer }),
    (x, d, r) => refNTXent(x, LABELS, 0.2, d, r),
    true,
  ],
  [
    'SupConLoss',
    (distance, reducer) => new SupConLoss({ temperature: 0.3, distance, reducer }),
    (x, d, r) => refSupCon(x, LABELS, 0.3, d, r),
    true,
  ],
];

describeBackends(
  ['cpu', 'wasm'],
  'pair losses: gradients against central differences of a plain-loop reference',
  () => {
    for (const [name, make, reference] of LOSSES) {
      it(name, () => {
        for (const [distanceName, makeDistance, refDistance] of DISTANCES) {
          for (const [reduction, makeReducer] of REDUCERS) {
            const got = valueAndGradients(make(makeDistance(), makeReducer()), ROWS, LABELS);
            assertMatchesReference(
              `${name} ${distanceName} ${reduction}`,
              got,
              (x) => reference(x, refDistance, reduction),
              ROWS,
            );
          }
        }
      });
    }

    it('CircleLoss: the gradient with the weights detached, as PML', () => {
      for (const [reduction, makeReducer] of REDUCERS) {
        for (const [m, gamma] of [
          [0.25, 4],
          [0.4, 2],
        ]) {
          const got = valueAndGradients(new CircleLoss({ m, gamma, reducer: makeReducer() }), ROWS, LABELS);
          const frozen = refMatrix(ROWS, { kind: 'cosine', normalize: true }).mat;
          // The weights are the similarities at ROWS, constant under the differences.
          assertMatchesReference(
            `CircleLoss m=${m} gamma=${gamma} ${reduction}`,
            got,
            (x) => refCircle(x, LABELS, m, gamma, reduction, frozen),
            ROWS,
          );
          const full = refCircle(ROWS, LABELS, m, gamma, reduction);
          assert.ok(Math.abs(got.value - full) < 1e-5 * (1 + full), 'the value is the circle loss');
        }
      }
    });
  },
);

describeBackends(['cpu', 'wasm'], 'pair losses', () => {
  const all: Array<[string, () => BaseMetricLossFunction<unknown>]> = [
    ['ContrastiveLoss', () => new ContrastiveLoss()],
    ['MultiSimilarityLoss', () => new MultiSimilarityLoss()],
    ['NTXentLoss', () => new NTXentLoss()],
    ['SupConLoss', () => new SupConLoss()],
    ['CircleLoss', () => new CircleLoss()],
  ];

  it('leak no tensor, with and without tuples, forward and backward', () => {
    for (const [, make] of all) assertNoLeaks(make(), ROWS, LABELS, [undefined, TRIPLETS, PAIRS]);
  });

  it('compare with a reference set as with the reference appended to the batch (Sum reducer)', () => {
    const query = ROWS.slice(0, 5);
    const ref = randomRows(6, 4, 8);
    const refLabels = [0, 1, 1, 2, 3, 0];
    const queryLabels = LABELS.slice(0, 5);
    const pairs = allPairIndices(Int32Array.from(queryLabels), Int32Array.from(refLabels));
    const shifted = { a1: pairs.a1, p: pairs.p.map((v) => v + 5), a2: pairs.a2, n: pairs.n.map((v) => v + 5) };
    for (const [name] of all) {
      const make = () => {
        const reducer = new SumReducer();
        switch (name) {
          case 'ContrastiveLoss':
            return new ContrastiveLoss({ reducer });
          case 'MultiSimilarityLoss':
            return new MultiSimilarityLoss({ reducer });
          case 'NTXentLoss':
            return new NTXentLoss({ reducer });
          case 'SupConLoss':
            return new SupConLoss({ reducer });
          default:
            return new CircleLoss({ reducer });
        }
      };
      const q = matrix(query);
      const r = matrix(ref);
      const both = matrix([...query, ...ref]);
      const withRef = make().compute(q, queryLabels, undefined, { embeddings: r, labels: refLabels });
      const appended = make().compute(both, [...queryLabels, ...refLabels], shifted);
      const [a, b] = [withRef.dataSync()[0], appended.dataSync()[0]];
      assert.ok(Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b)), `${name}: ${a} vs ${b}`);
      assert.ok(a !== 0, `${name}: a loss`);
      tf.dispose([q, r, both, withRef, appended]);
    }
  });

  it("give PML's zero loss when every index array has at most one entry (one mined triplet)", () => {
    const one = { anchors: Int32Array.of(0), positives: Int32Array.of(1), negatives: Int32Array.of(2) };
    for (const [name, make] of all) {
      const { value, grad } = valueAndGradients(make(), ROWS, LABELS, one);
      assert.equal(value, 0, name);
      assert.ok(
        grad.every((g) => g === 0),
        name,
      );
    }
  });

  it('ContrastiveLoss: pos_loss and neg_loss reduced separately; one class still has a positive-pair loss', () => {
    const loss = new ContrastiveLoss({ posMargin: 0, negMargin: 1, reducer: new MeanReducer() });
    const x = matrix(ROWS);
    tf.dispose(loss.compute(x, [5, 5, 5, 5, 5, 5, 5, 5]));
    const sub = loss.lastSubLosses;
    assert.ok(sub !== null && sub.pos_loss > 0 && sub.neg_loss === 0, JSON.stringify(sub));
    const value = loss.compute(x, LABELS);
    const s = loss.lastSubLosses;
    assert.ok(s !== null && Math.abs(s.pos_loss + s.neg_loss - value.dataSync()[0]) < 1e-6);
    assert.deepEqual(loss.lastStats, {
      numPosPairs: 8,
      numNegPairs: 48,
      numNonZeroPos: 8,
      numNonZeroNeg: loss.lastStats?.numNonZeroNeg,
    });
    tf.dispose([x, value]);
  });

  it('MultiSimilarityLoss: a row without negatives keeps its positive term (one label gives a loss > 0)', () => {
    const x = matrix(ROWS);
    const value = new MultiSimilarityLoss().compute(x, [1, 1, 1, 1, 1, 1, 1, 1]);
    assert.ok(value.dataSync()[0] > 0);
    tf.dispose([x, value]);
  });

  it('NTXentLoss: a positive pair whose anchor has no negative pair gives -0, counted by Mean, dropped by AvgNonZero', () => {
    const x = matrix(ROWS.slice(0, 4));
    const pairs = { a1: Int32Array.of(0, 2), p: Int32Array.of(1, 3), a2: Int32Array.of(0, 0), n: Int32Array.of(2, 3) };
    const labels = [0, 0, 1, 1];
    const mean = new NTXentLoss({ reducer: new MeanReducer() }).compute(x, labels, pairs).dataSync()[0];
    const avg = new NTXentLoss({ reducer: new AvgNonZeroReducer() }).compute(x, labels, pairs).dataSync()[0];
    const sum = new NTXentLoss({ reducer: new SumReducer() }).compute(x, labels, pairs).dataSync()[0];
    assert.ok(Math.abs(mean - sum / 2) < 1e-6 && Math.abs(avg - sum) < 1e-5, `${mean} ${avg} ${sum}`);
    x.dispose();
  });

  it('NTXentLoss: float32 underflow caps a pair loss at -log(tiny) = 87.34 with a zero gradient, as PML', () => {
    const rows = [
      [10, 0],
      [-10, 0],
      [10, 0.1],
    ];
    const loss = new NTXentLoss({ temperature: 0.07, distance: new DotProductSimilarity(), reducer: new SumReducer() });
    const pairs = { a1: Int32Array.of(0), p: Int32Array.of(1), a2: Int32Array.of(0, 0), n: Int32Array.of(2, 2) };
    const { value, grad } = valueAndGradients(loss, rows, [0, 0, 1], pairs);
    assert.ok(Math.abs(value - 87.33654) < 1e-3, `${value}`);
    assert.ok(
      grad.every((g) => g === 0),
      `${Array.from(grad)}`,
    );
  });

  it('refuse bad options, naming the option, the value and what is allowed', () => {
    const bad = (make: () => unknown, pattern: RegExp) => assert.throws(make, pattern);
    bad(
      () => new ContrastiveLoss({ posMargin: NaN }),
      /Option `posMargin` must be a finite number\. Received: posMargin=NaN/,
    );
    bad(
      () => new ContrastiveLoss({ negMargin: '1' as never }),
      /Option `negMargin` must be a finite number\. Received: negMargin=1/,
    );
    bad(() => new MultiSimilarityLoss({ alpha: 0 }), /Option `alpha` must be a finite number > 0\. Received: alpha=0/);
    bad(() => new MultiSimilarityLoss({ beta: -1 }), /Option `beta` must be a finite number > 0\. Received: beta=-1/);
    bad(
      () => new MultiSimilarityLoss({ base: Infinity }),
      /Option `base` must be a finite number\. Received: base=Infinity/,
    );
    bad(
      () => new NTXentLoss({ temperature: 0 }),
      /Option `temperature` must be a finite number > 0\. Received: temperature=0/,
    );
    bad(
      () => new SupConLoss({ temperature: -0.1 }),
      /Option `temperature` must be a finite number > 0\. Received: temperature=-0\.1/,
    );
    bad(() => new CircleLoss({ gamma: 0 }), /Option `gamma` must be a finite number > 0\. Received: gamma=0/);
    bad(() => new CircleLoss({ m: NaN }), /Option `m` must be a finite number\. Received: m=NaN/);
    bad(
      () => new CircleLoss({ distance: new LpDistance() }),
      /Option `distance` of CircleLoss must be a CosineSimilarity \(PML asserts it\)\. Received: distance=LpDistance/,
    );
    bad(
      () => new CircleLoss().useDistance(new DotProductSimilarity()),
      /must be a CosineSimilarity.*Received: distance=DotProductSimilarity/,
    );
    bad(
      () => new ContrastiveLoss({ reducer: new DivisorReducer() }),
      /`reducer` of ContrastiveLoss must not be DivisorReducer: ContrastiveLoss supplies no divisor/,
    );
    bad(
      () => new NTXentLoss({ pos_margin: 1 } as never),
      /Unknown option `pos_margin` for NTXentLoss\. Allowed: temperature, distance, reducer, embeddingRegularizer, embeddingRegWeight/,
    );
    bad(
      () => new SupConLoss({ embeddingRegWeight: NaN }),
      /Option `embeddingRegWeight` must be a finite number\. Received: embeddingRegWeight=NaN/,
    );
    bad(
      () => new SupConLoss({ embeddingRegularizer: {} as never }),
      /Option `embeddingRegularizer` must be a regularizer/,
    );
  });

  it("use PML's default distance: cosine for MultiSimilarity, NT-Xent, SupCon and Circle, Lp for Contrastive", () => {
    assert.ok(new ContrastiveLoss().distance instanceof LpDistance);
    for (const [name, make] of all.slice(1)) assert.ok(make().distance instanceof CosineSimilarity, name);
    assert.ok(new ContrastiveLoss().reducer instanceof AvgNonZeroReducer);
    assert.ok(new MultiSimilarityLoss().reducer instanceof MeanReducer);
    assert.ok(new NTXentLoss().reducer instanceof MeanReducer);
    assert.ok(
      new SupConLoss().reducer instanceof AvgNonZeroReducer && new CircleLoss().reducer instanceof AvgNonZeroReducer,
    );
    const d = {
      temperature: new NTXentLoss().temperature,
      sup: new SupConLoss().temperature,
      circle: [new CircleLoss().m, new CircleLoss().gamma],
    };
    assert.deepEqual(d, { temperature: 0.07, sup: 0.1, circle: [0.4, 80] });
  });

  // PML's loss contract where it holds: NT-Xent, SupCon and Circle give 0 without a positive and a
  // negative pair (Contrastive and MultiSimilarity keep the positive part with one label).
  lossContract('NTXentLoss', () => new NTXentLoss({ temperature: 0.5 }), {
    internalTuples: (labels) => allPairIndices(labels),
  });
  lossContract('SupConLoss', () => new SupConLoss(), { internalTuples: (labels) => allPairIndices(labels) });
  lossContract('CircleLoss', () => new CircleLoss({ m: 0.25, gamma: 32 }), {
    internalTuples: (labels) => allPairIndices(labels),
  });
});
