import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveRank } from '../../src/health/index.js';
import { rankMe } from '../reference/health.js';

describe('effectiveRank (RankMe)', () => {
  it('follows the published formula exp(-sum p log p), p = sigma / sum sigma + 1e-7', () => {
    for (const sv of [
      [1, 1, 1, 1],
      [5, 0, 0],
      [3, 2, 1, 0.5, 0.01],
      Array.from({ length: 64 }, (_, k) => 1 / (k + 1)),
    ]) {
      const got = effectiveRank(sv);
      const want = rankMe(sv);
      assert.ok(Math.abs(got - want) <= 1e-12 * want, `${sv.slice(0, 5)}: ${got} != ${want}`);
    }
    assert.ok(Math.abs(effectiveRank([1, 1, 1, 1]) - 4) < 1e-5, 'equal values: the count');
    assert.ok(Math.abs(effectiveRank([5, 0, 0]) - 1) < 1e-5, 'one value: 1');
  });

  it('is 0 for a zero matrix, and rejects negative or non-finite values', () => {
    assert.equal(effectiveRank([0, 0, 0]), 0);
    assert.throws(
      () => effectiveRank([1, -0.5]),
      /`singularValues` must hold finite numbers >= 0\. Received: singularValues\[1\]=-0\.5/,
    );
    assert.throws(() => effectiveRank([1, NaN]), /singularValues\[1\]=NaN/);
  });
});
