/** An IEEE 754 half (1 sign, 5 exponent, 10 fraction bits) as a number: subnormals, infinities and NaN included. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const widen = new Float32Array(1);
const widenBits = new Uint32Array(widen.buffer);

/** A bfloat16 (torch's `bfloat16`: the top 16 bits of a float32) as a number. */
export function bfloat16ToFloat(b: number): number {
  widenBits[0] = b << 16;
  return widen[0];
}
