import { suggestedLr, type HealthReport } from '../health/index.js';
import { HARD_MINERS, type MinerName } from '../miners/index.js';
import type { CurriculumName } from './curriculum-callback.js';

/** Causes below this confidence get no automatic remedy: acting on a guess could hurt a run that was fine. */
export const MIN_REMEDY_CONFIDENCE = 0.5;

/** Steps over which the lr ramps back up after a remedy that lowers it or turns hardest-triplet mining to semi-hard. */
export const REMEDY_WARMUP_STEPS = 100;

/** What the guard changes in the live run, as far as the diagnosed causes allow. */
export interface RemedyPlan {
  /** Multiply the current lr scale by this. */
  lrFactor: number;
  /** Ramp the lr up over this many steps from a tenth (0: no ramp). */
  warmupSteps: number;
  /** Keep the lr at or above this (0: no floor). */
  lrFloor: number;
  /** Switch to this miner (null: keep). */
  miner: MinerName | null;
  /** Switch to this curriculum (null: keep). */
  curriculum: CurriculumName | null;
  /** Turn on the distance's L2 normalization. */
  normalizeEmbeddings: boolean;
  /** The changes in words, for the log and the terminal. */
  actions: string[];
}

/** How a run mines and measures: what a remedy can switch in a live run. */
export interface Mining {
  /** The miner, or the last stage of the curriculum. */
  miner: MinerName;
  /** The loss's distance L2-normalizes the embeddings first. */
  normalizeEmbeddings: boolean;
  curriculum: CurriculumName;
}

/** The run settings a remedy reads: the base lr, and whether the model ends with an L2-normalize layer. */
export interface RemedySettings {
  lr: number;
  normalize: boolean;
}

/** The live state a remedy starts from. */
export interface LiveRun extends Mining {
  /** The lr scale applied so far (1 before any remedy). */
  lrScale: number;
  /** Steps left in the run, to keep a warmup short in a short run. */
  remainingSteps: number;
}

/**
 * The remedies the guard can apply to a running training for the causes of `report` with a
 * confidence >= MIN_REMEDY_CONFIDENCE: lower the lr (to bring the largest update ratio to the
 * target, at most a tenth) with a warmup ramp for lr-too-high, non-finite and dead-units; give
 * hardest-triplet mining the `auto` curriculum, or, when a curriculum was in force already, switch
 * it to semi-hard (mining-too-hard); easy to semi-hard and semi-hard to all
 * (mining-too-easy); turn on the distance's normalization (no-normalization); hold the lr at a
 * tenth of the lr in use after the plan's cuts (lr-decayed-too-fast). low-capacity needs another model: no live remedy.
 * Returns null when nothing applies.
 *
 * @example
 * const live = { miner: 'batch-hard', normalizeEmbeddings: true, curriculum: 'none', lrScale: 1, remainingSteps: 500 } as const;
 * planRemedy(report, { lr: 1e-3, normalize: true }, live)?.actions; // ['lr ramps up over 100 steps', 'curriculum none -> auto']
 */
export function planRemedy(report: HealthReport, settings: RemedySettings, live: LiveRun): RemedyPlan | null {
  const plan: RemedyPlan = {
    lrFactor: 1,
    warmupSteps: 0,
    lrFloor: 0,
    miner: null,
    curriculum: null,
    normalizeEmbeddings: false,
    actions: [],
  };
  const warmup = Math.max(1, Math.min(REMEDY_WARMUP_STEPS, Math.floor(live.remainingSteps / 5)));
  let holdLr = false;
  const lowerLr = (factor: number) => {
    plan.lrFactor = Math.min(plan.lrFactor, factor);
    plan.warmupSteps = warmup;
  };
  for (const cause of report.causes) {
    if (cause.confidence < MIN_REMEDY_CONFIDENCE) continue;
    switch (cause.id) {
      case 'lr-too-high':
      case 'non-finite': {
        const lr = settings.lr * live.lrScale;
        lowerLr(suggestedLr(lr, report.evidence.maxUpdateRatio ?? NaN) / lr);
        break;
      }
      case 'dead-units':
        lowerLr(0.1);
        break;
      case 'mining-too-hard':
        if (HARD_MINERS.includes(live.miner)) {
          // A curriculum keeps hard mining and reaches it once the classes are apart; one that
          // collapsed anyway gives way to semi-hard mining for the rest of the run.
          if (live.curriculum === 'none') plan.curriculum = 'auto';
          else [plan.miner, plan.curriculum] = ['semihard', 'none'];
          plan.warmupSteps = warmup;
        }
        break;
      case 'mining-too-easy':
        if (live.miner === 'easy') plan.miner = 'semihard';
        else if (live.miner === 'semihard') plan.miner = 'all';
        break;
      case 'no-normalization':
        if (!live.normalizeEmbeddings && !settings.normalize) plan.normalizeEmbeddings = true;
        break;
      case 'lr-decayed-too-fast':
        holdLr = true;
        break;
      case 'low-capacity':
      case 'unknown':
        break;
      default: {
        const never: never = cause.id;
        throw new Error(`unhandled cause ${String(never)}`);
      }
    }
  }
  // A tenth of the lr in use once this plan's cuts are made: a floor under the schedule's decay
  // that does not undo a cut for lr-too-high made in the same or an earlier recovery.
  if (holdLr) plan.lrFloor = 0.1 * settings.lr * live.lrScale * plan.lrFactor;
  if (plan.lrFactor < 1)
    plan.actions.push(
      `lr x${Number(plan.lrFactor.toPrecision(2))} (now ${Number((settings.lr * live.lrScale * plan.lrFactor).toPrecision(2))})`,
    );
  if (plan.warmupSteps > 0) plan.actions.push(`lr ramps up over ${plan.warmupSteps} steps`);
  if (plan.miner !== null) plan.actions.push(`miner ${live.miner} -> ${plan.miner}`);
  if (plan.curriculum !== null) plan.actions.push(`curriculum ${live.curriculum} -> ${plan.curriculum}`);
  if (plan.normalizeEmbeddings) plan.actions.push('distance normalizes embeddings');
  if (plan.lrFloor > 0) plan.actions.push(`lr kept >= ${Number(plan.lrFloor.toPrecision(2))}`);
  const changes =
    plan.lrFactor < 1 ||
    plan.miner !== null ||
    plan.curriculum !== null ||
    plan.normalizeEmbeddings ||
    plan.lrFloor > 0;
  return changes ? plan : null;
}
