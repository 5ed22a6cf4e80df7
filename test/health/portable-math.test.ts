import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { portableExp, portableLog } from '../../src/linalg/index.js';
import { Random } from '../../src/random.js';

const bits = new Float64Array(1);
const ints = new BigInt64Array(bits.buffer);
/** Distance in units in the last place between two finite doubles of one sign. */
function ulps(a: number, b: number): number {
  if (a === b) return 0;
  bits[0] = a;
  const x = ints[0];
  bits[0] = b;
  const y = ints[0];
  return Number(x > y ? x - y : y - x);
}

describe('portableLog and portableExp (fdlibm, the same bits in every engine)', () => {
  it('are within 1 ulp of Math.log and Math.exp over the whole range, subnormals included', () => {
    const rng = new Random(3);
    let worstLog = 0;
    let worstExp = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = 2 ** ((rng.float() - 0.5) * 2140) * (1 + rng.float());
      worstLog = Math.max(worstLog, ulps(portableLog(x), Math.log(x)));
      const y = (rng.float() - 0.5) * 1480;
      worstExp = Math.max(worstExp, ulps(portableExp(y), Math.exp(y)));
    }
    assert.ok(worstLog <= 1, `log: ${worstLog} ulps`);
    assert.ok(worstExp <= 1, `exp: ${worstExp} ulps`);
  });

  it('near 1 and 0, where the polynomial branches change, and at the edges', () => {
    for (const x of [
      1 + 2 ** -52,
      1 - 2 ** -53,
      1 + 1e-7,
      1 - 1e-7,
      Math.SQRT2,
      Math.SQRT1_2,
      2 ** -1074,
      2 ** -1022,
      Number.MAX_VALUE,
    ]) {
      assert.ok(ulps(portableLog(x), Math.log(x)) <= 1, `log(${x})`);
    }
    for (const x of [2 ** -30, -(2 ** -30), 0.34657359, 1.0397, -1.0397, 709.78, -745.1, -708.5]) {
      assert.ok(ulps(portableExp(x), Math.exp(x)) <= 1, `exp(${x})`);
    }
    assert.deepEqual([0, -0, -1, NaN, Infinity, 1].map(portableLog), [-Infinity, -Infinity, NaN, NaN, Infinity, 0]);
    assert.deepEqual([0, NaN, Infinity, -Infinity, 710, -746].map(portableExp), [1, NaN, Infinity, 0, Infinity, 0]);
  });
});
