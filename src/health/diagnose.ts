import { invalidArgument } from '../errors.js';
import { findCauses, type CauseContext } from './find-causes.js';
import type { HealthMetrics } from './health-metrics.js';
import type { DiagnoseInput, Finding, HealthReport, RunSettings, TrainingStep, Verdict } from './health-report.js';
import { healthSnapshot, parseHealthSnapshot, type HealthSnapshot } from './health-snapshot.js';
import { historyFeatures, type HistoryFeatures } from './history-features.js';
import {
  COLLAPSED_NEAR_ZERO_SHARE,
  COLLAPSED_NORMALIZED_DISTANCE,
  COLLAPSED_RAW_POINT_RATIO,
  COLLAPSED_RAW_SPREAD_RATIO,
  COLLAPSED_STD,
  COLLAPSING_RAW_SPREAD_RATIO,
  COLLAPSING_SPREAD_RATIO,
  DIMENSIONAL_FIRST_COMPONENT_SHARE,
  DIMENSIONAL_FLOOR_RANK,
  DIMENSIONAL_MIN_RANK,
  DIMENSIONAL_RANK_FRACTION,
  STALLED_ACTIVE_FRACTION,
  UNSEPARATED_VIOLATION_FRACTION,
  VANISHED_GRADIENT_RATIO,
} from './thresholds.js';

/**
 * The collapse detector: reads the health of a set of embeddings — and, when given, the start of
 * training, the run's log and its settings — and returns a verdict (`healthy`, `collapsing`,
 * `dimensional-collapse`, `collapsed`), the evidence (numbers), the findings (which number crossed
 * which named threshold) and the likely causes with remedies in deepmetric's flags. Pure: no I/O,
 * no tensors.
 *
 * The verdict, first rule that holds:
 * 1. `collapsed`: non-finite embeddings or a non-finite last step; or mean normalized distance
 *    < COLLAPSED_NORMALIZED_DISTANCE or SimSiam std < COLLAPSED_STD (for a run whose loss measures
 *    raw embeddings, instead: raw spread < COLLAPSED_RAW_SPREAD_RATIO of its start, or below
 *    COLLAPSED_RAW_POINT_RATIO of the mean norm (one point), or most norms ~0);
 * 2. `collapsing`: the spread below COLLAPSING_SPREAD_RATIO (raw runs: COLLAPSING_RAW_SPREAD_RATIO)
 *    of the larger of its start and its peak over the probes;
 * 3. `dimensional-collapse`: first-PC share > DIMENSIONAL_FIRST_COMPONENT_SHARE (one line); or an
 *    effective rank below min(DIMENSIONAL_FLOOR_RANK, DIMENSIONAL_RANK_FRACTION x min(classes - 1, dim))
 *    (a few directions); or below DIMENSIONAL_RANK_FRACTION x min(classes - 1, dim) while the classes
 *    overlap (violation fraction > UNSEPARATED_VIOLATION_FRACTION): what the missing directions cost.
 *    Without labels: an effective rank < DIMENSIONAL_MIN_RANK;
 * 4. `collapsing`: training stalled (active-triplet fraction < STALLED_ACTIVE_FRACTION over the
 *    recent steps, or a gradient below VANISHED_GRADIENT_RATIO of the first step's) while the
 *    embeddings are unseparated (violation fraction > UNSEPARATED_VIOLATION_FRACTION) or the spread
 *    is falling: a miner that finds nothing on a shrinking spread is a collapse sign, not convergence;
 * 5. otherwise `healthy`. The loss alone never decides: a loss at the margin is read only as
 *    evidence for a cause.
 *
 * @example
 * const report = dm.diagnose({ health: dm.embeddingHealth(embeddings, labels), labels });
 * report.verdict;               // 'healthy' | 'collapsing' | 'dimensional-collapse' | 'collapsed'
 * report.causes[0]?.remedy;     // e.g. "--miner semihard (...)"
 */
export function diagnose(input: DiagnoseInput): HealthReport {
  if (input === null || typeof input !== 'object' || input.health === undefined || input.health === null) {
    throw invalidArgument(
      `Argument \`input\` must be an object with \`health\` (a HealthSnapshot or HealthMetrics). Received: ${String(input)}`,
    );
  }
  const history = checkHistory(input.history);
  const run = input.run ?? null;
  const health = currentSnapshot(input);
  const features = history.length > 0 ? historyFeatures(history, input.recorded) : null;
  const raw = usesRawDistance(run, health);
  const findings: Finding[] = [];
  const evidence = collectEvidence(health, features, run);
  const verdict = decideVerdict(health, features, raw, evidence, findings);
  const onset = features !== null && verdict !== 'healthy' ? onsetStep(features, run, raw) : null;
  if (onset !== null) evidence.onsetStep = onset;
  const context: CauseContext = { verdict, health, features, run, raw, evidence, terms: input.remedyTerms };
  const causes = verdict === 'healthy' ? [] : findCauses(context, findings);
  return { verdict, onsetStep: onset, evidence, findings, causes, limits: limitsOf(input, health, features, run, raw) };
}

function checkHistory(history: readonly TrainingStep[] | null | undefined): TrainingStep[] {
  if (history === undefined || history === null) return [];
  if (!Array.isArray(history)) {
    throw invalidArgument(`Argument \`history\` must be an array of step records. Received: ${String(history)}`);
  }
  return history.map((r, i) => {
    if (r === null || typeof r !== 'object' || typeof r.step !== 'number') {
      throw invalidArgument(
        `Argument \`history[${i}]\` must be a step record with a numeric \`step\`. Received: ${JSON.stringify(r)}`,
      );
    }
    // A record read from JSON carries null for NaN: read it back as NaN.
    const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
    return {
      step: r.step,
      loss: num(r.loss),
      lr: num(r.lr),
      numTriplets: num(r.numTriplets),
      activeFraction: num(r.activeFraction),
      meanAP: num(r.meanAP),
      meanAN: num(r.meanAN),
      gradNorm: num(r.gradNorm),
      updateRatio: num(r.updateRatio),
      ...(r.nonFiniteUpdate === true ? { nonFiniteUpdate: true } : {}),
      ...(r.health === undefined || r.health === null
        ? {}
        : { health: parseHealthSnapshot(r.health, `history[${i}].health`) }),
    };
  });
}

function isMetrics(v: unknown): v is HealthMetrics {
  return v !== null && typeof v === 'object' && 'spread' in v && 'shape' in v;
}

/** The current health as a snapshot, with its ratios taken from `reference` when one is given. */
function currentSnapshot(input: DiagnoseInput): HealthSnapshot {
  const reference = input.reference ?? null;
  let health: HealthSnapshot;
  if (isMetrics(input.health)) {
    health = healthSnapshot(input.health, input.labels, isMetrics(reference) ? reference : null);
  } else {
    health = parseHealthSnapshot(input.health, 'health');
  }
  if (reference !== null && !isMetrics(reference)) {
    const ref = parseHealthSnapshot(reference, 'reference');
    health = {
      ...health,
      meanDistanceRatio: health.meanDistance / ref.meanDistance,
      meanNormalizedDistanceRatio: health.meanNormalizedDistance / ref.meanNormalizedDistance,
      normMeanRatio: health.normMean / ref.normMean,
      effectiveRankRatio: health.effectiveRank / ref.effectiveRank,
    };
  }
  return health;
}

/**
 * Whether the run's loss measures raw embeddings (no L2-normalize layer, no normalizing distance):
 * then the raw scale is what collapses. Unknown settings: unit norms mean normalized embeddings;
 * otherwise null (unknown).
 */
function usesRawDistance(run: RunSettings | null, health: HealthSnapshot): boolean | null {
  if (run !== null && run.normalize !== undefined && run.normalizeEmbeddings !== undefined) {
    return !run.normalize && !run.normalizeEmbeddings;
  }
  if (Math.abs(health.normMin - 1) < 1e-3 && Math.abs(health.normMax - 1) < 1e-3) return false;
  return null;
}

/** Spread now over the larger of its start and its peak at the probes: 1 at the top, -> 0 collapsing. */
function fractionOfPeak(
  now: number,
  ratioToStart: number,
  features: HistoryFeatures | null,
  field: 'meanNormalizedDistance' | 'meanDistance',
): number {
  let peak = Number.isFinite(ratioToStart) && ratioToStart > 0 ? now / ratioToStart : NaN;
  for (const probe of features?.probes ?? []) {
    const v = probe.health[field];
    if (Number.isFinite(v) && !(v <= peak)) peak = v;
  }
  if (!(now <= peak)) peak = now;
  return Number.isFinite(peak) && peak > 0 ? now / peak : NaN;
}

function collectEvidence(
  health: HealthSnapshot,
  features: HistoryFeatures | null,
  run: RunSettings | null,
): Record<string, number> {
  const evidence: Record<string, number> = { ...health };
  // What the loss reads on a collapse: the margin for the triplet loss, measured for the others.
  const margin = run?.collapseLoss ?? run?.margin ?? health.margin;
  const classes = health.numClasses;
  evidence.requiredRank = classes >= 2 ? Math.min(classes - 1, health.dim) : NaN;
  evidence.rawSpreadOverNorm = health.normMean > 0 ? health.meanDistance / health.normMean : NaN;
  evidence.normalizedSpreadOfPeak = fractionOfPeak(
    health.meanNormalizedDistance,
    health.meanNormalizedDistanceRatio,
    features,
    'meanNormalizedDistance',
  );
  evidence.rawSpreadOfPeak = fractionOfPeak(health.meanDistance, health.meanDistanceRatio, features, 'meanDistance');
  if (features !== null) {
    evidence.lossOverMargin = margin > 0 ? features.recentLoss / margin : NaN;
    evidence.activeFraction = features.recentActiveFraction;
    evidence.minedTriplets = features.recentTriplets;
    evidence.noTripletShare = features.noTripletShare;
    evidence.gradNorm = features.recentGradNorm;
    evidence.startGradNorm = features.startGradNorm;
    evidence.maxUpdateRatio = features.maxUpdateRatio;
    evidence.lr = features.lr;
    evidence.peakLr = features.peakLr;
    evidence.lrOfPeak = features.lr / features.peakLr;
    evidence.nonFiniteSteps = features.nonFiniteSteps;
    evidence.probes = features.probes.length;
  }
  return evidence;
}

function decideVerdict(
  health: HealthSnapshot,
  features: HistoryFeatures | null,
  raw: boolean | null,
  evidence: Record<string, number>,
  findings: Finding[],
): Verdict {
  const check = (
    metric: string,
    comparison: Finding['comparison'],
    threshold: string,
    limit: number,
    meaning: string,
  ): boolean => {
    const value = evidence[metric];
    const holds =
      comparison === '<'
        ? value < limit
        : comparison === '<='
          ? value <= limit
          : comparison === '>'
            ? value > limit
            : value >= limit;
    if (holds) findings.push({ metric, value, threshold, limit, comparison, meaning });
    return holds;
  };
  if (health.nonFinite > 0) {
    findings.push({
      metric: 'nonFinite',
      value: health.nonFinite,
      threshold: 'none',
      limit: 0,
      comparison: '>',
      meaning: 'the embeddings hold NaN or Infinity',
    });
    return 'collapsed';
  }
  if (features?.lastStepNonFinite) {
    evidence.lastLoss = NaN;
    findings.push({
      metric: 'nonFiniteSteps',
      value: features.nonFiniteSteps,
      threshold: 'none',
      limit: 0,
      comparison: '>',
      meaning: "the last step's loss, gradient or update is NaN or Infinity",
    });
    return 'collapsed';
  }
  // 1. Collapsed: to one direction (normalized geometry) or one point (raw geometry).
  if (raw === true) {
    const shrunk = check(
      'meanDistanceRatio',
      '<',
      'COLLAPSED_RAW_SPREAD_RATIO',
      COLLAPSED_RAW_SPREAD_RATIO,
      'the raw embeddings shrank towards one point',
    );
    const point = check(
      'rawSpreadOverNorm',
      '<',
      'COLLAPSED_RAW_POINT_RATIO',
      COLLAPSED_RAW_POINT_RATIO,
      'every embedding is the same point (the distances vanish against the norms)',
    );
    const zero = check(
      'nearZeroShare',
      '>',
      'COLLAPSED_NEAR_ZERO_SHARE',
      COLLAPSED_NEAR_ZERO_SHARE,
      'most embeddings have a norm of ~0',
    );
    if (shrunk || point || zero) return 'collapsed';
  } else {
    const close = check(
      'meanNormalizedDistance',
      '<',
      'COLLAPSED_NORMALIZED_DISTANCE',
      COLLAPSED_NORMALIZED_DISTANCE,
      'all embeddings point the same way',
    );
    const flat = check(
      'normalizedStdSqrtDim',
      '<',
      'COLLAPSED_STD',
      COLLAPSED_STD,
      'the normalized embeddings have no spread (SimSiam std)',
    );
    if (close || flat) return 'collapsed';
  }
  // 2. Collapsing: the spread fell far below its start or its peak.
  const falling =
    raw === true
      ? check(
          'rawSpreadOfPeak',
          '<',
          'COLLAPSING_RAW_SPREAD_RATIO',
          COLLAPSING_RAW_SPREAD_RATIO,
          'the raw spread fell far below its start or peak',
        )
      : check(
          'normalizedSpreadOfPeak',
          '<',
          'COLLAPSING_SPREAD_RATIO',
          COLLAPSING_SPREAD_RATIO,
          'the spread fell to under half its start or peak',
        );
  if (falling) return 'collapsing';
  // 3. Dimensional collapse: far fewer directions than the classes need, or one line.
  const line = check(
    'firstComponentShare',
    '>',
    'DIMENSIONAL_FIRST_COMPONENT_SHARE',
    DIMENSIONAL_FIRST_COMPONENT_SHARE,
    'the embeddings lie almost on one line',
  );
  let thin: boolean;
  if (health.numClasses >= 2) {
    // Few directions are a collapse when they are very few, or when the classes pay for them:
    // many-class embeddings routinely use far fewer than classes - 1 directions and separate well.
    evidence.rankFloor = Math.min(DIMENSIONAL_FLOOR_RANK, DIMENSIONAL_RANK_FRACTION * evidence.requiredRank);
    evidence.rankThreshold = DIMENSIONAL_RANK_FRACTION * evidence.requiredRank;
    const few = check(
      'effectiveRank',
      '<',
      'min(DIMENSIONAL_FLOOR_RANK, DIMENSIONAL_RANK_FRACTION x min(classes - 1, dim))',
      evidence.rankFloor,
      'the embeddings use only a few directions',
    );
    const costly =
      !few &&
      evidence.effectiveRank < evidence.rankThreshold &&
      health.violationFraction > UNSEPARATED_VIOLATION_FRACTION;
    if (costly) {
      check(
        'effectiveRank',
        '<',
        'DIMENSIONAL_RANK_FRACTION x min(classes - 1, dim)',
        evidence.rankThreshold,
        'the embeddings use far fewer directions than the classes need',
      );
      check(
        'violationFraction',
        '>',
        'UNSEPARATED_VIOLATION_FRACTION',
        UNSEPARATED_VIOLATION_FRACTION,
        'and the classes overlap: the missing directions cost separation',
      );
    }
    thin = few || costly;
  } else {
    thin = check(
      'effectiveRank',
      '<',
      'DIMENSIONAL_MIN_RANK',
      DIMENSIONAL_MIN_RANK,
      'the embeddings use about two directions or fewer',
    );
  }
  if (line || thin) return 'dimensional-collapse';
  // 4. Stalled training: nothing to learn from, or no gradient getting through, yet nothing learned.
  if (features !== null) {
    evidence.vanishedGradientLimit = VANISHED_GRADIENT_RATIO * features.startGradNorm;
    // A miner that found nothing in most recent steps trained on nothing (a log may record only that count).
    const idle = evidence.activeFraction < STALLED_ACTIVE_FRACTION || features.noTripletShare > 0.5;
    const vanished = !idle && evidence.gradNorm < evidence.vanishedGradientLimit;
    const unseparated = health.violationFraction > UNSEPARATED_VIOLATION_FRACTION;
    const shrinking = evidence.normalizedSpreadOfPeak < 0.8 || (raw === true && evidence.rawSpreadOfPeak < 0.8);
    // Converged runs (separated, steady) also stop moving: a stall counts only on unseparated or shrinking embeddings.
    if ((idle || vanished) && (unseparated || shrinking)) {
      if (idle && features.noTripletShare > 0.5)
        check('noTripletShare', '>', 'most recent steps', 0.5, 'the miner found no triplet in most recent steps');
      else if (idle)
        check(
          'activeFraction',
          '<',
          'STALLED_ACTIVE_FRACTION',
          STALLED_ACTIVE_FRACTION,
          'no triplet has a loss: no gradient flows',
        );
      if (vanished)
        check(
          'gradNorm',
          '<',
          'VANISHED_GRADIENT_RATIO x startGradNorm',
          evidence.vanishedGradientLimit,
          'the gradient vanished: the units pass none',
        );
      if (unseparated)
        check(
          'violationFraction',
          '>',
          'UNSEPARATED_VIOLATION_FRACTION',
          UNSEPARATED_VIOLATION_FRACTION,
          'most probe triplets still violate the margin',
        );
      if (shrinking)
        check('normalizedSpreadOfPeak', '<', 'falling', 0.8, 'the spread is shrinking while nothing trains');
      return 'collapsing';
    }
  }
  return 'healthy';
}

/**
 * The first probe whose numbers alone (without the log) are unhealthy: where the degradation
 * became visible. The last logged step when no probe alone shows it (a stall is seen only in the log).
 */
function onsetStep(features: HistoryFeatures, run: RunSettings | null, raw: boolean | null): number {
  for (const probe of features.probes) {
    const evidence = collectEvidence(probe.health, null, run);
    if (decideVerdict(probe.health, null, raw, evidence, []) !== 'healthy') return probe.step;
  }
  return features.lastStep;
}

function limitsOf(
  input: DiagnoseInput,
  health: HealthSnapshot,
  features: HistoryFeatures | null,
  run: RunSettings | null,
  raw: boolean | null,
): string[] {
  const limits: string[] = [];
  if (features === null) {
    limits.push(
      'No training log: the learning-rate causes (lr-too-high, lr-decayed-too-fast) and the mining causes cannot be told, nor NaN steps, nor a stall (no active triplets).',
    );
  }
  if (!Number.isFinite(health.meanNormalizedDistanceRatio) && (features === null || features.probes.length === 0)) {
    limits.push(
      'No reference from the start of training: a fall of the spread (collapsing) cannot be told; only the absolute levels (collapsed, dimensional collapse) are judged.',
    );
  }
  if (health.numClasses < 2) {
    limits.push(
      'No labels: no separation numbers, and dimensional collapse is told only when the embeddings are nearly one- or two-dimensional (first principal component > 90% of the variance, or effective rank < 2.5), since the directions the classes need are unknown.',
    );
  }
  if (raw === null && health.nonFinite === 0) {
    limits.push(
      'The embeddings do not have unit norms and the run settings are unknown: judged as if they are used normalized (cosine or normalized Euclidean). If they are used raw, their scale matters, and it cannot be judged without a reference.',
    );
  }
  if (run === null && input.history !== undefined && input.history !== null) {
    limits.push(
      'No run settings: the miner, normalization and model are inferred from the numbers, so the causes are less certain.',
    );
  }
  return limits;
}
