/**
 * Plain-loop references for the per-step schedules, written from torch 1.13's
 * torch/optim/lr_scheduler.py: the closed forms (`_get_closed_form_lr`) and, as an independent
 * check, the chained forms that torch's `step()` uses (`get_lr`), which multiply the previous lr.
 * Each returns the lr after t = 0..n steps (index t).
 */

/** StepLR closed form: base * gamma ** (t // stepSize). */
export function stepLrClosedForm(base: number, stepSize: number, gamma: number, n: number): number[] {
  const out: number[] = [];
  for (let t = 0; t <= n; t++) out.push(base * gamma ** Math.floor(t / stepSize));
  return out;
}

/** StepLR as torch's step() computes it: the previous lr times gamma when t is a multiple of stepSize. */
export function stepLrChained(base: number, stepSize: number, gamma: number, n: number): number[] {
  const out = [base];
  for (let t = 1; t <= n; t++) out.push(t % stepSize === 0 ? out[t - 1] * gamma : out[t - 1]);
  return out;
}

/** CosineAnnealingLR closed form: etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2. */
export function cosineClosedForm(base: number, tMax: number, etaMin: number, n: number): number[] {
  const out: number[] = [];
  for (let t = 0; t <= n; t++) out.push(etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2);
  return out;
}

/** CosineAnnealingLR as torch's step() computes it (the recursive form of get_lr). */
export function cosineChained(base: number, tMax: number, etaMin: number, n: number): number[] {
  const out = [base];
  for (let t = 1; t <= n; t++) {
    const prev = out[t - 1];
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      out.push(prev + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    } else {
      out.push(
        ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (prev - etaMin) + etaMin,
      );
    }
  }
  return out;
}

/** LinearLR closed form: base * (start + (end - start) * min(totalIters, t) / totalIters). */
export function linearLrClosedForm(base: number, start: number, end: number, totalIters: number, n: number): number[] {
  const out: number[] = [];
  for (let t = 0; t <= n; t++) out.push(base * (start + ((end - start) * Math.min(totalIters, t)) / totalIters));
  return out;
}

/**
 * SequentialLR([first, second], milestones=[milestone]): `first` for t < milestone, then
 * `second` restarted at its own step 0. Both schedules are given as lr-per-step arrays.
 */
export function sequential(first: number[], second: number[], milestone: number, n: number): number[] {
  const out: number[] = [];
  for (let t = 0; t <= n; t++) out.push(t < milestone ? first[t] : second[t - milestone]);
  return out;
}
