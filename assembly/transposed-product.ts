/**
 * `out = aᵀ · b`, or `out += aᵀ · b` with `accumulate`: `out[i, k] = Σ_t a[t, i] · b[t, k]` for
 * row-major a `[rows, m]`, b `[rows, n]` and out `[m, n]`; n is a multiple of 4.
 *
 * For products whose inner size dwarfs the outer ones (the Winograd filter gradient's, summed
 * over every tile of the batch), which XNNPACK ran at a third of this speed: each 4 x 8 block of
 * out stays in registers for the whole sum. Eight accumulators and their operands fit the 16
 * SIMD registers V8 uses on x64; 4 x 12 or 4 x 16 blocks spill and run slower.
 */
export function transposedProduct(a: usize, b: usize, out: usize, rows: i32, m: i32, n: i32, accumulate: i32): void {
  const aStep = (<usize>m) << 2;
  const aLane: usize = 4;
  const bRow = (<usize>n) << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const o = out + (<usize>i) * bRow;
    const aAt = a + (<usize>i) * aLane;
    let k = 0;
    for (; k + 8 <= n; k += 8) block4x8(aAt, aStep, aLane, b + ((<usize>k) << 2), bRow, o + ((<usize>k) << 2), rows, accumulate);
    for (; k < n; k += 4) block4x4(aAt, aStep, aLane, b + ((<usize>k) << 2), bRow, o + ((<usize>k) << 2), rows, accumulate);
  }
  for (; i < m; i++) {
    const o = out + (<usize>i) * bRow;
    for (let k = 0; k < n; k += 4) block1x4(a + (<usize>i) * aLane, aStep, b + ((<usize>k) << 2), bRow, o + ((<usize>k) << 2), rows, accumulate);
  }
}

// @ts-ignore: decorator
@inline function block4x8(a: usize, aStep: usize, aLane: usize, b: usize, bRow: usize, o: usize, rows: i32, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (accumulate) {
    c00 = v128.load(o); c01 = v128.load(o, 16);
    c10 = v128.load(o + bRow); c11 = v128.load(o + bRow, 16);
    c20 = v128.load(o + 2 * bRow); c21 = v128.load(o + 2 * bRow, 16);
    c30 = v128.load(o + 3 * bRow); c31 = v128.load(o + 3 * bRow, 16);
  }
  for (let t = 0; t < rows; t++, a += aStep, b += bRow) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a + aLane);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a + 2 * aLane);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a + 3 * aLane);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
  }
  v128.store(o, c00); v128.store(o, c01, 16);
  v128.store(o + bRow, c10); v128.store(o + bRow, c11, 16);
  v128.store(o + 2 * bRow, c20); v128.store(o + 2 * bRow, c21, 16);
  v128.store(o + 3 * bRow, c30); v128.store(o + 3 * bRow, c31, 16);
}

// @ts-ignore: decorator
@inline function block4x4(a: usize, aStep: usize, aLane: usize, b: usize, bRow: usize, o: usize, rows: i32, accumulate: i32): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  if (accumulate) {
    c0 = v128.load(o); c1 = v128.load(o + bRow); c2 = v128.load(o + 2 * bRow); c3 = v128.load(o + 3 * bRow);
  }
  for (let t = 0; t < rows; t++, a += aStep, b += bRow) {
    const b0 = v128.load(b);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a + aLane), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a + 2 * aLane), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a + 3 * aLane), b0));
  }
  v128.store(o, c0); v128.store(o + bRow, c1); v128.store(o + 2 * bRow, c2); v128.store(o + 3 * bRow, c3);
}

// @ts-ignore: decorator
@inline function block1x4(a: usize, aStep: usize, b: usize, bRow: usize, o: usize, rows: i32, accumulate: i32): void {
  let c = accumulate ? v128.load(o) : f32x4.splat(0);
  for (let t = 0; t < rows; t++, a += aStep, b += bRow) c = f32x4.add(c, f32x4.mul(v128.load32_splat(a), v128.load(b)));
  v128.store(o, c);
}
