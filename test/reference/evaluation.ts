/** Plain-loop references for evaluation, in doubles, independent of tfjs and of the library's formulas. */

export type ReferenceDistance =
  'euclidean' | 'euclidean-normalized' | 'squared-euclidean' | 'cosine' | 'dot' | 'manhattan';

/** The distance (or, for cosine and dot, the similarity) between two rows. */
export function pairDistance(a: ArrayLike<number>, b: ArrayLike<number>, kind: ReferenceDistance): number {
  const norm = (v: ArrayLike<number>) => Math.max(Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0)), 1e-12);
  let sum = 0;
  if (kind === 'cosine' || kind === 'dot') {
    const scale = kind === 'cosine' ? norm(a) * norm(b) : 1;
    for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
    return sum / scale;
  }
  const na = kind === 'euclidean-normalized' ? norm(a) : 1;
  const nb = kind === 'euclidean-normalized' ? norm(b) : 1;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] / na - b[i] / nb;
    sum += kind === 'manhattan' ? Math.abs(d) : d * d;
  }
  return kind === 'squared-euclidean' || kind === 'manhattan' ? sum : Math.sqrt(sum);
}

/**
 * k nearest references of every query by sorting all of them (ties: lower index first). With
 * `excludeSelf`, k + 1 are taken and the query's own index removed, or the last one if it is absent.
 */
export function knnReference(
  query: number[][],
  reference: number[][],
  k: number,
  kind: ReferenceDistance,
  excludeSelf = false,
): { indices: number[][]; distances: number[][] } {
  const larger = kind === 'cosine' || kind === 'dot';
  const indices: number[][] = [];
  const distances: number[][] = [];
  query.forEach((q, i) => {
    const all = reference.map((r, j) => ({ j, d: pairDistance(q, r, kind) }));
    all.sort((x, y) => (larger ? y.d - x.d : x.d - y.d) || x.j - y.j);
    let top = all.slice(0, excludeSelf ? k + 1 : k);
    if (excludeSelf) {
      const self = top.findIndex((e) => e.j === i);
      top = top.filter((_, t) => t !== (self === -1 ? top.length - 1 : self));
    }
    indices.push(top.map((e) => e.j));
    distances.push(top.map((e) => e.d));
  });
  return { indices, distances };
}

/**
 * NMI and AMI (arithmetic normalization) from their definitions. The expected mutual information
 * uses hypergeometric probabilities built by the ratio recursion
 * P(x + 1) / P(x) = (a - x)(b - x) / ((x + 1)(n - a - b + x + 1)) and normalized to sum to 1, an
 * independent route from the log-gamma formula.
 */
export function clusteringReference(labels: number[], clusters: number[]): { nmi: number; ami: number } {
  const n = labels.length;
  const count = (values: number[]) => {
    const m = new Map<number, number>();
    values.forEach((v) => m.set(v, (m.get(v) ?? 0) + 1));
    return m;
  };
  const a = count(labels);
  const b = count(clusters);
  if (a.size === 1 && b.size === 1) return { nmi: 1, ami: 1 };
  const h = (m: Map<number, number>) => -Array.from(m.values()).reduce((s, c) => s + (c / n) * Math.log(c / n), 0);
  let mi = 0;
  for (const [la, ai] of a) {
    for (const [cb, bj] of b) {
      let nij = 0;
      for (let s = 0; s < n; s++) if (labels[s] === la && clusters[s] === cb) nij++;
      if (nij > 0) mi += (nij / n) * Math.log((n * nij) / (ai * bj));
    }
  }
  mi = Math.max(mi, 0);
  let emi = 0;
  for (const ai of a.values()) {
    for (const bj of b.values()) {
      const lo = Math.max(0, ai + bj - n);
      const hi = Math.min(ai, bj);
      const w: number[] = [];
      let v = 1;
      for (let x = lo; x <= hi; x++) {
        w.push(v);
        v *= ((ai - x) * (bj - x)) / ((x + 1) * (n - ai - bj + x + 1));
        // rescale so that long ranges neither overflow nor underflow
        if (v > 1e200) {
          for (let t = 0; t < w.length; t++) w[t] /= 1e200;
          v /= 1e200;
        }
      }
      const total = w.reduce((s, x) => s + x, 0);
      w.forEach((wx, t) => {
        const x = lo + t;
        if (x > 0) emi += (wx / total) * (x / n) * Math.log((n * x) / (ai * bj));
      });
    }
  }
  const mean = (h(a) + h(b)) / 2;
  return { nmi: mi === 0 ? 0 : mi / mean, ami: (mi - emi) / (mean - emi) };
}
