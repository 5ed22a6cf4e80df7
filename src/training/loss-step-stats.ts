/** The step record's view of a loss's statistics, whatever the loss. */
export interface LossStepStats {
  /** Tuples the loss evaluated: triplets, or positive plus negative pairs, or positive proxies. */
  numTriplets: number;
  /** The share of them with a loss > 0 (NaN when the loss does not count them). */
  activeFraction: number;
  /** Mean anchor-positive and anchor-negative distance (NaN when the loss does not report them). */
  meanAP: number;
  meanAN: number;
}

/**
 * Reads a loss's `lastStats` into the step record's fields: TripletMarginLoss and MarginLoss count
 * triplets (MarginLoss's active share is over its two terms per triplet), the pair losses count
 * pairs (and ContrastiveLoss its active ones), ProxyAnchorLoss its positive proxies. What a loss
 * does not report is NaN (ArcFace counts no tuples), which the detector skips.
 *
 * @example
 * lossStepStats({ numPosPairs: 10, numNegPairs: 30, numNonZeroPos: 5, numNonZeroNeg: 15 });
 * // { numTriplets: 40, activeFraction: 0.5, meanAP: NaN, meanAN: NaN }
 */
export function lossStepStats(stats: unknown): LossStepStats {
  const s = (stats ?? {}) as Record<string, unknown>;
  const n = (key: string): number | undefined => (typeof s[key] === 'number' ? (s[key] as number) : undefined);
  const pairs = (a: string, b: string) => (n(a) !== undefined && n(b) !== undefined ? n(a)! + n(b)! : undefined);
  const tuples = n('numTriplets') ?? pairs('numPosPairs', 'numNegPairs') ?? n('numPosProxies') ?? NaN;
  // MarginLoss counts a positive and a negative term per triplet; the pair losses one term per pair.
  const terms = n('numTriplets') !== undefined && n('numNonZero') === undefined ? 2 * tuples : tuples;
  const active = n('numNonZero') ?? pairs('numNonZeroPos', 'numNonZeroNeg');
  return {
    numTriplets: tuples,
    activeFraction: active === undefined ? NaN : terms > 0 ? active / terms : 0,
    meanAP: n('meanAP') ?? NaN,
    meanAN: n('meanAN') ?? NaN,
  };
}
