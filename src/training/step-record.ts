import type { HealthSnapshot } from '../health/index.js';

/**
 * One line of `log.jsonl`: what a training step did, in numbers. Health and guard fields are
 * present on the steps where they were measured.
 */
export interface StepRecord {
  step: number;
  epoch: number;
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
  /**
   * Present (true) when the update of this step would have turned a weight into NaN or Infinity
   * from a finite gradient: the weights were kept as they were before the step.
   */
  nonFiniteUpdate?: true;
  /** Seconds since training began (wall clock, excluding time before the first step). */
  seconds: number;
  /** Health of the probe batch, when measured at this step. */
  health?: HealthSnapshot;
  /** What the guard concluded or did at this step, when it said something. */
  guard?: { verdict: string; action?: string; causes?: string[] };
}
