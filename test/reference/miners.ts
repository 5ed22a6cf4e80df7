/**
 * Plain-loop references for the miners, written from their definitions (PML's semantics) on
 * number[][] matrices in doubles, independent of deepmetric's code and of tfjs.
 */

export type Tuple = number[];
export type Strategy = 'easy' | 'semihard' | 'hard' | 'all';
export type Range = readonly [number, number] | null;

/** `closer(x, y)`: x is strictly closer than y, for a distance (smaller) or a similarity (larger). */
function closerFn(inverted: boolean): (x: number, y: number) => boolean {
  return inverted ? (x, y) => x > y : (x, y) => x < y;
}

/**
 * Every (a, p, n) with m = d(a,n) - d(a,p) (s(a,p) - s(a,n) for a similarity) passing `type`:
 * `easy` m > margin; otherwise m <= margin and, for `hard`, m <= 0, for `semihard`, m > 0.
 */
export function tripletMarginRef(
  mat: number[][],
  labels: number[],
  margin: number,
  type: 'all' | 'hard' | 'semihard' | 'easy',
  inverted: boolean,
): Tuple[] {
  const out: Tuple[] = [];
  const n = labels.length;
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let k = 0; k < n; k++) {
        if (labels[k] === labels[a]) continue;
        const m = inverted ? mat[a][p] - mat[a][k] : mat[a][k] - mat[a][p];
        const keep =
          type === 'easy' ? m > margin : m <= margin && (type === 'all' || (type === 'hard' ? m <= 0 : m > 0));
        if (keep) out.push([a, p, k]);
      }
    }
  }
  return out;
}

/** The index of the closest (or farthest) of `cands` from anchor a; lowest index among ties; -1 if none. */
function pick(mat: number[][], a: number, cands: number[], closest: boolean, inverted: boolean): number {
  const closer = closerFn(inverted);
  let best = -1;
  for (const j of cands) {
    if (best === -1) best = j;
    else if (closest ? closer(mat[a][j], mat[a][best]) : closer(mat[a][best], mat[a][j])) best = j;
  }
  return best;
}

function inRange(v: number, range: Range): boolean {
  return range === null || (v >= range[0] && v <= range[1]);
}

/**
 * BatchEasyHardMiner from its definition: per anchor, the candidates in range, then easy =
 * closest positive / farthest negative, hard = farthest positive / closest negative, semihard =
 * bounded strictly by the other side's pick, all = every pair (PML applies no range to `all`).
 */
export function batchEasyHardRef(
  mat: number[][],
  labels: number[],
  posStrategy: Strategy,
  negStrategy: Strategy,
  posRange: Range,
  negRange: Range,
  inverted: boolean,
): { pos: Tuple[]; neg: Tuple[] } {
  const n = labels.length;
  const closer = closerFn(inverted);
  const pos: Tuple[] = [];
  const neg: Tuple[] = [];
  for (let a = 0; a < n; a++) {
    const allPos = labels.map((_, j) => j).filter((j) => j !== a && labels[j] === labels[a]);
    const allNeg = labels.map((_, j) => j).filter((j) => labels[j] !== labels[a]);
    const posC = allPos.filter((j) => inRange(mat[a][j], posRange));
    const negC = allNeg.filter((j) => inRange(mat[a][j], negRange));
    const pickNeg = (bound: number | null): number => {
      const cands = bound === null ? negC : negC.filter((j) => closer(mat[a][bound], mat[a][j]));
      return pick(mat, a, cands, negStrategy !== 'easy', inverted);
    };
    const pickPos = (bound: number | null): number => {
      const cands = bound === null ? posC : posC.filter((j) => closer(mat[a][j], mat[a][bound]));
      return pick(mat, a, cands, posStrategy === 'easy', inverted);
    };
    let p = -1;
    let q = -1;
    if (posStrategy === 'semihard') {
      q = pickNeg(null);
      p = q === -1 ? -1 : pickPos(q);
    } else if (negStrategy === 'semihard') {
      p = pickPos(null);
      q = p === -1 ? -1 : pickNeg(p);
    } else {
      if (posStrategy !== 'all') p = pickPos(null);
      if (negStrategy !== 'all') q = pickNeg(null);
    }
    if (posStrategy === 'all') for (const j of allPos) pos.push([a, j]);
    if (negStrategy === 'all') for (const j of allNeg) neg.push([a, j]);
    const both = posStrategy !== 'all' && negStrategy !== 'all';
    if (posStrategy !== 'all' && p !== -1 && (!both || q !== -1)) pos.push([a, p]);
    if (negStrategy !== 'all' && q !== -1 && (!both || p !== -1)) neg.push([a, q]);
  }
  return { pos, neg };
}

/** MultiSimilarityMiner's two rules, per anchor, from their definition. */
export function multiSimilarityRef(
  mat: number[][],
  labels: number[],
  epsilon: number,
  inverted: boolean,
): { pos: Tuple[]; neg: Tuple[] } {
  const n = labels.length;
  const pos: Tuple[] = [];
  const neg: Tuple[] = [];
  const anyPos = labels.some((l, i) => labels.some((m, j) => i !== j && l === m));
  const anyNeg = labels.some((l) => l !== labels[0]);
  if (!anyPos || !anyNeg) return { pos, neg };
  for (let a = 0; a < n; a++) {
    const P = labels.map((_, j) => j).filter((j) => j !== a && labels[j] === labels[a]);
    const N = labels.map((_, j) => j).filter((j) => labels[j] !== labels[a]);
    const pv = P.map((j) => mat[a][j]);
    const nv = N.map((j) => mat[a][j]);
    const minP = Math.min(...pv);
    const maxP = Math.max(...pv);
    const minN = Math.min(...nv);
    const maxN = Math.max(...nv);
    for (const j of P) {
      if (inverted ? mat[a][j] - epsilon < maxN : mat[a][j] + epsilon > minN) pos.push([a, j]);
    }
    for (const j of N) {
      if (inverted ? mat[a][j] + epsilon > minP : mat[a][j] - epsilon < maxP) neg.push([a, j]);
    }
  }
  return { pos, neg };
}

/** For every anchor with both: the farthest other positive and the closest negative, lowest index among ties. */
export function hardestRef(mat: number[][], labels: number[], inverted: boolean): Tuple[] {
  const out: Tuple[] = [];
  for (let a = 0; a < labels.length; a++) {
    const P = labels.map((_, j) => j).filter((j) => j !== a && labels[j] === labels[a]);
    const N = labels.map((_, j) => j).filter((j) => labels[j] !== labels[a]);
    const p = pick(mat, a, P, false, inverted);
    const q = pick(mat, a, N, true, inverted);
    if (p !== -1 && q !== -1) out.push([a, p, q]);
  }
  return out;
}

/**
 * Wu et al.'s weights straight from the density on the sphere: w ∝ 1 / q(d') with
 * q(d) = d^(dim-2) (1 - d²/4)^((dim-3)/2), d' = max(d, cutoff); 0 for same-label pairs and for
 * d' >= nonzeroLossCutoff or an infinite weight; each row normalized (all 0 when nothing is eligible).
 */
export function distanceWeightsRef(
  mat: number[][],
  labels: number[],
  dim: number,
  cutoff: number,
  nonzeroLossCutoff: number,
): number[][] {
  return mat.map((row, a) => {
    const w = row.map((d, j) => {
      const c = Math.max(d, cutoff);
      if (labels[j] === labels[a] || c >= nonzeroLossCutoff) return 0;
      const w = 1 / (Math.pow(c, dim - 2) * Math.pow(1 - (c * c) / 4, (dim - 3) / 2));
      // q(2) = 0 (antipodal rows) or NaN distances: no finite weight, left out as PML does.
      return Number.isFinite(w) ? w : 0;
    });
    const sum = w.reduce((s, v) => s + v, 0);
    return sum > 0 ? w.map((v) => v / sum) : w;
  });
}

/**
 * Softmax-sampled hardest triplets from their definition: for each anchor with a positive and a
 * negative, a positive drawn with probability exp(d(a,p)/T) / sum and then a negative with
 * exp(-d(a,n)/T) / sum (signs flipped for a similarity), each by inverting the running sum at
 * u * total with u = `draw()` (the miner's generator).
 */
export function softmaxHardRef(
  mat: number[][],
  labels: number[],
  temperature: number,
  inverted: boolean,
  draw: () => number,
): Tuple[] {
  const out: Tuple[] = [];
  const sign = inverted ? -1 : 1;
  const sample = (a: number, cands: number[], s: number): number => {
    const weights = cands.map((j) =>
      Math.exp((s * mat[a][j] - Math.max(...cands.map((k) => s * mat[a][k]))) / temperature),
    );
    const total = weights.reduce((x, y) => x + y, 0);
    const u = draw() * total;
    let running = 0;
    for (let k = 0; k < cands.length; k++) {
      running += weights[k];
      if (running > u) return cands[k];
    }
    return cands[cands.length - 1];
  };
  for (let a = 0; a < labels.length; a++) {
    const P = labels.map((_, j) => j).filter((j) => j !== a && labels[j] === labels[a]);
    const N = labels.map((_, j) => j).filter((j) => labels[j] !== labels[a]);
    if (P.length === 0) continue;
    const p = sample(a, P, sign);
    if (N.length === 0) continue;
    out.push([a, p, sample(a, N, -sign)]);
  }
  return out;
}

/**
 * Each anchor's hardest triplet (as `hardestRef`) followed by `k` random ones: positive
 * `P[int(|P|)]`, then negative `N[int(|N|)]`, from the miner's generator.
 */
export function hardRandomRef(
  mat: number[][],
  labels: number[],
  k: number,
  inverted: boolean,
  int: (n: number) => number,
): Tuple[] {
  const out: Tuple[] = [];
  for (const [a, p, n] of hardestRef(mat, labels, inverted)) {
    out.push([a, p, n]);
    const P = labels.map((_, j) => j).filter((j) => j !== a && labels[j] === labels[a]);
    const N = labels.map((_, j) => j).filter((j) => labels[j] !== labels[a]);
    for (let r = 0; r < k; r++) out.push([a, P[int(P.length)], N[int(N.length)]]);
  }
  return out;
}

/**
 * Each anchor's hardest triplet (as `hardestRef`) followed by `k` drawn from its semi-hard
 * triplets (as `tripletMarginRef`, in its order): `S[int(|S|)]`, none when S is empty.
 */
export function hardSemihardRef(
  mat: number[][],
  labels: number[],
  k: number,
  margin: number,
  inverted: boolean,
  int: (n: number) => number,
): Tuple[] {
  const semihard = tripletMarginRef(mat, labels, margin, 'semihard', inverted);
  const out: Tuple[] = [];
  for (const [a, p, n] of hardestRef(mat, labels, inverted)) {
    out.push([a, p, n]);
    const S = semihard.filter((t) => t[0] === a);
    for (let r = 0; r < k && S.length > 0; r++) out.push(S[int(S.length)]);
  }
  return out;
}
