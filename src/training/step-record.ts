import type { TrainingStep } from '../health/index.js';

/**
 * One line of `log.jsonl`: what a training step did, in numbers (the fields the detector reads,
 * `TrainingStep`, and the epoch, the time and the guard's word). Health and guard fields are
 * present on the steps where they were measured.
 */
export interface StepRecord extends TrainingStep {
  epoch: number;
  /**
   * The mining the step trained with, by the name the run gives it: the miner (`semihard`,
   * `batch-hard`, ...) or a curriculum's stage (`softmax-hard T=0.25`). Set on every step the
   * Trainer makes; a run's log shows from it when hard mining began.
   */
  mining?: string;
  /** Present (true) only on a step whose update was not applied for NaN or Infinity. */
  nonFiniteUpdate?: true;
  /** Seconds since training began (wall clock, excluding time before the first step). */
  seconds: number;
  /** What the guard concluded or did at this step, when it said something. */
  guard?: { verdict: string; action?: string; causes?: string[] };
}
