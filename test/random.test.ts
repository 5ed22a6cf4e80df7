import assert from 'node:assert/strict';
import { it, describe } from 'node:test';
import { Random } from '../src/random.js';

describe('Random', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const xs = Array.from({ length: 20 }, () => a.nextUint32());
    assert.deepEqual(
      xs,
      Array.from({ length: 20 }, () => b.nextUint32()),
    );
    assert.notDeepEqual(
      xs,
      Array.from({ length: 20 }, () => c.nextUint32()),
    );
  });

  it('resumes exactly from a saved state', () => {
    const a = new Random(3);
    for (let i = 0; i < 5; i++) a.float();
    const b = Random.fromState(a.state());
    assert.deepEqual(
      Array.from({ length: 10 }, () => a.int(1000)),
      Array.from({ length: 10 }, () => b.int(1000)),
    );
  });

  it('continues in place from a saved state, and rejects a malformed one', () => {
    const a = new Random(4);
    const saved = a.state();
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    a.setState(saved);
    assert.deepEqual(
      Array.from({ length: 5 }, () => a.nextUint32()),
      first,
    );
    assert.throws(
      () => a.setState([1, 2, 3] as unknown as [number, number, number, number]),
      /four unsigned 32-bit integers/,
    );
  });

  it('draws uniformly: chi-square over 10 bins, and floats in [0, 1)', () => {
    const r = new Random(11);
    const counts = new Array(10).fill(0);
    const n = 100000;
    for (let i = 0; i < n; i++) counts[r.int(10)]++;
    const chi2 = counts.reduce((s, k) => s + (k - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi2 < 27.9, `chi2 ${chi2} (p=0.001 critical value for 9 dof is 27.9)`);
    for (let i = 0; i < 1000; i++) {
      const f = r.float();
      assert.ok(f >= 0 && f < 1);
    }
  });

  it('draws standard normals: mean ~0, variance ~1', () => {
    const r = new Random(5);
    const xs = Array.from({ length: 50000 }, () => r.normal());
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
    assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.03, `variance ${variance}`);
  });

  it('shuffles into a permutation', () => {
    const a = new Random(1).shuffle(Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.notDeepEqual(
      a,
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('rejects a non-integer seed', () => {
    assert.throws(() => new Random(1.5), /`seed` must be an integer/);
  });
});
