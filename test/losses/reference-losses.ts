/**
 * Plain-loop references of the losses in doubles, independent of tfjs and of src/: PML's formulas
 * written out per pair, row or proxy, for finite-difference checks of the gradients.
 */
import { dotMatrix, lpMatrix, normalizeRows } from '../reference/distances.js';

export type Rows = number[][];
export type Reduction = 'mean' | 'avgNonZero' | 'sum';
export interface RefDistance {
  kind: 'lp' | 'cosine';
  normalize: boolean;
}

export function refMatrix(x: Rows, d: RefDistance, ref: Rows = x): { mat: Rows; inverted: boolean } {
  if (d.kind === 'cosine') return { mat: dotMatrix(normalizeRows(x), normalizeRows(ref)), inverted: true };
  return { mat: d.normalize ? lpMatrix(normalizeRows(x), normalizeRows(ref)) : lpMatrix(x, ref), inverted: false };
}

export function reduce(values: number[], how: Reduction): number {
  const sum = (v: number[]) => v.reduce((s, t) => s + t, 0);
  if (values.length === 0) return 0;
  if (how === 'sum') return sum(values);
  if (how === 'mean') return sum(values) / values.length;
  const kept = values.filter((v) => v > 0);
  return kept.length === 0 ? 0 : sum(kept) / kept.length;
}

/** Every positive pair (same label, i != j) and negative pair, row-major. */
export function refPairs(labels: number[]): { pos: Array<[number, number]>; neg: Array<[number, number]> } {
  const pos: Array<[number, number]> = [];
  const neg: Array<[number, number]> = [];
  labels.forEach((a, i) => labels.forEach((b, j) => (a !== b ? neg.push([i, j]) : i !== j && pos.push([i, j]))));
  return { pos, neg };
}

const relu = (v: number) => Math.max(v, 0);
const logSumExp = (v: number[]) => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, t) => s + Math.exp(t - m), 0));
};

export function refContrastive(
  x: Rows,
  labels: number[],
  posMargin: number,
  negMargin: number,
  d: RefDistance,
  how: Reduction,
): number {
  const { mat, inverted } = refMatrix(x, d);
  const { pos, neg } = refPairs(labels);
  const margin = (a: number, b: number) => (inverted ? b - a : a - b);
  return (
    reduce(
      pos.map(([i, j]) => relu(margin(mat[i][j], posMargin))),
      how,
    ) +
    reduce(
      neg.map(([i, j]) => relu(margin(negMargin, mat[i][j]))),
      how,
    )
  );
}

export function refMultiSimilarity(
  x: Rows,
  labels: number[],
  alpha: number,
  beta: number,
  base: number,
  d: RefDistance,
  how: Reduction,
): number {
  const { mat, inverted } = refMatrix(x, d);
  const margin = (a: number, b: number) => (inverted ? b - a : a - b);
  const rows = x.map((_, i) => {
    const pos = labels.flatMap((l, j) => (l === labels[i] && j !== i ? [alpha * margin(mat[i][j], base)] : []));
    const neg = labels.flatMap((l, j) => (l !== labels[i] ? [beta * margin(base, mat[i][j])] : []));
    return (pos.length ? logSumExp([...pos, 0]) / alpha : 0) + (neg.length ? logSumExp([...neg, 0]) / beta : 0);
  });
  return reduce(rows, how);
}

export function refNTXent(x: Rows, labels: number[], t: number, d: RefDistance, how: Reduction): number {
  const { mat, inverted } = refMatrix(x, d);
  const s = mat.map((row) => row.map((v) => (inverted ? v : -v) / t));
  const { pos } = refPairs(labels);
  const losses = pos.map(([a, p]) => {
    const negs = labels.flatMap((l, j) => (l !== labels[a] ? [s[a][j]] : []));
    return -(s[a][p] - logSumExp([s[a][p], ...negs]));
  });
  return reduce(losses, how);
}

export function refSupCon(x: Rows, labels: number[], t: number, d: RefDistance, how: Reduction): number {
  const { mat, inverted } = refMatrix(x, d);
  const s = mat.map((row) => row.map((v) => (inverted ? v : -v) / t));
  const rows = x.map((_, i) => {
    const others = labels.flatMap((_l, j) => (j !== i ? [s[i][j]] : []));
    const pos = labels.flatMap((l, j) => (l === labels[i] && j !== i ? [s[i][j]] : []));
    if (pos.length === 0) return 0;
    const denom = logSumExp(others);
    return -pos.reduce((acc, v) => acc + v - denom, 0) / pos.length;
  });
  return reduce(rows, how);
}

/**
 * Circle loss with its weights [1 + m - s]_+ and [s + m]_+ taken from `frozen` (the similarities at
 * the point where the gradient is taken): its derivative is the loss's gradient (PML detaches them).
 */
export function refCircle(x: Rows, labels: number[], m: number, gamma: number, how: Reduction, frozen?: Rows): number {
  const { mat } = refMatrix(x, { kind: 'cosine', normalize: true });
  const w = frozen ?? mat;
  const rows = x.map((_, i) => {
    const pos = labels.flatMap((l, j) =>
      l === labels[i] && j !== i ? [-gamma * relu(1 + m - w[i][j]) * (mat[i][j] - (1 - m))] : [],
    );
    const neg = labels.flatMap((l, j) => (l !== labels[i] ? [gamma * relu(w[i][j] + m) * (mat[i][j] - m)] : []));
    if (pos.length === 0 || neg.length === 0) return 0;
    const z = logSumExp(pos) + logSumExp(neg);
    return z > 20 ? z : Math.log1p(Math.exp(z));
  });
  return reduce(rows, how);
}

/** MarginLoss over all triplets with DivisorReducer, beta one value or one per class. */
export function refMargin(x: Rows, labels: number[], margin: number, beta: number[], d: RefDistance): number {
  const { mat, inverted } = refMatrix(x, d);
  const mg = (a: number, b: number) => (inverted ? b - a : a - b);
  let sum = 0;
  let divisor = 0;
  labels.forEach((la, a) =>
    labels.forEach((lp, p) => {
      if (p === a || lp !== la) return;
      labels.forEach((ln, n) => {
        if (ln === la) return;
        const b = beta.length === 1 ? beta[0] : beta[la];
        const pos = relu(mg(mat[a][p], b) + margin);
        const neg = relu(mg(b, mat[a][n]) + margin);
        sum += pos + neg;
        divisor += (pos > 0 ? 1 : 0) + (neg > 0 ? 1 : 0);
      });
    }),
  );
  return divisor === 0 ? 0 : sum / divisor;
}

/** ArcFace with W as embeddingSize x numClasses, margin in degrees, per-sample cross entropy. */
export function refArcFace(
  x: Rows,
  w: Rows,
  labels: number[],
  marginDeg: number,
  scale: number,
  how: Reduction,
): number {
  const cols = w[0].map((_, c) => w.map((row) => row[c]));
  const cos = dotMatrix(normalizeRows(x), normalizeRows(cols));
  const m = (marginDeg * Math.PI) / 180;
  const losses = x.map((_, i) => {
    const logits = cos[i].map((v, c) => {
      if (c !== labels[i]) return scale * v;
      const theta = Math.acos(Math.min(1, Math.max(-1, v)));
      return scale * (theta <= Math.PI - m ? Math.cos(theta + m) : Math.cos(theta) - m * Math.sin(m));
    });
    return logSumExp(logits) - logits[labels[i]];
  });
  return reduce(losses, how);
}

/** ProxyAnchorLoss with DivisorReducer, proxies numClasses x embeddingSize. */
export function refProxyAnchor(x: Rows, proxies: Rows, labels: number[], margin: number, alpha: number): number {
  const cos = dotMatrix(normalizeRows(x), normalizeRows(proxies));
  let pos = 0;
  let neg = 0;
  let withPos = 0;
  proxies.forEach((_, c) => {
    const p = x.flatMap((_r, i) => (labels[i] === c ? [alpha * (margin - cos[i][c])] : []));
    const n = x.flatMap((_r, i) => (labels[i] !== c ? [alpha * (cos[i][c] + margin)] : []));
    if (p.length > 0) {
      pos += logSumExp([...p, 0]);
      withPos++;
    }
    if (n.length > 0) neg += logSumExp([...n, 0]);
  });
  return (withPos === 0 ? 0 : pos / withPos) + neg / proxies.length;
}

/** Central differences of `f` at every entry of `x`. */
export function numericGradient(f: (x: Rows) => number, x: Rows, h = 1e-6): number[] {
  const out: number[] = [];
  x.forEach((row, i) =>
    row.forEach((_, k) => {
      const at = (delta: number) => f(x.map((r, ri) => r.map((v, ki) => (ri === i && ki === k ? v + delta : v))));
      out.push((at(h) - at(-h)) / (2 * h));
    }),
  );
  return out;
}
