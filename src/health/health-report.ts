import type { HealthMetrics } from './health-metrics.js';
import type { HealthSnapshot } from './health-snapshot.js';
import type { Recorded } from './history-features.js';

/** The four verdicts of the collapse detector, from good to bad. */
export const VERDICTS = ['healthy', 'collapsing', 'dimensional-collapse', 'collapsed'] as const;

/**
 * - `healthy`: nothing points at collapse.
 * - `collapsing`: on the way there: the spread has fallen well below its start or its peak, or
 *   training has stalled with the embeddings still unseparated (no active triplets while most
 *   probe triplets violate the margin).
 * - `dimensional-collapse`: spread out, but along far fewer directions than the classes need.
 * - `collapsed`: (nearly) every input maps to one point, or the numbers are NaN/Inf.
 */
export type Verdict = (typeof VERDICTS)[number];

/** The fixed list of cause ids (docs/collapse.md explains each and its remedy). */
export const CAUSE_IDS = [
  'lr-too-high',
  'lr-decayed-too-fast',
  'mining-too-easy',
  'mining-too-hard',
  'no-normalization',
  'low-capacity',
  'dead-units',
  'non-finite',
  'unknown',
] as const;

export type CauseId = (typeof CAUSE_IDS)[number];

/**
 * Whose terms a remedy is written in: deepmetric's flags (a deepmetric run), or PyTorch's and
 * pytorch-metric-learning's classes and arguments next to deepmetric's flags (anything else: an
 * embeddings file, a TensorBoard log).
 */
export type RemedyTerms = 'deepmetric' | 'pytorch';

/** A likely cause of an unhealthy verdict, with what to change. */
export interface Cause {
  id: CauseId;
  /** How sure the detector is, in (0, 1]: 0.9 when the run's own settings and log confirm it, lower when only the geometry suggests it. */
  confidence: number;
  /** What in the numbers points at this cause, with the numbers. */
  evidence: string;
  /** What to change: deepmetric's flags, after PyTorch's and PML's names when `remedyTerms` is 'pytorch'. */
  remedy: string;
}

/** One number compared with one threshold: a line of evidence for the verdict or a cause. */
export interface Finding {
  /** The metric, as named in `evidence`. */
  metric: string;
  value: number;
  /** The named threshold constant (see `thresholds.ts`) and its value. */
  threshold: string;
  limit: number;
  comparison: '<' | '<=' | '>' | '>=';
  /** What it means when the comparison holds. */
  meaning: string;
}

/** What `diagnose` concludes. */
export interface HealthReport {
  verdict: Verdict;
  /**
   * The first probe step whose embeddings alone were unhealthy (the last logged step when only the
   * log shows it); null when healthy or without a trajectory.
   */
  onsetStep: number | null;
  /** The numbers the verdict and causes were read from, by metric name (NaN: not available). */
  evidence: Record<string, number>;
  /** The comparisons that held: which number crossed which threshold. */
  findings: Finding[];
  /** Likely causes, most likely first; empty when healthy. */
  causes: Cause[];
  /** What could not be told from this input (no training log, no labels, no reference). */
  limits: string[];
}

/**
 * The fields of a training step the detector reads (a `StepRecord` of `log.jsonl` has them all).
 * `health` is present on the steps where the probe measured.
 */
export interface TrainingStep {
  step: number;
  loss: number;
  lr: number;
  /** Triplets the loss evaluated (after a miner, if any). */
  numTriplets: number;
  /** Share of those triplets with a positive loss: the ones that move the weights. */
  activeFraction: number;
  /** Mean d(a,p) and d(a,n) over the evaluated triplets (similarities for cosine). */
  meanAP: number;
  meanAN: number;
  gradNorm: number;
  /** Global norm of the weight update over the global norm of the weights. */
  updateRatio: number;
  /** The step's update would have made a weight NaN or infinite (the trainer kept the old weights). */
  nonFiniteUpdate?: boolean;
  /** Health of the probe batch, when measured at this step. */
  health?: HealthSnapshot;
}

/** The settings of the run, when known (a `TrainConfig` has them all): they sharpen the causes. */
export interface RunSettings {
  margin?: number;
  /** The loss (`triplet`, `contrastive`, ...). */
  loss?: string;
  /**
   * The loss's value on collapsed embeddings (all equal), for a loss other than the triplet loss: a
   * loss that stays near it "sits at the margin" (`lossOverMargin` is the loss over it). NaN: not judged.
   */
  collapseLoss?: number;
  miner?: string;
  /** The model ends with an L2-normalize layer. */
  normalize?: boolean;
  /** The loss's distance normalizes the embeddings first. */
  normalizeEmbeddings?: boolean;
  distance?: string;
  lr?: number;
  optimizer?: string;
  schedule?: string;
  warmupSteps?: number;
  model?: string;
  embeddingDim?: number;
}

/** The input of `diagnose`. */
export interface DiagnoseInput {
  /** The health now: a probe's snapshot, or the metrics of a whole set. */
  health: HealthSnapshot | HealthMetrics;
  /**
   * The health at the start of training on the same rows. Without it the ratios of `health` are
   * used if it has them (a probe snapshot does); else nothing is said about a fall from the start.
   */
  reference?: HealthSnapshot | HealthMetrics | null;
  /** The labels `health` was measured with (needed only when `health` is HealthMetrics, to count classes). */
  labels?: ArrayLike<number> | null;
  /** The run's step records up to now (oldest first), with probe health where measured. */
  history?: readonly TrainingStep[] | null;
  /** The run's settings. */
  run?: RunSettings | null;
  /**
   * Whose terms the remedies are in: 'deepmetric' (default: its flags) or 'pytorch' (PyTorch's and
   * pytorch-metric-learning's classes and arguments, then deepmetric's flags), for a run trained elsewhere.
   */
  remedyTerms?: RemedyTerms;
  /**
   * Which of the history's loss and gradient norm the log records (default: both, as deepmetric's
   * log does); a NaN in a field it does not record is not counted as an overflow.
   */
  recorded?: Recorded;
}
