import { HARD_MINERS } from '../miners/index.js';
import type { Cause, CauseId, Finding, RemedyTerms, RunSettings, Verdict } from './health-report.js';
import type { HealthSnapshot } from './health-snapshot.js';
import type { HistoryFeatures } from './history-features.js';
import {
  COLLAPSED_NEAR_ZERO_SHARE,
  COLLAPSING_RAW_SPREAD_RATIO,
  DEAD_DIMENSION_SHARE,
  LOSS_AT_MARGIN,
  LR_FLOOR_FRACTION,
  NORM_GROWTH_RATIO,
  NORM_SHRINK_RATIO,
  SPIKE_FACTOR,
  STALLED_ACTIVE_FRACTION,
  UNSEPARATED_VIOLATION_FRACTION,
  UPDATE_RATIO_TARGET,
  UPDATE_RATIO_TOO_HIGH,
} from './thresholds.js';

/** One remedy in both vocabularies. */
interface Remedy {
  flags: string;
  torch: string;
}

/** What the cause rules read. */
export interface CauseContext {
  verdict: Verdict;
  health: HealthSnapshot;
  features: HistoryFeatures | null;
  run: RunSettings | null;
  /** The loss measures raw embeddings (true), normalized ones (false), or unknown (null). */
  raw: boolean | null;
  evidence: Record<string, number>;
  /** Default 'deepmetric'. */
  terms?: RemedyTerms;
}

/**
 * The lr a run should retry with: lr x min(0.1, UPDATE_RATIO_TARGET / maxUpdateRatio), so the
 * largest update ratio seen comes to the target, and at most a tenth of the old lr (two significant digits).
 *
 * @example
 * suggestedLr(200, 6.9); // 0.29
 * suggestedLr(0.001, NaN); // 0.0001
 */
export function suggestedLr(lr: number, maxUpdateRatio: number): number {
  const factor =
    Number.isFinite(maxUpdateRatio) && maxUpdateRatio > 0 ? Math.min(0.1, UPDATE_RATIO_TARGET / maxUpdateRatio) : 0.1;
  return Number((lr * factor).toPrecision(2));
}

/**
 * The likely causes of an unhealthy verdict, most likely first: every rule of docs/collapse.md that
 * holds adds a cause with a confidence, its evidence with the numbers, and a remedy in
 * deepmetric's flags (with `terms: 'pytorch'`, in PyTorch's and PML's names first); the comparisons
 * behind them are appended to `findings`. `unknown` when no rule holds.
 *
 * @example
 * const causes = findCauses({ verdict: 'collapsed', health, features, run, raw: false, evidence }, findings);
 */
export function findCauses(context: CauseContext, findings: Finding[]): Cause[] {
  const causes: Cause[] = [];
  const add: Add = (id, confidence, evidence, both) => {
    const remedy = context.terms === 'pytorch' ? `PyTorch: ${both.torch} With deepmetric: ${both.flags}` : both.flags;
    const existing = causes.find((c) => c.id === id);
    if (existing === undefined) causes.push({ id, confidence, evidence, remedy });
    else if (confidence > existing.confidence) Object.assign(existing, { confidence, evidence, remedy });
  };
  const note: Note = (metric, value, threshold, limit, comparison, meaning) =>
    void findings.push({ metric, value, threshold, limit, comparison, meaning });

  nonFinite(context, add);
  lrTooHigh(context, add, note);
  lrDecayedTooFast(context, add, note);
  miningTooEasy(context, add);
  miningTooHard(context, add, note);
  noNormalization(context, add, note);
  lowCapacity(context, add);
  deadUnits(context, add, note);
  if (causes.length === 0) {
    add(
      'unknown',
      0.2,
      'None of the known causes matches the numbers' +
        (context.features === null ? ' (without a training log, most cannot be checked)' : '') +
        '.',
      {
        flags:
          'Lower the learning rate (--lr a tenth of it) and mine semi-hard triplets (--miner semihard); run `deepmetric diagnose RUN_DIR` on the run directory for the log-based causes.',
        torch:
          'a tenth of the optimizer\'s lr and miners.TripletMarginMiner(type_of_triplets="semihard"); give `deepmetric diagnose` the TensorBoard log directory for the log-based causes.',
      },
    );
  }
  return causes.sort((a, b) => b.confidence - a.confidence);
}

type Add = (id: CauseId, confidence: number, evidence: string, remedy: Remedy) => void;
type Note = (
  metric: string,
  value: number,
  threshold: string,
  limit: number,
  comparison: Finding['comparison'],
  meaning: string,
) => void;

function runLr({ run, features }: CauseContext): number {
  return run?.lr ?? features?.peakLr ?? NaN;
}

function lrRemedy(context: CauseContext): Remedy {
  const lr = runLr(context);
  const next = Number.isFinite(lr) ? String(suggestedLr(lr, context.features?.maxUpdateRatio ?? NaN)) : null;
  const optimizer = context.run?.optimizer === 'sgd' ? 'SGD' : 'Adam';
  const noWarmup = (context.run?.warmupSteps ?? 0) === 0;
  return {
    flags: `--lr ${next ?? '(a tenth of the current one)'}${noWarmup ? ' and --warmup-steps 100 (ramp the lr up over the first steps)' : ''}`,
    torch:
      `torch.optim.${optimizer}(model.parameters(), lr=${next ?? 'a tenth of the current one'})` +
      `${noWarmup ? ' with a warmup, torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=100) stepped every batch' : ''}.`,
  };
}

/** A remedy with more said after it, in both vocabularies. */
function extend(remedy: Remedy, flags: string, torch: string): Remedy {
  return { flags: `${remedy.flags}${flags}`, torch: `${remedy.torch}${torch}` };
}

function nonFinite(context: CauseContext, add: Add): void {
  const { health, features, raw } = context;
  const steps = features?.nonFiniteSteps ?? 0;
  if (health.nonFinite === 0 && steps === 0) return;
  const what =
    steps > 0
      ? `${steps} logged step(s) had a NaN or infinite loss, gradient or update (the first at step ${features?.firstNonFiniteStep})`
      : `the embeddings hold ${health.nonFinite} NaN or infinite values`;
  add(
    'non-finite',
    0.95,
    `${what}: the numbers overflowed, usually from a learning rate too high for the loss scale.`,
    extend(
      lrRemedy(context),
      `${raw === true ? '; --normalize (unit-norm embeddings cannot overflow)' : ''}; check the input data for extreme values.`,
      `${raw === true ? ' End the model with torch.nn.functional.normalize(embeddings, dim=1) (unit-norm embeddings cannot overflow).' : ''} Clip with torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0) and check the input data for extreme values.`,
    ),
  );
}

function lrTooHigh(context: CauseContext, add: Add, note: Note): void {
  const { features, evidence } = context;
  if (features === null) return;
  const remedy = lrRemedy(context);
  // Too large steps come first and the damage after: a spike once the embeddings were already
  // degraded is the struggle of a broken run, not its cause.
  const onset = Number.isFinite(evidence.onsetStep) ? evidence.onsetStep : Infinity;
  const before = (step: number) => step >= 0 && step <= onset;
  if (features.maxUpdateRatio >= UPDATE_RATIO_TOO_HIGH && before(features.maxUpdateRatioStep)) {
    note(
      'maxUpdateRatio',
      features.maxUpdateRatio,
      'UPDATE_RATIO_TOO_HIGH',
      UPDATE_RATIO_TOO_HIGH,
      '>=',
      'a step moved the weights by a large share of their norm',
    );
    add(
      'lr-too-high',
      0.85,
      `step ${features.maxUpdateRatioStep} changed the weights by ${fmt(features.maxUpdateRatio)} of their norm (>= ${UPDATE_RATIO_TOO_HIGH}; healthy steps change them by ~0.001-0.02): the learning rate ${fmt(runLr(context))} is too high: the large steps came before the embeddings degraded.`,
      remedy,
    );
  }
  if (before(features.gradSpikeStep)) {
    add(
      'lr-too-high',
      0.6,
      `the gradient norm spiked at step ${features.gradSpikeStep} (over 10x its median before), before the embeddings degraded.`,
      remedy,
    );
  }
  if (before(features.lrSpikeStep)) {
    add(
      'lr-too-high',
      0.7,
      `the learning rate jumped to over ${SPIKE_FACTOR}x its median at step ${features.lrSpikeStep} (peak ${fmt(features.peakLr)}), before the embeddings degraded.`,
      remedy,
    );
  }
  if (before(features.lossSpikeStep)) {
    add(
      'lr-too-high',
      0.5,
      `the loss spiked at step ${features.lossSpikeStep} (over 10x its median before), before the embeddings degraded.`,
      remedy,
    );
  }
  if (features.nonFiniteSteps > 0) {
    add(
      'lr-too-high',
      0.6,
      `${features.nonFiniteSteps} step(s) overflowed to NaN/Infinity, the usual result of too large steps.`,
      remedy,
    );
  }
}

function lrDecayedTooFast(context: CauseContext, add: Add, note: Note): void {
  const { features, evidence } = context;
  // After a one-off jump the lr is "at its floor" against the jump, not against a schedule.
  if (features === null || features.lrFloorStep < 0 || features.lrSpikeStep >= 0) return;
  const early = features.lrFloorStep <= 0.75 * features.lastStep;
  const atMargin = evidence.lossOverMargin >= LOSS_AT_MARGIN;
  if (!(early && atMargin && features.lr <= LR_FLOOR_FRACTION * features.peakLr)) return;
  note('lrOfPeak', evidence.lrOfPeak, 'LR_FLOOR_FRACTION', LR_FLOOR_FRACTION, '<=', 'the lr is at its floor');
  const schedule = context.run?.schedule;
  add(
    'lr-decayed-too-fast',
    0.6,
    `the lr reached ${fmt(features.lr)} (${fmt(100 * evidence.lrOfPeak)}% of its peak ${fmt(features.peakLr)}) by step ${features.lrFloorStep}, ${Math.round((100 * features.lrFloorStep) / Math.max(1, features.lastStep))}% into the run, while the loss still sits at ${fmt(evidence.lossOverMargin)} x the margin: the run can no longer move out of the collapse.`,
    {
      flags: `${schedule === 'cosine' ? '' : '--schedule cosine (decays smoothly to the end of the run) or '}more --steps, so the lr stays up while the loss is at the margin; or resume from a checkpoint with --lr set again.`,
      torch:
        'torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=<total steps>) stepped once per batch (not a StepLR/ExponentialLR that reaches its floor early), or more steps; or reload a checkpoint and set the lr again.',
    },
  );
}

function miningTooEasy(context: CauseContext, add: Add): void {
  const { features, run, health, evidence, verdict } = context;
  if (features === null) return;
  const none = features.noTripletShare > 0.5;
  const stalled = features.recentActiveFraction < STALLED_ACTIVE_FRACTION || none;
  const miner = run?.miner;
  const poor = health.violationFraction > UNSEPARATED_VIOLATION_FRACTION;
  const noneShare = `${fmt(100 * features.noTripletShare)}%`;
  const facts = Number.isFinite(features.recentActiveFraction)
    ? `the active-triplet fraction is ${fmt(features.recentActiveFraction)} over the last steps${none ? ` (the miner found no triplet at all in ${noneShare} of them)` : ''}`
    : `the miner found no triplet at all in ${noneShare} of the last steps`;
  if (miner === 'easy') {
    add(
      'mining-too-easy',
      stalled ? 0.9 : 0.6,
      `the easy miner keeps only triplets that already satisfy the margin: ${facts}, so the loss reads ${fmt(features.recentLoss)} and looks converged while ${fmt(100 * health.violationFraction)}% of the probe's triplets violate the margin.`,
      {
        flags:
          '--miner semihard (triplets inside the margin: they carry a gradient without pulling everything together).',
        torch:
          'miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard") (triplets inside the margin: they carry a gradient without pulling everything together).',
      },
    );
    return;
  }
  if (!stalled) return;
  const shrinking = evidence.normalizedSpreadOfPeak < 0.8 || verdict === 'collapsed';
  add(
    'mining-too-easy',
    shrinking ? 0.8 : poor ? 0.75 : 0.5,
    `${facts}${miner !== undefined ? ` with --miner ${miner}` : ''}, while ${shrinking ? `the spread fell to ${fmt(evidence.normalizedSpreadOfPeak)} of its peak` : `${fmt(100 * health.violationFraction)}% of the probe's triplets violate the margin`}: a miner that finds nothing on a shrinking or unseparated set is a collapse sign, not a converged run.`,
    miner === 'semihard'
      ? {
          flags:
            '--miner all (every triplet that violates the margin, so hard triplets of a shrinking set still give a gradient).',
          torch:
            'miners.TripletMarginMiner(type_of_triplets="all") (every triplet that violates the margin, so hard triplets of a shrinking set still give a gradient).',
        }
      : {
          flags: '--miner semihard, or --miner all when semi-hard triplets run out.',
          torch:
            'miners.TripletMarginMiner(type_of_triplets="semihard"), or type_of_triplets="all" when semi-hard triplets run out.',
        },
  );
}

/** What the loss is compared with: the margin of a triplet loss, or another loss's value on a collapse. */
function atCollapse(run: RunSettings | null): string {
  return run?.collapseLoss !== undefined
    ? `its value on collapsed embeddings (${fmt(run.collapseLoss)})`
    : 'the margin';
}

/** What a loss is trained on, for messages. */
function tuples(run: RunSettings | null): string {
  return run?.collapseLoss !== undefined ? 'pairs or triplets' : 'triplets';
}

function miningTooHard(context: CauseContext, add: Add, note: Note): void {
  const { features, run, evidence, verdict } = context;
  if (features === null) return;
  const atMargin = evidence.lossOverMargin >= LOSS_AT_MARGIN;
  const remedy: Remedy = {
    flags:
      '--miner semihard (start from semi-hard triplets; switch to batch-hard only once the embeddings are spread out), and --warmup-steps 100.',
    torch:
      'miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard") instead of miners.BatchHardMiner() or type_of_triplets="hard" (switch to the hardest only once the embeddings are spread out), and a warmup: torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=100).',
  };
  const spreadDown = verdict === 'collapsed' || verdict === 'collapsing';
  // The hardest-triplet miners pull everything together from scratch.
  if (run?.miner !== undefined && (HARD_MINERS as readonly string[]).includes(run.miner)) {
    if (atMargin)
      note(
        'lossOverMargin',
        evidence.lossOverMargin,
        'LOSS_AT_MARGIN',
        LOSS_AT_MARGIN,
        '>=',
        'the loss sits at the margin',
      );
    add(
      'mining-too-hard',
      atMargin && spreadDown ? 0.9 : atMargin ? 0.7 : 0.4,
      `--miner ${run.miner} trains on the hardest ${tuples(run)} of each batch from the start; the loss sits at ${fmt(evidence.lossOverMargin)} x ${atCollapse(run)} while the distances shrink${Number.isFinite(features.startMeanAN) ? ` (mean d(a,n) of the mined triplets ${fmt(features.startMeanAN)} -> ${fmt(features.recentMeanAN)})` : ''}: the cheapest way to lower it is to pull everything together (Hermans et al. 2017; Xuan et al. 2020).`,
      remedy,
    );
    return;
  }
  if (run?.miner !== undefined) return;
  if (!Number.isFinite(features.startMeanAN)) {
    // A log without the mined distances (another framework's): the loss pinned at the margin while the spread falls.
    if (atMargin && spreadDown) {
      add(
        'mining-too-hard',
        0.5,
        `the loss sits at ${fmt(evidence.lossOverMargin)} x ${atCollapse(run)} while the spread fell to ${fmt(evidence.normalizedSpreadOfPeak)} of its peak: the signature of hardest-triplet mining from scratch (the log does not say which miner ran).`,
        remedy,
      );
    }
    return;
  }
  const anShrunk = features.recentMeanAN < 0.5 * features.startMeanAN && features.recentMeanAP < features.startMeanAP;
  if (atMargin && anShrunk) {
    add(
      'mining-too-hard',
      0.5,
      `the loss sits at ${fmt(evidence.lossOverMargin)} x the margin while the mined distances shrink (d(a,n) ${fmt(features.startMeanAN)} -> ${fmt(features.recentMeanAN)}): the signature of hardest-triplet mining from scratch.`,
      remedy,
    );
  }
}

function noNormalization(context: CauseContext, add: Add, note: Note): void {
  const { raw, health } = context;
  const remedy: Remedy = {
    flags:
      '--normalize (end the model with an L2-normalize layer, the default) or --normalize-embeddings (the distance normalizes).',
    torch:
      "distances.LpDistance(normalize_embeddings=True) (PML's default) or distances.CosineSimilarity() in the loss, or torch.nn.functional.normalize(embeddings, dim=1) at the model's end.",
  };
  const norms = `mean norm ${fmt(health.normMean)} (${fmt(health.normMeanRatio)} x its start)`;
  if (raw === false) return;
  const shrunk =
    health.normMeanRatio < NORM_SHRINK_RATIO ||
    health.nearZeroShare > COLLAPSED_NEAR_ZERO_SHARE ||
    health.meanDistanceRatio < COLLAPSING_RAW_SPREAD_RATIO;
  const grown = health.normMeanRatio > NORM_GROWTH_RATIO;
  if (shrunk)
    note('normMeanRatio', health.normMeanRatio, 'NORM_SHRINK_RATIO', NORM_SHRINK_RATIO, '<', 'the raw norms shrank');
  if (grown)
    note('normMeanRatio', health.normMeanRatio, 'NORM_GROWTH_RATIO', NORM_GROWTH_RATIO, '>', 'the raw norms exploded');
  if (raw === true) {
    if (shrunk) {
      add(
        'no-normalization',
        0.9,
        `the loss measures raw embeddings and they shrank towards 0: ${norms}, raw spread ${fmt(health.meanDistanceRatio)} x its start, so every distance falls inside the margin.`,
        remedy,
      );
    } else if (grown) {
      add(
        'no-normalization',
        0.8,
        `the loss measures raw embeddings and their norms exploded: ${norms}; the margin is met by scale while the directions collapse.`,
        remedy,
      );
    } else {
      add(
        'no-normalization',
        0.4,
        `the loss measures raw embeddings (no L2-normalize layer, no normalizing distance): nothing keeps their scale in check (${norms}).`,
        remedy,
      );
    }
  } else if (shrunk) {
    add('no-normalization', 0.6, `the embeddings are not unit-norm and shrank: ${norms}.`, remedy);
  }
}

/** The narrowest width of a model spec (`mlp:256,2` -> 2; `convnet:16,32,128` -> 128, its dense layer), or NaN. */
function narrowestLayer(model: string | undefined): number {
  if (model === undefined) return NaN;
  const sizes = /:(.*)$/.exec(model)?.[1].split(',').map(Number) ?? [];
  if (model.startsWith('mlp') && sizes.length > 0) return Math.min(...sizes);
  if (model.startsWith('convnet') && sizes.length === 3) return sizes[2];
  return NaN;
}

function lowCapacity(context: CauseContext, add: Add): void {
  const { verdict, health, run, evidence } = context;
  if (verdict !== 'dimensional-collapse' && verdict !== 'collapsed') return;
  const needed = evidence.requiredRank;
  const widths = [narrowestLayer(run?.model), run?.embeddingDim ?? NaN].filter((w) => Number.isFinite(w));
  const narrowest = widths.length === 0 ? NaN : Math.min(...widths);
  // A larger embedding helps only when the embedding is small or its directions are used up.
  const dim = run?.embeddingDim ?? health.dim;
  const wantDim = Math.max(64, 2 * dim);
  const dimAdvice = dim < 64 || health.effectiveRank >= 0.5 * dim ? ` and --embedding-dim ${wantDim}` : '';
  const directions = Number.isFinite(needed) ? needed : 'needed';
  const remedy: Remedy = {
    flags: `a model whose layers are all wider than the ${directions} directions: --model mlp:256,128 (or convnet)${dimAdvice}.`,
    torch: `a model whose layers are all wider than the ${directions} directions (no narrow bottleneck before the embedding)${dimAdvice === '' ? '' : `, and an embedding of ${wantDim} dimensions (the last torch.nn.Linear(..., ${wantDim}))`}.`,
  };
  const rank = `effective rank ${fmt(health.effectiveRank)} of ${health.dim} dimensions${Number.isFinite(needed) ? `, where ${health.numClasses} classes need ~${needed}` : ''}`;
  if (Number.isFinite(narrowest) && Number.isFinite(needed) && narrowest < needed) {
    add(
      'low-capacity',
      0.9,
      `${rank}: the model's narrowest layer has ${narrowest} units (${run?.model}, embedding ${run?.embeddingDim}), fewer than the classes need, so the embeddings cannot span more.`,
      remedy,
    );
  } else if (verdict === 'dimensional-collapse') {
    add(
      'low-capacity',
      run === null ? 0.5 : 0.35,
      `${rank}: the embeddings use few directions; a narrow layer or too small an embedding limits them.`,
      remedy,
    );
  }
}

function deadUnits(context: CauseContext, add: Add, note: Note): void {
  const { verdict, health, features, evidence } = context;
  const remedy = extend(
    lrRemedy(context),
    ' (dead ReLUs stay dead: restart or roll back, with a lower lr); --weight-decay 0 if it is set.',
    ' Dead ReLUs stay dead: restart or reload an earlier checkpoint, with weight_decay=0 if it is set, or use torch.nn.LeakyReLU.',
  );
  if (verdict !== 'collapsed' && health.deadDimensions >= Math.max(1, DEAD_DIMENSION_SHARE * health.dim)) {
    note(
      'deadDimensions',
      health.deadDimensions,
      'DEAD_DIMENSION_SHARE x dim',
      DEAD_DIMENSION_SHARE * health.dim,
      '>=',
      'embedding dimensions with no variance',
    );
    add(
      'dead-units',
      0.6,
      `${health.deadDimensions} of ${health.dim} embedding dimensions have no variance over the probe: the units feeding them are dead.`,
      remedy,
    );
  }
  if (features === null) return;
  const vanished = features.recentGradNorm < features.startGradNorm / 100;
  const learning = evidence.lossOverMargin < LOSS_AT_MARGIN && features.recentActiveFraction >= STALLED_ACTIVE_FRACTION;
  if (vanished && learning) {
    note(
      'gradNorm',
      features.recentGradNorm,
      'startGradNorm / 100',
      features.startGradNorm / 100,
      '<',
      'the gradient vanished while the loss is not at its floor',
    );
    add(
      'dead-units',
      0.5,
      `the gradient norm fell from ${fmt(features.startGradNorm)} to ${fmt(features.recentGradNorm)} while ${fmt(100 * features.recentActiveFraction)}% of the triplets still have a loss: most units pass no gradient (dead ReLUs).`,
      remedy,
    );
  }
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}
