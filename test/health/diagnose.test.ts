import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { tf } from '../../src/tf.js';
import {
  CAUSE_IDS,
  COLLAPSED_NORMALIZED_DISTANCE,
  DIMENSIONAL_RANK_FRACTION,
  diagnose,
  embeddingHealth,
  formatHealthReport,
  historyFeatures,
  type CauseId,
  type HealthReport,
  type HealthSnapshot,
  type RunSettings,
  type TrainingStep,
} from '../../src/health/index.js';
import { Random } from '../../src/random.js';
import { healthySnapshot } from '../helpers/health-snapshot.js';
import { expectNoLeak } from '../helpers/tensors.js';

const healthy = healthySnapshot;

/** A normalized run's settings (the defaults of `deepmetric train`, MLP). */
const RUN: RunSettings = {
  margin: 0.2,
  miner: 'semihard',
  normalize: true,
  normalizeEmbeddings: true,
  distance: 'euclidean',
  lr: 1e-3,
  optimizer: 'adam',
  schedule: 'cosine',
  warmupSteps: 0,
  model: 'mlp:256,128',
  embeddingDim: 64,
};

/**
 * A run's log: `steps` records, every 10th step, with the training numbers of a healthy
 * semi-hard run; `at(step)` overrides them, and `probe(step)` adds the probe's health.
 */
function history(
  steps: number,
  at: (step: number) => Partial<TrainingStep> = () => ({}),
  probe: (step: number) => HealthSnapshot | undefined = () => undefined,
): TrainingStep[] {
  const records: TrainingStep[] = [];
  for (let step = 0; step < steps; step += 10) {
    const health = probe(step);
    records.push({
      step,
      loss: 0.09,
      lr: 1e-3,
      numTriplets: 1500,
      activeFraction: 1,
      meanAP: 0.7,
      meanAN: 0.8,
      gradNorm: 1,
      updateRatio: step === 0 ? 0.018 : 0.003,
      ...(health === undefined ? {} : { health }),
      ...at(step),
    });
  }
  return records;
}

/** The ids of the causes the report names with confidence >= 0.5 (the ones a remedy acts on). */
function strong(report: HealthReport): CauseId[] {
  return report.causes.filter((c) => c.confidence >= 0.5).map((c) => c.id);
}

describe('diagnose: verdicts', () => {
  it('healthy numbers are healthy, with no cause', () => {
    const report = diagnose({
      health: healthy(),
      history: history(
        300,
        () => ({}),
        () => healthy(),
      ),
      run: RUN,
    });
    assert.equal(report.verdict, 'healthy');
    assert.deepEqual(report.causes, []);
    assert.deepEqual(report.findings, []);
  });

  it('a loss at the margin alone is not collapse', () => {
    // Batch-hard at its start: every mined triplet's loss is the margin, yet the probe is spread out and separated.
    const log = history(
      300,
      () => ({ loss: 0.2, numTriplets: 80 }),
      (s) => (s % 50 === 0 ? healthy() : undefined),
    );
    const report = diagnose({ health: healthy(), history: log, run: { ...RUN, miner: 'batch-hard' } });
    assert.equal(report.evidence.lossOverMargin, 1);
    assert.equal(report.verdict, 'healthy');
  });

  it('collapsed: normalized embeddings all one direction (mean distance below the threshold, or SimSiam std ~0)', () => {
    const close = diagnose({
      health: healthy({ meanNormalizedDistance: 0.02, meanNormalizedDistanceRatio: 0.03, normalizedStdSqrtDim: 0.4 }),
    });
    assert.equal(close.verdict, 'collapsed');
    assert.deepEqual(
      close.findings.map((f) => [f.metric, f.threshold, f.limit]),
      [['meanNormalizedDistance', 'COLLAPSED_NORMALIZED_DISTANCE', COLLAPSED_NORMALIZED_DISTANCE]],
    );
    const flat = diagnose({ health: healthy({ meanNormalizedDistance: 0.5, normalizedStdSqrtDim: 0.01 }) });
    assert.equal(flat.verdict, 'collapsed');
    assert.deepEqual(
      flat.findings.map((f) => f.threshold),
      ['COLLAPSED_STD'],
    );
  });

  it('collapsed, raw-distance run: judged on the raw spread, not on the directions', () => {
    const raw = { ...RUN, normalize: false, normalizeEmbeddings: false };
    // Tiny norms with directions still spread out: the loss measures the raw distances, which are ~0.
    const shrunk = healthy({
      normMean: 0.02,
      normMin: 0.01,
      normMax: 0.04,
      normMeanRatio: 0.01,
      meanDistance: 0.02,
      meanDistanceRatio: 0.012,
    });
    assert.equal(diagnose({ health: shrunk, run: raw }).verdict, 'collapsed');
    // The same directions with a healthy raw scale: not collapsed.
    assert.equal(
      diagnose({
        health: healthy({ normMean: 3, normMin: 1, normMax: 5, normMeanRatio: 1.5, meanDistanceRatio: 0.6 }),
        run: raw,
      }).verdict,
      'healthy',
    );
  });

  it('collapsing: the spread fell under half its peak over the probes', () => {
    const spreads = [1.0, 1.3, 1.25, 0.9, 0.6];
    const log = history(
      50,
      () => ({}),
      (s) => healthy({ meanNormalizedDistance: spreads[s / 10], meanNormalizedDistanceRatio: spreads[s / 10] / 0.66 }),
    );
    const report = diagnose({ health: log[4].health as HealthSnapshot, history: log, run: RUN });
    assert.equal(report.verdict, 'collapsing');
    assert.ok(Math.abs(report.evidence.normalizedSpreadOfPeak - 0.6 / 1.3) < 1e-12);
    assert.equal(report.evidence.onsetStep, 40);
  });

  it('dimensional collapse: effective rank under half of min(classes - 1, dim), or one line', () => {
    const thin = diagnose({ health: healthy({ effectiveRank: 3 }) });
    assert.equal(thin.verdict, 'dimensional-collapse');
    assert.equal(thin.evidence.rankThreshold, DIMENSIONAL_RANK_FRACTION * 9);
    assert.equal(diagnose({ health: healthy({ effectiveRank: 5 }) }).verdict, 'healthy');
    assert.equal(diagnose({ health: healthy({ firstComponentShare: 0.95 }) }).verdict, 'dimensional-collapse');
    // Without labels the class count is unknown: only near one- or two-dimensional embeddings count.
    const noLabels = {
      numClasses: 0,
      gap: NaN,
      violationFraction: NaN,
      meanPositive: NaN,
      meanNegative: NaN,
      margin: NaN,
    };
    assert.equal(diagnose({ health: healthy({ ...noLabels, effectiveRank: 3 }) }).verdict, 'healthy');
    assert.equal(diagnose({ health: healthy({ ...noLabels, effectiveRank: 2 }) }).verdict, 'dimensional-collapse');
  });

  it('a semi-hard miner that finds no triplets while the spread shrinks is collapse, not convergence', () => {
    // From step 150 on the miner finds nothing while the spread drifts from 1.3 down to 0.9.
    const spread = (s: number) => (s <= 150 ? 1.3 : 1.3 - (0.4 * (s - 150)) / 240);
    const log = history(
      400,
      (s) => (s >= 150 ? { loss: 0, numTriplets: 0, activeFraction: 0 } : {}),
      (s) =>
        s % 50 === 0 || s === 390
          ? healthy({
              meanNormalizedDistance: spread(s),
              meanNormalizedDistanceRatio: spread(s) / 0.66,
              violationFraction: 0.2,
            })
          : undefined,
    );
    const report = diagnose({ health: log[39].health as HealthSnapshot, history: log, run: RUN });
    assert.equal(report.verdict, 'collapsing');
    assert.deepEqual(strong(report), ['mining-too-easy']);
    assert.match(report.causes[0].evidence, /found no triplet at all in 100% of them/);
    assert.match(report.causes[0].remedy, /^--miner all/);
    // The same log with a steady spread is a converged run.
    const steady = log.map((r) => (r.health === undefined ? r : { ...r, health: healthy({ violationFraction: 0.2 }) }));
    assert.equal(
      diagnose({ health: healthy({ violationFraction: 0.2 }), history: steady, run: RUN }).verdict,
      'healthy',
    );
  });

  it('no active triplets on separated, steady embeddings is convergence: healthy', () => {
    const log = history(
      60,
      (s) => (s >= 30 ? { loss: 0, numTriplets: 0, activeFraction: 0 } : {}),
      () => healthy({ violationFraction: 0.02 }),
    );
    assert.equal(diagnose({ health: healthy({ violationFraction: 0.02 }), history: log, run: RUN }).verdict, 'healthy');
  });

  it('a gradient that vanished after the first step, on unseparated embeddings, is a stall; on separated ones it is not', () => {
    // SGD at lr 1000 on a small MLP (measured on 3 blobs): step 0 moved the weights 358x their norm,
    // then the gradient fell to ~5e-4 of 1.5 and the probe froze with 53% of its triplets violating the margin.
    const frozen = healthy({
      meanNormalizedDistance: 0.72,
      meanNormalizedDistanceRatio: 0.87,
      effectiveRank: 2.8,
      firstComponentShare: 0.76,
      numClasses: 3,
      dim: 4,
      violationFraction: 0.53,
    });
    const log = history(
      40,
      (s) => ({ loss: 0.1, updateRatio: s === 0 ? 358 : 0.001, gradNorm: s === 0 ? 1.5 : 5e-4 }),
      () => frozen,
    );
    const report = diagnose({
      health: frozen,
      history: log,
      run: { ...RUN, optimizer: 'sgd', lr: 1000, embeddingDim: 4, model: 'mlp:16' },
    });
    assert.equal(report.verdict, 'collapsing');
    // The verdict's findings, then the causes' (the update ratio for lr-too-high, the gradient for dead-units).
    assert.deepEqual(
      report.findings.map((f) => f.metric),
      ['gradNorm', 'violationFraction', 'maxUpdateRatio', 'gradNorm'],
    );
    assert.deepEqual(strong(report), ['lr-too-high', 'dead-units']);
    const separated = { ...frozen, violationFraction: 0.05 };
    const converged = log.map((r) => ({ ...r, health: separated }));
    assert.equal(diagnose({ health: separated, history: converged, run: RUN }).verdict, 'healthy');
  });

  it('non-finite embeddings or a NaN last step are collapsed at once', () => {
    const nan = healthy({ nonFinite: 12, meanNormalizedDistance: NaN, normalizedStdSqrtDim: NaN, effectiveRank: NaN });
    const report = diagnose({ health: nan, history: history(30), run: RUN });
    assert.equal(report.verdict, 'collapsed');
    assert.equal(report.causes[0].id, 'non-finite');
    const log = history(30, (s) => (s === 20 ? { loss: NaN, gradNorm: NaN } : {}));
    const step = diagnose({ health: healthy(), history: log, run: RUN });
    assert.equal(step.verdict, 'collapsed');
    assert.deepEqual(strong(step), ['non-finite', 'lr-too-high']);
    assert.match(
      step.causes[0].evidence,
      /1 logged step\(s\) had a NaN or infinite loss, gradient or update \(the first at step 20\)/,
    );
    // A finite loss and gradient whose update overflowed (the trainer kept the weights): the same.
    const overflow = diagnose({
      health: healthy(),
      history: history(30, (s) => (s === 20 ? { nonFiniteUpdate: true } : {})),
      run: RUN,
    });
    assert.equal(overflow.verdict, 'collapsed');
    assert.equal(overflow.causes[0].id, 'non-finite');
    assert.equal(diagnose({ health: healthy(), history: history(30), run: RUN }).verdict, 'healthy');
  });
});

describe('diagnose: causes (each constructed situation names its cause, and no other with confidence >= 0.5)', () => {
  it('lr-too-high: a step that moved the weights by ~7x their norm, before the embeddings flattened', () => {
    // SGD at lr 200 (measured): update ratio 6.9 at step 0, effective rank 2.3 from the first probe on.
    const thin = healthy({ effectiveRank: 2.3, firstComponentShare: 0.6 });
    const log = history(
      100,
      (s) => ({ updateRatio: s === 0 ? 6.9 : 0.01, gradNorm: s === 0 ? 0.9 : 0.005, lr: 200, loss: 0.1 }),
      () => thin,
    );
    const report = diagnose({ health: thin, history: log, run: { ...RUN, optimizer: 'sgd', lr: 200 } });
    assert.equal(report.verdict, 'dimensional-collapse');
    // The gradient fell to 0.005 / 0.9 of its first step's: the large steps killed the units too.
    assert.deepEqual(strong(report), ['lr-too-high', 'dead-units']);
    assert.equal(report.causes[0].confidence, 0.85);
    // The remedy brings the largest update ratio to the target 0.01: 200 * 0.01 / 6.9 = 0.29.
    assert.match(report.causes[0].remedy, /^--lr 0\.29 and --warmup-steps 100/);
  });

  it('lr-too-high is not named for a gradient spike after the embeddings had already degraded', () => {
    const thin = healthy({ effectiveRank: 2, firstComponentShare: 0.97 });
    const log = history(
      100,
      (s) => ({ gradNorm: s === 60 ? 50 : 1 }),
      () => thin,
    );
    const report = diagnose({ health: thin, history: log, run: { ...RUN, model: 'mlp:256,2' } });
    assert.equal(historyFeatures(log).gradSpikeStep, 60);
    assert.deepEqual(strong(report), ['low-capacity']);
    // The same spike before the onset is the lr's doing.
    const late = history(
      100,
      (s) => ({ gradNorm: s === 40 ? 50 : 1 }),
      (s) => (s >= 60 ? thin : healthy()),
    );
    assert.ok(
      strong(diagnose({ health: thin, history: late, run: { ...RUN, model: 'mlp:256,128' } })).includes('lr-too-high'),
    );
  });

  it('lr-decayed-too-fast: the lr at its floor half-way through while the loss sits at the margin', () => {
    const spreads = [1.2, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45];
    const log = history(
      100,
      (s) => ({ lr: s < 30 ? 1e-3 : 1e-6, loss: 0.2, updateRatio: 0.001 }),
      (s) => healthy({ meanNormalizedDistance: spreads[s / 10], meanNormalizedDistanceRatio: spreads[s / 10] / 0.66 }),
    );
    const report = diagnose({
      health: log[9].health as HealthSnapshot,
      history: log,
      run: { ...RUN, schedule: 'step' },
    });
    assert.equal(report.verdict, 'collapsing');
    assert.deepEqual(strong(report), ['lr-decayed-too-fast']);
    assert.match(report.causes[0].remedy, /^--schedule cosine/);
    // A cosine schedule reaches its floor only at the end of the run: not the cause.
    const cosine = history(
      100,
      (s) => ({ lr: s < 90 ? 1e-3 : 1e-6, loss: 0.2 }),
      (s) => log[s / 10].health,
    );
    assert.ok(
      !strong(diagnose({ health: log[9].health as HealthSnapshot, history: cosine, run: RUN })).includes(
        'lr-decayed-too-fast',
      ),
    );
  });

  it('a one-off jump of the lr before the collapse is lr-too-high, not an lr that decayed too fast', () => {
    const spreads = [1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 0.08, 0.06, 0.05, 0.05];
    // As a PyTorch log shows it: the lr x10,000 for one step at 50, then back; no gradient logged.
    const log = history(
      100,
      (s) => ({ lr: s === 50 ? 10 : 1e-3, loss: 0.2, gradNorm: NaN, updateRatio: NaN }),
      (s) => healthy({ meanNormalizedDistance: spreads[s / 10], meanNormalizedDistanceRatio: spreads[s / 10] / 0.66 }),
    );
    assert.equal(historyFeatures(log, { loss: true, gradNorm: false }).lrSpikeStep, 50);
    const report = diagnose({
      health: log[9].health as HealthSnapshot,
      history: log,
      recorded: { loss: true, gradNorm: false },
    });
    assert.equal(report.verdict, 'collapsed');
    assert.equal(report.onsetStep, 60);
    assert.equal(report.causes[0].id, 'lr-too-high');
    assert.match(report.causes[0].evidence, /jumped to over 10x its median at step 50/);
    assert.ok(!report.causes.some((c) => c.id === 'lr-decayed-too-fast' || c.id === 'non-finite'));
  });

  it('mining-too-easy: the easy miner gives no active triplet while most probe triplets violate the margin', () => {
    const unseparated = healthy({
      meanNormalizedDistance: 0.66,
      meanNormalizedDistanceRatio: 1,
      violationFraction: 0.66,
      gap: 0.13,
    });
    const log = history(
      100,
      () => ({ loss: 0, activeFraction: 0, gradNorm: 0, updateRatio: 0 }),
      () => unseparated,
    );
    const report = diagnose({ health: unseparated, history: log, run: { ...RUN, miner: 'easy' } });
    assert.equal(report.verdict, 'collapsing');
    assert.deepEqual(strong(report), ['mining-too-easy']);
    assert.equal(report.causes[0].confidence, 0.9);
    assert.match(report.causes[0].remedy, /^--miner semihard/);
  });

  it('mining-too-hard: batch-hard from scratch, the loss at the margin while the distances shrink', () => {
    const collapsed = healthy({
      meanNormalizedDistance: 0.01,
      meanNormalizedDistanceRatio: 0.015,
      normalizedStdSqrtDim: 0.008,
      effectiveRank: 1.3,
      violationFraction: 1,
      gap: 0.004,
    });
    const log = history(
      200,
      (s) => ({ loss: s === 0 ? 0.45 : 0.2, numTriplets: 80, meanAP: 0.5 / (1 + s), meanAN: 0.55 / (1 + s) }),
      (s) => (s === 0 ? healthy({ meanNormalizedDistance: 0.54, meanNormalizedDistanceRatio: 0.82 }) : collapsed),
    );
    const report = diagnose({ health: collapsed, history: log, run: { ...RUN, miner: 'batch-hard' } });
    assert.equal(report.verdict, 'collapsed');
    assert.deepEqual(strong(report), ['mining-too-hard']);
    assert.equal(report.causes[0].confidence, 0.9);
    // Without the run's settings, the log's signature alone points there, less surely.
    const guessed = diagnose({ health: collapsed, history: log });
    assert.deepEqual(strong(guessed), ['mining-too-hard']);
    assert.equal(guessed.causes[0].confidence, 0.5);
  });

  it('no-normalization: a raw-distance run whose norms shrink towards 0', () => {
    const raw = {
      ...RUN,
      normalize: false,
      normalizeEmbeddings: false,
      distance: 'squared-euclidean',
      miner: 'semihard',
    };
    const shrunk = healthy({
      normMean: 0.03,
      normMin: 0.01,
      normMax: 0.05,
      normMeanRatio: 0.016,
      meanDistance: 0.03,
      meanDistanceRatio: 0.02,
      violationFraction: 1,
      gap: 0.001,
    });
    const log = history(
      100,
      () => ({ loss: 0.19, numTriplets: 300 }),
      (s) => (s < 30 ? healthy({ normMean: 1.9, normMin: 1, normMax: 3, normMeanRatio: 1 }) : shrunk),
    );
    const report = diagnose({ health: shrunk, history: log, run: raw });
    assert.equal(report.verdict, 'collapsed');
    assert.deepEqual(strong(report), ['no-normalization']);
    assert.match(report.causes[0].remedy, /^--normalize/);
    // A normalized run is never told to normalize.
    assert.ok(!diagnose({ health: shrunk, history: log, run: RUN }).causes.some((c) => c.id === 'no-normalization'));
  });

  it('low-capacity: a 2-unit bottleneck limits the embeddings to 2 directions', () => {
    const flat = healthy({ effectiveRank: 2, firstComponentShare: 0.94 });
    const report = diagnose({
      health: flat,
      history: history(
        100,
        () => ({}),
        () => flat,
      ),
      run: { ...RUN, model: 'mlp:256,2' },
    });
    assert.equal(report.verdict, 'dimensional-collapse');
    assert.deepEqual(strong(report), ['low-capacity']);
    assert.match(report.causes[0].evidence, /narrowest layer has 2 units/);
  });

  it('dead-units: embedding dimensions without variance', () => {
    const dead = healthy({ deadDimensions: 20, effectiveRank: 4 });
    const report = diagnose({
      health: dead,
      history: history(
        100,
        () => ({}),
        () => dead,
      ),
      run: RUN,
    });
    assert.equal(report.verdict, 'dimensional-collapse');
    assert.deepEqual(strong(report), ['dead-units']);
    assert.match(report.causes[0].evidence, /^20 of 64 embedding dimensions have no variance/);
  });

  it('unknown, with the limits of embeddings that come without a training log', () => {
    const report = diagnose({
      health: healthy({ meanNormalizedDistance: 0.01, meanNormalizedDistanceRatio: NaN, normMin: 3, normMax: 9 }),
    });
    assert.equal(report.verdict, 'collapsed');
    assert.deepEqual(
      report.causes.map((c) => c.id),
      ['unknown'],
    );
    assert.ok(report.limits.some((l) => /^No training log: the learning-rate causes/.test(l)));
    assert.ok(report.limits.some((l) => /^No reference from the start of training/.test(l)));
    assert.ok(report.limits.some((l) => /do not have unit norms/.test(l)));
  });

  it('every cause id is documented in the fixed list', () => {
    assert.deepEqual(
      [...CAUSE_IDS],
      [
        'lr-too-high',
        'lr-decayed-too-fast',
        'mining-too-easy',
        'mining-too-hard',
        'no-normalization',
        'low-capacity',
        'dead-units',
        'non-finite',
        'unknown',
      ],
    );
  });
});

describe('diagnose: inputs', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('takes embeddingHealth metrics with a reference, and matches the same numbers given as snapshots', () => {
    const rng = new Random(4);
    const labels = Array.from({ length: 120 }, (_, i) => i % 4);
    const start = tf.tensor2d(
      Array.from({ length: 120 * 16 }, () => rng.normal()),
      [120, 16],
    );
    // Later: every row pulled 97% of the way to one point.
    const end = tf.tidy(() => tf.add(tf.mul(start, 0.03), tf.ones([1, 16])) as tf.Tensor2D);
    const [reference, now] = [start, end].map((x) => expectNoLeak(() => embeddingHealth(x, labels), 'embeddingHealth'));
    tf.dispose([start, end]);
    const report = diagnose({ health: now, reference, labels });
    assert.equal(report.verdict, 'collapsed');
    assert.ok(
      Math.abs(
        report.evidence.meanNormalizedDistanceRatio -
          now.spread.meanNormalizedDistance / reference.spread.meanNormalizedDistance,
      ) < 1e-12,
    );
    assert.equal(report.evidence.numClasses, 4);
  });

  it('reads history records as JSON leaves them (null for NaN)', () => {
    const log = JSON.parse(
      JSON.stringify(
        history(
          40,
          (s) => (s === 30 ? { loss: NaN, gradNorm: NaN } : {}),
          () => healthy(),
        ),
      ),
    );
    assert.equal(log[3].loss, null);
    const report = diagnose({ health: healthy(), history: log, run: RUN });
    assert.equal(report.verdict, 'collapsed');
    assert.equal(report.evidence.nonFiniteSteps, 1);
  });

  it('rejects a missing health and malformed history with errors that name them', () => {
    assert.throws(() => diagnose({} as never), /Argument `input` must be an object with `health`/);
    assert.throws(
      () => diagnose({ health: healthy(), history: [{ loss: 1 }] as never }),
      /`history\[0\]` must be a step record/,
    );
    assert.throws(() => diagnose({ health: { rows: 3 } as never }), /health: field `dim` must be a number or null/);
  });

  it('formats a report with findings, causes and remedies', () => {
    const text = formatHealthReport(
      diagnose({
        health: healthy({ effectiveRank: 2, firstComponentShare: 0.94 }),
        run: { ...RUN, model: 'mlp:256,2' },
      }),
      { verbose: true },
    );
    assert.match(
      text,
      /^verdict: dimensional-collapse\nevidence:\n {2}firstComponentShare = 0\.94 > 0\.9 \(DIMENSIONAL_FIRST_COMPONENT_SHARE\)/,
    );
    assert.match(text, /\n {2}low-capacity \(confidence 0\.90\): [^\n]+\n {4}remedy: /);
  });
});
