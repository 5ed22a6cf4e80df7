import type { HealthSnapshot } from '../../src/health/index.js';

/** Probe numbers of a healthy run on 10 classes, 64-d, normalized (measured on Fashion-MNIST), with `overrides`. */
export function healthySnapshot(overrides: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    rows: 256,
    dim: 64,
    nonFinite: 0,
    meanDistance: 1.3,
    meanNormalizedDistance: 1.3,
    meanDistanceRatio: 1.95,
    meanNormalizedDistanceRatio: 1.95,
    normalizedStdSqrtDim: 0.93,
    normMean: 1,
    normMin: 1,
    normMax: 1,
    nearZeroShare: 0,
    normMeanRatio: 1,
    effectiveRank: 22,
    effectiveRankRatio: 0.7,
    firstComponentShare: 0.35,
    deadDimensions: 0,
    numClasses: 10,
    meanPositive: 0.6,
    meanNegative: 1.45,
    gap: 0.85,
    violationFraction: 0.1,
    margin: 0.2,
    ...overrides,
  };
}
