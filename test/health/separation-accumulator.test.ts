import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../src/random.js';
import { SeparationAccumulator } from '../../src/health/separation-accumulator.js';

/** Every triplet (a, p, n) enumerated: the reference the accumulator's sorted counting must equal. */
function bruteForce(d: Float32Array, labels: Int32Array, margin: number, sign: number) {
  const n = labels.length;
  let triplets = 0;
  let violations = 0;
  // Each row's triplets and violations in any role (anchor, positive, negative).
  const rowTriplets = new Float64Array(n);
  const rowViolations = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let q = 0; q < n; q++) {
        if (labels[q] === labels[a]) continue;
        triplets++;
        const violated = sign * d[a * n + q] < sign * d[a * n + p] + margin;
        if (violated) violations++;
        for (const row of [a, p, q]) {
          rowTriplets[row]++;
          if (violated) rowViolations[row]++;
        }
      }
    }
  }
  return { triplets, violations, rowTriplets, rowViolations };
}

describe('SeparationAccumulator', () => {
  it('counts triplets and violations exactly as enumerating them, block by block, for distances and similarities', () => {
    const rng = new Random(3);
    const n = 40;
    const labels = Int32Array.from({ length: n }, () => rng.int(4));
    // Values on a coarse grid, so that ties with the margin occur.
    const d = Float32Array.from({ length: n * n }, () => rng.int(20) / 10);
    for (const inverted of [false, true]) {
      const acc = new SeparationAccumulator(labels, inverted, 0.2);
      for (let start = 0; start < n; start += 7) {
        const rows = Math.min(7, n - start);
        acc.addRows(d.subarray(start * n, (start + rows) * n), start, rows);
      }
      const expected = bruteForce(d, labels, 0.2, inverted ? -1 : 1);
      const result = acc.result();
      assert.equal(result.numTriplets, expected.triplets);
      assert.equal(result.numViolations, expected.violations);
      assert.equal(result.violationFraction, expected.violations / expected.triplets);
    }
  });

  it("with rowTerms, gives each row's triplets and violations in every role and its own pair sums, as enumerating them", () => {
    const rng = new Random(8);
    const n = 30;
    const labels = Int32Array.from({ length: n }, () => rng.int(3));
    const d = Float32Array.from({ length: n * n }, () => rng.int(20) / 10);
    for (const inverted of [false, true]) {
      const acc = new SeparationAccumulator(labels, inverted, 0.2, true);
      for (let start = 0; start < n; start += 9) {
        const rows = Math.min(9, n - start);
        acc.addRows(d.subarray(start * n, (start + rows) * n), start, rows);
      }
      const expected = bruteForce(d, labels, 0.2, inverted ? -1 : 1);
      const terms = acc.rowTerms()!;
      assert.deepEqual(Array.from(terms.triplets), Array.from(expected.rowTriplets));
      assert.deepEqual(Array.from(terms.violations), Array.from(expected.rowViolations));
      assert.equal(acc.result().numViolations, expected.violations);
      for (let a = 0; a < n; a++) {
        let positive = 0;
        let negative = 0;
        for (let j = 0; j < n; j++) {
          if (j === a) continue;
          if (labels[j] === labels[a]) positive += d[a * n + j];
          else negative += d[a * n + j];
        }
        assert.ok(Math.abs(terms.positiveSum[a] - positive) < 1e-9 && Math.abs(terms.negativeSum[a] - negative) < 1e-9);
        const size = labels.filter((l) => l === labels[a]).length;
        assert.deepEqual([terms.positiveCount[a], terms.negativeCount[a]], [size - 1, n - size]);
      }
    }
    assert.equal(new SeparationAccumulator(labels, false, 0.2).rowTerms(), null);
  });

  it('reports no violation fraction once a distance is NaN or infinite, whichever block holds it', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const labels = Int32Array.from([0, 0, 1, 1]);
      const d = new Float32Array(16).fill(1);
      d[2 * 4 + 3] = bad;
      const acc = new SeparationAccumulator(labels, false, 0.1);
      acc.addRows(d.subarray(0, 8), 0, 2);
      acc.addRows(d.subarray(8, 16), 2, 2);
      assert.ok(Number.isNaN(acc.result().violationFraction), String(bad));
      assert.ok(Number.isNaN(acc.result().numViolations), String(bad));
    }
  });
});
