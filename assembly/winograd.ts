import { transposedProduct } from "./transposed-product";

// The tile transforms of a Winograd convolution with 6 x 6 tiles at the points 0, ±1, ±2 and
// infinity (F(2, 5) and F(4, 3), and for filter gradients F(5, 2) and F(3, 4)), four channels at
// a time. Bᵀ and Aᵀ are the same for all of them and are written out below;
// src/backend/kernels/winograd-matrices.ts derives them. The products between the transforms are
// matrix products the caller runs in XNNPACK; see src/backend/kernels/winograd.ts.

/** The side of a transformed tile. */
const N = 6;
/** Bytes between rows of the 6 x 6 scratch tile (six v128). */
const ROW = 96;

/**
 * For each image b and tile (th, tw) of a `tilesH x tilesW` grid, the 6 x 6 window d of NHWC
 * `x` at rows `th·step − padTop`, columns `tw·step − padLeft` (0 outside x) becomes `Bᵀ d B`.
 * Element (a, e) of the tile numbered `(b·tilesH + th)·tilesW + tw` is written to the tensor at
 * heap offset `outs[a·6 + e]` (36 int32 offsets), at that tile's row of a `[tiles, channels]`
 * matrix. `channels` is a multiple of 4; `scratch` is 576 bytes the kernel may overwrite.
 */
export function winogradInputTiles(
  x: usize, batch: i32, inH: i32, inW: i32, channels: i32,
  tilesH: i32, tilesW: i32, step: i32, padTop: i32, padLeft: i32,
  outs: usize, scratch: usize,
): void {
  const pixel = (<usize>channels) << 2;
  const rowStep = <usize>inW * pixel;
  const zero = f32x4.splat(0);
  let tile: usize = 0;
  for (let b = 0; b < batch; b++) {
    for (let th = 0; th < tilesH; th++) {
      const top = th * step - padTop;
      for (let tw = 0; tw < tilesW; tw++, tile++) {
        const left = tw * step - padLeft;
        for (let c = 0; c < channels; c += 4) {
          // Stage 1, column by column: scratch[·][q] = Bᵀ d[·][q].
          for (let q = 0; q < N; q++) {
            let d0 = zero, d1 = zero, d2 = zero, d3 = zero, d4 = zero, d5 = zero;
            const col = left + q;
            if (<u32>col < <u32>inW) {
              // Wraps below row 0 in 32-bit arithmetic; only rows inside x are read.
              const at = x + (<usize>(b * inH + top) * <usize>inW + <usize>col) * pixel + ((<usize>c) << 2);
              if (<u32>top < <u32>inH) d0 = v128.load(at);
              if (<u32>(top + 1) < <u32>inH) d1 = v128.load(at + rowStep);
              if (<u32>(top + 2) < <u32>inH) d2 = v128.load(at + 2 * rowStep);
              if (<u32>(top + 3) < <u32>inH) d3 = v128.load(at + 3 * rowStep);
              if (<u32>(top + 4) < <u32>inH) d4 = v128.load(at + 4 * rowStep);
              if (<u32>(top + 5) < <u32>inH) d5 = v128.load(at + 5 * rowStep);
            }
            inputTransform(d0, d1, d2, d3, d4, d5, scratch + ((<usize>q) << 4), ROW);
          }
          // Stage 2, row by row: tile[a][·] = (scratch[a][·]) B, staged in scratch row a.
          for (let a = 0; a < N; a++) {
            const s = scratch + (<usize>a) * ROW;
            inputTransform(v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), v128.load(s, 64), v128.load(s, 80), s, 16);
            for (let e = 0; e < N; e++) {
              const out = <usize>load<i32>(outs + ((<usize>(a * N + e)) << 2));
              v128.store(out + tile * pixel + ((<usize>c) << 2), v128.load(s + ((<usize>e) << 4)));
            }
          }
        }
      }
    }
  }
}

/**
 * The same tiling as `winogradInputTiles` for a `size x size` window (size <= 6) and any 6 x size
 * transform M (6 x 6 float32 row-major at `matrix`, columns from `size` on unused): each window d
 * becomes `M d Mᵀ`, stored as `[tiles, channels]` matrices. For filters and for the dy tiles of a
 * filter gradient, where G has as many columns as the tile has taps.
 */
export function winogradTiles(
  x: usize, batch: i32, inH: i32, inW: i32, channels: i32,
  tilesH: i32, tilesW: i32, step: i32, size: i32,
  matrix: usize, outs: usize, scratch: usize,
): void {
  const pixel = (<usize>channels) << 2;
  const rowStep = <usize>inW * pixel;
  let tile: usize = 0;
  for (let b = 0; b < batch; b++) {
    for (let th = 0; th < tilesH; th++) {
      const top = th * step;
      for (let tw = 0; tw < tilesW; tw++, tile++) {
        const left = tw * step;
        for (let c = 0; c < channels; c += 4) {
          // Stage 1, column by column: scratch[·][q] = M d[·][q], a sum of the window's size rows.
          for (let q = 0; q < size; q++) {
            const at = x + (<usize>(b * inH + top) * <usize>inW + <usize>(left + q)) * pixel + ((<usize>c) << 2);
            let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
            if (left + q < inW) {
              for (let j = 0; j < size && top + j < inH; j++) {
                const d = v128.load(at + (<usize>j) * rowStep);
                const m = matrix + ((<usize>j) << 2);
                s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(m), d));
                s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(m, 24), d));
                s2 = f32x4.add(s2, f32x4.mul(v128.load32_splat(m, 48), d));
                s3 = f32x4.add(s3, f32x4.mul(v128.load32_splat(m, 72), d));
                s4 = f32x4.add(s4, f32x4.mul(v128.load32_splat(m, 96), d));
                s5 = f32x4.add(s5, f32x4.mul(v128.load32_splat(m, 120), d));
              }
            }
            const t = scratch + ((<usize>q) << 4);
            v128.store(t, s0); v128.store(t, s1, ROW); v128.store(t, s2, 2 * ROW);
            v128.store(t, s3, 3 * ROW); v128.store(t, s4, 4 * ROW); v128.store(t, s5, 5 * ROW);
          }
          // Stage 2, row by row: tile[a][·] = M scratch[a][·].
          for (let a = 0; a < N; a++) {
            let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
            for (let q = 0; q < size; q++) {
              const d = v128.load(scratch + (<usize>a) * ROW + ((<usize>q) << 4));
              const m = matrix + ((<usize>q) << 2);
              s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(m), d));
              s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(m, 24), d));
              s2 = f32x4.add(s2, f32x4.mul(v128.load32_splat(m, 48), d));
              s3 = f32x4.add(s3, f32x4.mul(v128.load32_splat(m, 72), d));
              s4 = f32x4.add(s4, f32x4.mul(v128.load32_splat(m, 96), d));
              s5 = f32x4.add(s5, f32x4.mul(v128.load32_splat(m, 120), d));
            }
            const o = outs + ((<usize>(a * N)) << 2);
            const at = tile * pixel + ((<usize>c) << 2);
            v128.store(<usize>load<i32>(o) + at, s0);
            v128.store(<usize>load<i32>(o, 4) + at, s1);
            v128.store(<usize>load<i32>(o, 8) + at, s2);
            v128.store(<usize>load<i32>(o, 12) + at, s3);
            v128.store(<usize>load<i32>(o, 16) + at, s4);
            v128.store(<usize>load<i32>(o, 20) + at, s5);
          }
        }
      }
    }
  }
}

/**
 * Output tiles back to NHWC: each 6 x 6 tile t, read from the 36 `[tiles, channels]` matrices at
 * heap offsets `ins` (element (a, e) from `ins[a·6 + e]`), becomes the `size x size` block
 * `Aᵀ t A` (2 <= size <= 5) of `y` `[batch, outH, outW, channels]` at rows `th·size`, columns
 * `tw·size`; what falls outside y is dropped. Then, as a fused convolution does, the `[channels]`
 * vector at `bias` is added (unless `bias` is 0) and, with `relu`, negatives become 0.
 * `channels` is a multiple of 4; `scratch` is 576 bytes the kernel may overwrite.
 */
export function winogradUntiles(
  ins: usize, y: usize, batch: i32, outH: i32, outW: i32, channels: i32,
  tilesH: i32, tilesW: i32, size: i32, bias: usize, relu: i32, scratch: usize,
): void {
  const pixel = (<usize>channels) << 2;
  const zero = f32x4.splat(0);
  let tile: usize = 0;
  for (let b = 0; b < batch; b++) {
    for (let th = 0; th < tilesH; th++) {
      for (let tw = 0; tw < tilesW; tw++, tile++) {
        const from = tile * pixel;
        for (let c = 0; c < channels; c += 4) {
          const offset = from + ((<usize>c) << 2);
          const shift = bias ? v128.load(bias + ((<usize>c) << 2)) : zero;
          // Stage 1, column by column: scratch[·][e] = Aᵀ t[·][e].
          for (let e = 0; e < N; e++) {
            outputTransform(
              v128.load(<usize>load<i32>(ins + ((<usize>e) << 2)) + offset),
              v128.load(<usize>load<i32>(ins + ((<usize>(N + e)) << 2)) + offset),
              v128.load(<usize>load<i32>(ins + ((<usize>(2 * N + e)) << 2)) + offset),
              v128.load(<usize>load<i32>(ins + ((<usize>(3 * N + e)) << 2)) + offset),
              v128.load(<usize>load<i32>(ins + ((<usize>(4 * N + e)) << 2)) + offset),
              v128.load(<usize>load<i32>(ins + ((<usize>(5 * N + e)) << 2)) + offset),
              size, scratch + ((<usize>e) << 4), ROW,
            );
          }
          // Stage 2, row by row: y[a][·] = scratch[a][·] A.
          for (let a = 0; a < size; a++) {
            const row = th * size + a;
            if (row >= outH) break;
            const s = scratch + (<usize>a) * ROW;
            outputTransform(v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), v128.load(s, 64), v128.load(s, 80), size, s, 16);
            const rowAt = y + (<usize>(b * outH + row) * <usize>outW) * pixel + ((<usize>c) << 2);
            for (let e = 0; e < size; e++) {
              const col = tw * size + e;
              if (col >= outW) break;
              let v = v128.load(s + ((<usize>e) << 4));
              if (bias) v = f32x4.add(v, shift);
              if (relu) v = f32x4.max(v, zero);
              v128.store(rowAt + (<usize>col) * pixel, v);
            }
          }
        }
      }
    }
  }
}

/**
 * `Bᵀ d`, Bᵀ = [[4, 0, −5, 0, 1, 0], [0, 4, 4, −1, −1, 0], [0, −4, 4, 1, −1, 0],
 * [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]], stored at `out + i·stride`.
 */
// @ts-ignore: decorator
@inline function inputTransform(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, out: usize, stride: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const d42 = f32x4.sub(d4, d2);
  const d13 = f32x4.sub(d1, d3);
  v128.store(out, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(out + stride, f32x4.sub(f32x4.mul(four, f32x4.add(d1, d2)), f32x4.add(d3, d4)));
  v128.store(out + 2 * stride, f32x4.add(f32x4.mul(four, f32x4.sub(d2, d1)), f32x4.sub(d3, d4)));
  v128.store(out + 3 * stride, f32x4.sub(d42, f32x4.mul(two, d13)));
  v128.store(out + 4 * stride, f32x4.add(d42, f32x4.mul(two, d13)));
  v128.store(out + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/**
 * The first `size` rows of `Aᵀ t`: row 0 is [1, 1, 1, 1, 1, 0], row i >= 1 is
 * [0, 1, (−1)^i, 2^i, (−2)^i, 0] plus t5 in the last row (the point at infinity); stored at `out + i·stride`.
 */
// @ts-ignore: decorator
@inline function outputTransform(t0: v128, t1: v128, t2: v128, t3: v128, t4: v128, t5: v128, size: i32, out: usize, stride: usize): void {
  const even1 = f32x4.add(t1, t2), odd1 = f32x4.sub(t1, t2);
  const even2 = f32x4.add(t3, t4), odd2 = f32x4.sub(t3, t4);
  const last = (<usize>(size - 1)) * stride;
  v128.store(out, f32x4.add(f32x4.add(t0, even1), even2));
  v128.store(out + stride, f32x4.add(odd1, f32x4.mul(f32x4.splat(2), odd2)));
  if (size > 2) v128.store(out + 2 * stride, f32x4.add(even1, f32x4.mul(f32x4.splat(4), even2)));
  if (size > 3) v128.store(out + 3 * stride, f32x4.add(odd1, f32x4.mul(f32x4.splat(8), odd2)));
  if (size > 4) v128.store(out + 4 * stride, f32x4.add(even1, f32x4.mul(f32x4.splat(16), even2)));
  v128.store(out + last, f32x4.add(v128.load(out + last), t5));
}

/**
 * For each of the 36 tile elements i, `sums[i] = aᵢᵀ · bᵢ`, or `sums[i] += aᵢᵀ · bᵢ` with
 * `accumulate`: `aᵢ` `[rows, m]` and `bᵢ` `[rows, n]` at heap offsets `as[i]` and `bs[i]`, `sums`
 * `[36, m, n]` contiguous; n is a multiple of 4.
 */
export function winogradSums(as: usize, bs: usize, sums: usize, rows: i32, m: i32, n: i32, accumulate: i32): void {
  for (let i = 0; i < N * N; i++) {
    transposedProduct(
      <usize>load<i32>(as + ((<usize>i) << 2)),
      <usize>load<i32>(bs + ((<usize>i) << 2)),
      sums + (<usize>i) * (<usize>(m * n)) * 4, rows, m, n, accumulate,
    );
  }
}
