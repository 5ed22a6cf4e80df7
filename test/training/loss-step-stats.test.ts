import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lossStepStats } from '../../src/training/loss-step-stats.js';

describe('lossStepStats', () => {
  it('triplet losses: triplets, the active share over them, the mean distances', () => {
    assert.deepEqual(lossStepStats({ numTriplets: 40, numNonZero: 10, meanAP: 0.3, meanAN: 0.9, meanViolation: 0 }), {
      numTriplets: 40,
      activeFraction: 0.25,
      meanAP: 0.3,
      meanAN: 0.9,
    });
    assert.equal(lossStepStats({ numTriplets: 0, numNonZero: 0, meanAP: NaN, meanAN: NaN }).activeFraction, 0);
  });

  it('MarginLoss: two terms per triplet, so the active share stays in [0, 1]', () => {
    const s = lossStepStats({ numTriplets: 10, numNonZeroPos: 10, numNonZeroNeg: 5 });
    assert.equal(s.numTriplets, 10);
    assert.equal(s.activeFraction, 15 / 20);
  });

  it('pair losses count pairs; ContrastiveLoss its active ones; others no share', () => {
    assert.deepEqual(lossStepStats({ numPosPairs: 10, numNegPairs: 30, numNonZeroPos: 5, numNonZeroNeg: 15 }), {
      numTriplets: 40,
      activeFraction: 0.5,
      meanAP: NaN,
      meanAN: NaN,
    });
    const ms = lossStepStats({ numPosPairs: 10, numNegPairs: 30 });
    assert.equal(ms.numTriplets, 40);
    assert.ok(Number.isNaN(ms.activeFraction));
  });

  it('classification losses report no tuples: NaN, not 0 (which would read as a batch without triplets)', () => {
    const s = lossStepStats({ avgAngle: 80 });
    assert.ok(Number.isNaN(s.numTriplets) && Number.isNaN(s.activeFraction));
    assert.equal(lossStepStats({ numPosProxies: 8 }).numTriplets, 8);
  });
});
