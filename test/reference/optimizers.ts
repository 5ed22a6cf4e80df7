/**
 * Plain-loop reference optimizers in doubles, independent of tfjs: torch's update formulas
 * (torch.optim.Adam / AdamW, SGD with momentum and Nesterov), with decoupled weight decay
 * w <- w (1 - lr wd) applied first, to kernels only.
 */

/** One variable: flat values, and whether it is a kernel (decayed) or a bias. */
export interface RefParam {
  values: number[];
  kernel: boolean;
}

export interface RefAdam {
  kind: 'adam';
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  t: number;
  m: number[][];
  v: number[][];
}

export interface RefSgd {
  kind: 'sgd';
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  buf: number[][] | null;
}

export function refAdam(
  params: RefParam[],
  beta1: number,
  beta2: number,
  epsilon: number,
  weightDecay: number,
): RefAdam {
  const zeros = () => params.map((p) => p.values.map(() => 0));
  return { kind: 'adam', beta1, beta2, epsilon, weightDecay, t: 0, m: zeros(), v: zeros() };
}

export function refSgd(momentum: number, nesterov: boolean, weightDecay: number): RefSgd {
  return { kind: 'sgd', momentum, nesterov, weightDecay, buf: null };
}

/** Applies one step in place: params[i].values updated with grads[i] at learning rate lr. */
export function refStep(opt: RefAdam | RefSgd, params: RefParam[], grads: number[][], lr: number): void {
  params.forEach((p) => {
    if (p.kernel && opt.weightDecay !== 0) p.values = p.values.map((w) => w * (1 - lr * opt.weightDecay));
  });
  if (opt.kind === 'adam') {
    opt.t += 1;
    const c1 = 1 - opt.beta1 ** opt.t;
    const c2 = 1 - opt.beta2 ** opt.t;
    params.forEach((p, i) => {
      p.values = p.values.map((w, k) => {
        const g = grads[i][k];
        opt.m[i][k] = opt.beta1 * opt.m[i][k] + (1 - opt.beta1) * g;
        opt.v[i][k] = opt.beta2 * opt.v[i][k] + (1 - opt.beta2) * g * g;
        return w - (lr * (opt.m[i][k] / c1)) / (Math.sqrt(opt.v[i][k] / c2) + opt.epsilon);
      });
    });
    return;
  }
  if (opt.momentum === 0) {
    params.forEach((p, i) => (p.values = p.values.map((w, k) => w - lr * grads[i][k])));
    return;
  }
  // torch: the buffer starts as the first gradient, which equals momentum * 0 + g.
  const buf = opt.buf ?? params.map((p) => p.values.map(() => 0));
  opt.buf = buf;
  params.forEach((p, i) => {
    p.values = p.values.map((w, k) => {
      const g = grads[i][k];
      buf[i][k] = opt.momentum * buf[i][k] + g;
      return w - lr * (opt.nesterov ? g + opt.momentum * buf[i][k] : buf[i][k]);
    });
  });
}
