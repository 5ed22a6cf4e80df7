// deepmetric's SIMD kernels, in AssemblyScript. They run in place on tfjs-backend-wasm's own
// memory (imported, never allocated from or written outside the given tensors), so the
// arguments are byte offsets of tensors on that heap. No static data, no runtime: a data
// segment would overwrite tfjs's heap when the module is instantiated.

export { adamStep } from "./adam-step";
export { transposedProduct } from "./transposed-product";
export { winogradInputTiles, winogradSums, winogradTiles, winogradUntiles } from "./winograd";

/**
 * `out[s] = Σ_r x[r, s]` for x `[rows, size]` float32, accumulated in float64 in row order (as
 * the cpu backend does), rounded once to float32.
 */
export function sumRows(x: usize, out: usize, rows: i32, size: i32): void {
  const stride = (<usize>size) << 2;
  let s = 0;
  // 16 columns per pass (eight f64x2 accumulators): one pass reads whole 64-byte lines.
  for (; s + 16 <= size; s += 16) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let a4 = f64x2.splat(0), a5 = f64x2.splat(0), a6 = f64x2.splat(0), a7 = f64x2.splat(0);
    let p = x + ((<usize>s) << 2);
    for (let r = 0; r < rows; r++, p += stride) {
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const v2 = v128.load(p, 32);
      const v3 = v128.load(p, 48);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(i32x4.shuffle(v0, v0, 2, 3, 0, 1)));
      a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1));
      a3 = f64x2.add(a3, f64x2.promote_low_f32x4(i32x4.shuffle(v1, v1, 2, 3, 0, 1)));
      a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2));
      a5 = f64x2.add(a5, f64x2.promote_low_f32x4(i32x4.shuffle(v2, v2, 2, 3, 0, 1)));
      a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3));
      a7 = f64x2.add(a7, f64x2.promote_low_f32x4(i32x4.shuffle(v3, v3, 2, 3, 0, 1)));
    }
    const o = out + ((<usize>s) << 2);
    v128.store(o, narrow(a0, a1));
    v128.store(o, narrow(a2, a3), 16);
    v128.store(o, narrow(a4, a5), 32);
    v128.store(o, narrow(a6, a7), 48);
  }
  for (; s + 4 <= size; s += 4) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
    let p = x + ((<usize>s) << 2);
    for (let r = 0; r < rows; r++, p += stride) {
      const v0 = v128.load(p);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(i32x4.shuffle(v0, v0, 2, 3, 0, 1)));
    }
    v128.store(out + ((<usize>s) << 2), narrow(a0, a1));
  }
  for (; s < size; s++) {
    let a: f64 = 0;
    let p = x + ((<usize>s) << 2);
    for (let r = 0; r < rows; r++, p += stride) a += <f64>load<f32>(p);
    store<f32>(out + ((<usize>s) << 2), <f32>a);
  }
}

/** Four float32 lanes from two f64x2 sums, each rounded to nearest as a Float32Array store does. */
// @ts-ignore: decorator
@inline function narrow(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * The gradient of a 2 x 2, stride 2, unpadded max pool over NHWC x, four channels at a time.
 * Each window's first maximum in row-major order (strict `>`, so NaN never wins and an all
 * NaN / -Inf window has none) gets the window's dy; every other dx is +0. Windows do not
 * overlap, so each dx is written once; rows and columns no window covers (odd sizes) are zeroed.
 */
export function maxPoolGrad2x2(
  x: usize, dy: usize, dx: usize,
  batch: i32, inH: i32, inW: i32, channels: i32, outH: i32, outW: i32,
): void {
  const pixel = (<usize>channels) << 2;
  const rowStep = <usize>inW * pixel;
  if (2 * outH != inH || 2 * outW != inW) memory.fill(dx, 0, <usize>batch * <usize>inH * rowStep);
  const vectorBytes = pixel & ~(<usize>15);
  const none = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
  let g = dy;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outH; i++) {
      const rowOffset = (<usize>(b * inH + 2 * i)) * rowStep;
      let a = x + rowOffset;
      let o = dx + rowOffset;
      for (let j = 0; j < outW; j++, a += 2 * pixel, o += 2 * pixel, g += pixel) {
        let k: usize = 0;
        for (; k < vectorBytes; k += 16) {
          const va = v128.load(a + k);
          const vb = v128.load(a + pixel + k);
          const vd = v128.load(a + rowStep + k);
          const ve = v128.load(a + rowStep + pixel + k);
          const ga = f32x4.gt(va, none);
          let best = v128.bitselect(va, none, ga);
          const gb = f32x4.gt(vb, best);
          best = v128.bitselect(vb, best, gb);
          const gd = f32x4.gt(vd, best);
          best = v128.bitselect(vd, best, gd);
          const ge = f32x4.gt(ve, best);
          // 0 + dy, as a zeroed dx accumulating dy gives: -0 becomes +0.
          const grad = f32x4.add(v128.load(g + k), zero);
          let later = ge;
          v128.store(o + rowStep + pixel + k, v128.and(grad, ge));
          v128.store(o + rowStep + k, v128.and(grad, v128.andnot(gd, later)));
          later = v128.or(later, gd);
          v128.store(o + pixel + k, v128.and(grad, v128.andnot(gb, later)));
          later = v128.or(later, gb);
          v128.store(o + k, v128.and(grad, v128.andnot(ga, later)));
        }
        for (; k < pixel; k += 4) {
          const va = load<f32>(a + k);
          const vb = load<f32>(a + pixel + k);
          const vd = load<f32>(a + rowStep + k);
          const ve = load<f32>(a + rowStep + pixel + k);
          let best: f32 = -Infinity;
          let where: i32 = -1;
          if (va > best) { best = va; where = 0; }
          if (vb > best) { best = vb; where = 1; }
          if (vd > best) { best = vd; where = 2; }
          if (ve > best) where = 3;
          const grad: f32 = load<f32>(g + k) + 0;
          store<f32>(o + k, where == 0 ? grad : 0);
          store<f32>(o + pixel + k, where == 1 ? grad : 0);
          store<f32>(o + rowStep + k, where == 2 ? grad : 0);
          store<f32>(o + rowStep + pixel + k, where == 3 ? grad : 0);
        }
      }
    }
  }
}

/**
 * im2col, transposed: row `(r·fW + q)·C + c` of patches holds, for every output pixel
 * `(b, i, j)` in order, `x[b, i·sH + r − padTop, j·sW + q − padLeft, c]`, 0 outside x.
 */
export function fillPatchRows(
  x: usize, patches: usize,
  batch: i32, inH: i32, inW: i32, channels: i32, outH: i32, outW: i32,
  strideH: i32, strideW: i32, filterH: i32, filterW: i32, padTop: i32, padLeft: i32,
): void {
  let at = patches;
  const pixel = (<usize>channels) << 2;
  for (let r = 0; r < filterH; r++) {
    for (let q = 0; q < filterW; q++) {
      // The output columns whose input column j·sW + q − padLeft lies inside x.
      const jStart = min(outW, ceilDiv(padLeft - q, strideW));
      const jEnd = max(jStart, min(outW, ceilDiv(inW + padLeft - q, strideW)));
      const count = jEnd - jStart;
      for (let c = 0; c < channels; c++) {
        for (let b = 0; b < batch; b++) {
          for (let i = 0; i < outH; i++) {
            const row = i * strideH + r - padTop;
            if (row < 0 || row >= inH) {
              zeros(at, outW);
              at += (<usize>outW) << 2;
              continue;
            }
            zeros(at, jStart);
            const first = jStart * strideW + q - padLeft;
            let src = x + (<usize>(b * inH + row) * <usize>inW + <usize>first) * pixel + ((<usize>c) << 2);
            let dst = at + ((<usize>jStart) << 2);
            if (channels == 1 && strideW == 1) {
              let n = count;
              for (; n >= 4; n -= 4, src += 16, dst += 16) v128.store(dst, v128.load(src));
              for (; n > 0; n--, src += 4, dst += 4) store<f32>(dst, load<f32>(src));
            } else {
              const step = <usize>strideW * pixel;
              for (let n = count; n > 0; n--, src += step, dst += 4) store<f32>(dst, load<f32>(src));
            }
            zeros(dst, outW - jEnd);
            at += (<usize>outW) << 2;
          }
        }
      }
    }
  }
}

/** The smallest j >= 0 with j·s >= n. */
// @ts-ignore: decorator
@inline function ceilDiv(n: i32, s: i32): i32 {
  return n <= 0 ? 0 : (n + s - 1) / s;
}

// @ts-ignore: decorator
@inline function zeros(at: usize, n: i32): void {
  for (; n > 0; n--, at += 4) store<f32>(at, 0);
}
