/**
 * One Adam step on `size` float32 values, in tfjs's order of float32 operations, so that the
 * result is tfjs's bit for bit:
 * `m' = m·β1 + g·(1 − β1)`, `v' = v·β2 + g²·(1 − β2)`,
 * `w' = (m' / c1) / (√(v' / c2) + ε) · (−lr) + w`, with c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ.
 * Reads w, m, v and g, writes `wOut`, `mOut` and `vOut` (all heap offsets of `size` values): one
 * pass instead of the eleven tfjs kernels (and their intermediates) per variable.
 */
export function adamStep(
  w: usize,
  m: usize,
  v: usize,
  g: usize,
  wOut: usize,
  mOut: usize,
  vOut: usize,
  size: i32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  c1: f32,
  c2: f32,
  epsilon: f32,
  negLr: f32,
): void {
  const b1 = f32x4.splat(beta1),
    nb1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2),
    nb2 = f32x4.splat(oneMinusBeta2);
  const vc1 = f32x4.splat(c1),
    vc2 = f32x4.splat(c2),
    eps = f32x4.splat(epsilon),
    lr = f32x4.splat(negLr);
  const bytes = (<usize>size) << 2;
  const vectorBytes = bytes & ~(<usize>15);
  let i: usize = 0;
  for (; i < vectorBytes; i += 16) {
    const gi = v128.load(g + i);
    const mi = f32x4.add(f32x4.mul(v128.load(m + i), b1), f32x4.mul(gi, nb1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + i), b2), f32x4.mul(f32x4.mul(gi, gi), nb2));
    v128.store(mOut + i, mi);
    v128.store(vOut + i, vi);
    const step = f32x4.div(f32x4.div(mi, vc1), f32x4.add(f32x4.sqrt(f32x4.div(vi, vc2)), eps));
    v128.store(wOut + i, f32x4.add(f32x4.mul(step, lr), v128.load(w + i)));
  }
  for (; i < bytes; i += 4) {
    const gi = load<f32>(g + i);
    const mi = load<f32>(m + i) * beta1 + gi * oneMinusBeta1;
    const vi = load<f32>(v + i) * beta2 + gi * gi * oneMinusBeta2;
    store<f32>(mOut + i, mi);
    store<f32>(vOut + i, vi);
    store<f32>(wOut + i, (mi / c1 / (sqrt<f32>(vi / c2) + epsilon)) * negLr + load<f32>(w + i));
  }
}
