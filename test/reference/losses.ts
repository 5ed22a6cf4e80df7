/** Plain-loop reference triplet losses in doubles, independent of tfjs and of src/. */
import { dotMatrix, lpMatrix, normalizeRows } from './distances.js';

export type Triplet = [number, number, number];

/** A distance as the reference understands it (PML's distance kwargs). */
export interface ReferenceDistance {
  kind: 'lp' | 'cosine';
  normalize: boolean;
  power: number;
}

export interface ReferenceTripletOptions {
  margin: number;
  swap: boolean;
  smooth: boolean;
  reducer: 'mean' | 'avgNonZero';
  distance: ReferenceDistance;
}

/** Every (a, p, n) by an explicit triple loop, in lexicographic order. */
export function referenceAllTriplets(labels: ArrayLike<number>): Triplet[] {
  const out: Triplet[] = [];
  for (let a = 0; a < labels.length; a++)
    for (let p = 0; p < labels.length; p++)
      for (let n = 0; n < labels.length; n++)
        if (p !== a && labels[p] === labels[a] && labels[n] !== labels[a]) out.push([a, p, n]);
  return out;
}

/** Each positive pair i with each negative pair j of the same anchor, i-major. */
export function referencePairsToTriplets(a1: number[], p: number[], a2: number[], n: number[]): Triplet[] {
  const out: Triplet[] = [];
  for (let i = 0; i < a1.length; i++)
    for (let j = 0; j < a2.length; j++) if (a1[i] === a2[j]) out.push([a1[i], p[i], n[j]]);
  return out;
}

/** The pairwise matrix and whether larger means closer. */
export function referenceMatrix(x: number[][], d: ReferenceDistance): { mat: number[][]; inverted: boolean } {
  const rows = d.normalize ? normalizeRows(x) : x;
  if (d.kind === 'cosine') return { mat: dotMatrix(rows, rows), inverted: true };
  return { mat: lpMatrix(rows, rows, 2, d.power), inverted: false };
}

/** torch's softplus: x above 20, log(1 + e^x) below. */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/** The per-triplet losses and the reduced loss (null when there is no triplet: PML's zero loss). */
export function referenceTripletLoss(
  x: number[][],
  triplets: Triplet[],
  o: ReferenceTripletOptions,
): { perTriplet: number[]; loss: number } {
  const { mat, inverted } = referenceMatrix(x, o.distance);
  const perTriplet = triplets.map(([a, p, n]) => {
    const ap = mat[a][p];
    let an = mat[a][n];
    if (o.swap) {
      const pn = mat[p][n];
      an = Number.isNaN(an) || Number.isNaN(pn) ? NaN : inverted ? Math.max(an, pn) : Math.min(an, pn);
    }
    const v = (inverted ? an - ap : ap - an) + o.margin;
    return o.smooth ? softplus(v) : Number.isNaN(v) ? NaN : Math.max(v, 0);
  });
  const zero = x.flat().some(Number.isNaN) ? NaN : 0;
  if (perTriplet.length === 0) return { perTriplet, loss: zero };
  if (o.reducer === 'mean') return { perTriplet, loss: perTriplet.reduce((s, v) => s + v, 0) / perTriplet.length };
  const active = perTriplet.filter((v) => v > 0);
  return { perTriplet, loss: active.length === 0 ? zero : active.reduce((s, v) => s + v, 0) / active.length };
}

/** Seven 4-d rows in 3 classes (the gradient checks' batch: margins are chosen for it so no violation sits on the hinge). */
export const SMALL_ROWS = [
  [0.9, 0.3, -0.2, 0.5],
  [0.7, -0.1, 0.4, 0.8],
  [-0.6, 0.9, 0.1, -0.3],
  [-0.2, 0.6, 0.7, 0.2],
  [0.3, -0.8, -0.5, 0.1],
  [0.1, -0.4, -0.9, 0.6],
  [-0.8, -0.3, 0.2, -0.7],
];
export const SMALL_LABELS = [0, 0, 1, 1, 2, 2, 1];
