/**
 * The natural logarithm and exponential with the same bits in every JavaScript engine. `Math.log`
 * and `Math.exp` are only specified to be close: Node 20's V8 and Chromium 156's differ by an ulp
 * on about 8% of inputs, so a health number computed with them in a page would not equal the
 * CLI's to the last digit. These follow fdlibm's e_log.c and e_exp.c (error < 1 ulp) with IEEE
 * additions and multiplications only, which every engine rounds alike.
 */

const words = new Float64Array(1);
const halves = new Int32Array(words.buffer);
/** Index of the high 32 bits of a double in `halves` (the machine's byte order). */
const HI = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0;

function highWord(x: number): number {
  words[0] = x;
  return halves[HI];
}

function withHighWord(x: number, high: number): number {
  words[0] = x;
  halves[HI] = high;
  return words[0];
}

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const TWO54 = 1.8014398509481984e16;
const LG1 = 6.66666666666673513e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

/**
 * ln(x), as fdlibm computes it: x = 2^k (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2), and
 * log(1 + f) from a minimax polynomial in s = f / (2 + f).
 *
 * @example
 * portableLog(Math.E); // 1
 */
export function portableLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let hx = highWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    // Subnormal: scale into the normal range first.
    k -= 54;
    x *= TWO54;
    hx = highWord(x);
  }
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  // x or x / 2, whichever lies in [sqrt(2)/2, sqrt(2)).
  x = withHighWord(x, hx | (i ^ 0x3ff00000));
  k += i >> 20;
  const f = x - 1;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const r = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - r : dk * LN2_HI - (r - dk * LN2_LO - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : dk * LN2_HI - (hfsq - (s * (hfsq + r) + dk * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - r) : dk * LN2_HI - (s * (f - r) - dk * LN2_LO - f);
}

const O_THRESHOLD = 7.09782712893383973096e2;
const U_THRESHOLD = -7.4513321910194110842e2;
const INV_LN2 = 1.442695040888963387;
const TWOM1000 = 9.3326361850321887899e-302;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.6533902205465251539e-6;
const P5 = 4.13813679705723846039e-8;

/**
 * e^x, as fdlibm computes it: x = k ln2 + r with |r| <= ln2 / 2, e^r from a rational
 * approximation, then scaled by 2^k.
 *
 * @example
 * portableExp(1); // Math.E
 */
export function portableExp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const hx = highWord(x) & 0x7fffffff;
  const negative = x < 0;
  if (hx >= 0x40862e42) {
    // |x| >= 709.78: overflow, underflow or infinite.
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0;
  }
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx > 0x3fd62e42) {
    // |x| > ln2 / 2
    if (hx < 0x3ff0a2b2) {
      // |x| < 1.5 ln2
      hi = negative ? x + LN2_HI : x - LN2_HI;
      lo = negative ? -LN2_LO : LN2_LO;
      k = negative ? -1 : 1;
    } else {
      k = Math.trunc(INV_LN2 * x + (negative ? -0.5 : 0.5));
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2^-28
    return 1 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2) - x);
  const y = 1 - (lo - (x * c) / (2 - c) - hi);
  if (k >= -1021) return withHighWord(y, highWord(y) + (k << 20));
  return withHighWord(y, highWord(y) + ((k + 1000) << 20)) * TWOM1000;
}
