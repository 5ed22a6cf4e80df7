import type { TrainingStep } from './health-report.js';
import type { HealthSnapshot } from './health-snapshot.js';
import { LR_FLOOR_FRACTION, RECENT_STEPS, SPIKE_FACTOR } from './thresholds.js';

/** Logged steps a spike is compared with: the recent past, so that the cost stays linear in the log's length. */
const SPIKE_WINDOW = 50;

/** What the detector reads from a run's log, beyond the current health: trends and training dynamics. */
export interface HistoryFeatures {
  /** Logged steps in the history. */
  steps: number;
  /** Median loss over the recent steps (NaN without history). */
  recentLoss: number;
  /** Mean active-triplet fraction over the recent steps. */
  recentActiveFraction: number;
  /** Mean number of triplets the loss evaluated (after mining) over the recent steps. */
  recentTriplets: number;
  /** Share of recent steps whose miner found no triplet at all. */
  noTripletShare: number;
  /** Gradient norm of the first logged step (on the starting weights, before large steps could kill units), and the median over the recent steps. */
  startGradNorm: number;
  recentGradNorm: number;
  /** Largest finite weight-update ratio of the run, and its step (-1 if none). */
  maxUpdateRatio: number;
  maxUpdateRatioStep: number;
  /** First step whose gradient norm (or loss) exceeded SPIKE_FACTOR x the median before it; -1 if none. */
  gradSpikeStep: number;
  lossSpikeStep: number;
  /** First step whose lr exceeded SPIKE_FACTOR x the median of the lrs before it (a one-off jump, not a warmup); -1 if none. */
  lrSpikeStep: number;
  /** The lr of the last step, and the largest of the run. */
  lr: number;
  peakLr: number;
  /** First step whose lr is at or below LR_FLOOR_FRACTION of the largest lr before it; -1 if none. */
  lrFloorStep: number;
  /** The last logged step (-1 without history). */
  lastStep: number;
  /** Mean d(a,p) and d(a,n) of the mined triplets: the first logged step, and the median of the recent steps. */
  startMeanAN: number;
  recentMeanAN: number;
  startMeanAP: number;
  recentMeanAP: number;
  /** Steps with a NaN or infinite loss, gradient norm or update; the first such step (-1 if none). */
  nonFiniteSteps: number;
  firstNonFiniteStep: number;
  /** Whether the last logged step's loss or gradient norm is non-finite. */
  lastStepNonFinite: boolean;
  /** Probe snapshots in the history (oldest first). */
  probes: Array<{ step: number; health: HealthSnapshot }>;
}

/**
 * The features of a run's history the detector uses. Records need not be contiguous (a log keeps
 * every n-th step); they must be in step order. `recorded` says which of the loss and gradient norm
 * the log records (a log from another framework may record no gradient): a NaN in a field it does
 * not record is no overflow.
 *
 * @example
 * const features = historyFeatures(records); // records: StepRecord[] read from log.jsonl
 * features.maxUpdateRatio; // > 0.1: a step moved the weights by over 10% of their norm
 */
export function historyFeatures(
  history: readonly TrainingStep[],
  recorded: Recorded = { loss: true, gradNorm: true },
): HistoryFeatures {
  const recent = history.slice(-RECENT_STEPS);
  const overflowed = (r: TrainingStep) => nonFiniteStep(r, recorded);
  const finite = (values: number[]) => values.filter((v) => Number.isFinite(v));
  const first = (value: (r: TrainingStep) => number) => finite(history.map(value))[0] ?? NaN;
  let maxUpdateRatio = NaN;
  let maxUpdateRatioStep = -1;
  let nonFiniteSteps = 0;
  let firstNonFiniteStep = -1;
  for (const r of history) {
    if (Number.isFinite(r.updateRatio) && !(r.updateRatio <= maxUpdateRatio)) {
      maxUpdateRatio = r.updateRatio;
      maxUpdateRatioStep = r.step;
    }
    if (overflowed(r)) {
      nonFiniteSteps += 1;
      if (firstNonFiniteStep < 0) firstNonFiniteStep = r.step;
    }
  }
  const last = history[history.length - 1];
  const lrs = finite(history.map((r) => r.lr));
  return {
    steps: history.length,
    recentLoss: median(finite(recent.map((r) => r.loss))),
    recentActiveFraction: mean(finite(recent.map((r) => r.activeFraction))),
    recentTriplets: mean(finite(recent.map((r) => r.numTriplets))),
    noTripletShare: recent.length === 0 ? NaN : recent.filter((r) => r.numTriplets === 0).length / recent.length,
    startGradNorm: first((r) => r.gradNorm),
    recentGradNorm: median(finite(recent.map((r) => r.gradNorm))),
    maxUpdateRatio,
    maxUpdateRatioStep,
    gradSpikeStep: spikeStep(history, (r) => r.gradNorm),
    lossSpikeStep: spikeStep(history, (r) => r.loss),
    lrSpikeStep: spikeStep(history, (r) => r.lr),
    lr: last === undefined ? NaN : last.lr,
    peakLr: lrs.length === 0 ? NaN : Math.max(...lrs),
    lrFloorStep: floorStep(history),
    lastStep: last === undefined ? -1 : last.step,
    startMeanAN: first((r) => r.meanAN),
    recentMeanAN: median(finite(recent.map((r) => r.meanAN))),
    startMeanAP: first((r) => r.meanAP),
    recentMeanAP: median(finite(recent.map((r) => r.meanAP))),
    nonFiniteSteps,
    firstNonFiniteStep,
    lastStepNonFinite: last !== undefined && overflowed(last),
    probes: history.flatMap((r) => (r.health === undefined ? [] : [{ step: r.step, health: r.health }])),
  };
}

/** Which of a step's loss and gradient norm a log records (deepmetric's records both). */
export interface Recorded {
  loss: boolean;
  gradNorm: boolean;
}

/**
 * A step whose loss, gradient or update was NaN or infinite (none of them changed the weights);
 * `recorded` leaves out what the log does not record (default: a deepmetric log records both).
 */
export function nonFiniteStep(r: TrainingStep, recorded: Recorded = { loss: true, gradNorm: true }): boolean {
  return (
    (recorded.loss && !Number.isFinite(r.loss)) ||
    (recorded.gradNorm && !Number.isFinite(r.gradNorm)) ||
    r.nonFiniteUpdate === true
  );
}

/**
 * The first step whose value exceeds SPIKE_FACTOR x the median of the (up to SPIKE_WINDOW) finite
 * values before it, once at least three came before; -1 if none. A non-finite value is not a spike
 * (it is counted apart).
 */
function spikeStep(history: readonly TrainingStep[], value: (r: TrainingStep) => number): number {
  const before: number[] = [];
  for (const r of history) {
    const v = value(r);
    if (!Number.isFinite(v)) continue;
    if (before.length >= 3) {
      const m = median(before.slice(-SPIKE_WINDOW));
      if (m > 0 && v > SPIKE_FACTOR * m) return r.step;
    }
    before.push(v);
  }
  return -1;
}

function floorStep(history: readonly TrainingStep[]): number {
  let peak = 0;
  for (const r of history) {
    if (!Number.isFinite(r.lr)) continue;
    peak = Math.max(peak, r.lr);
    if (peak > 0 && r.lr <= LR_FLOOR_FRACTION * peak) return r.step;
  }
  return -1;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
