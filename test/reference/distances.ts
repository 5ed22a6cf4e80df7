/** Plain-loop reference distances in doubles, independent of tfjs. */

export function normalizeRows(x: number[][]): number[][] {
  return x.map((row) => {
    const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
    return row.map((v) => v / Math.max(norm, 1e-12));
  });
}

export function lpMatrix(q: number[][], r: number[][], p = 2, power = 1): number[][] {
  return q.map((a) =>
    r.map((b) =>
      Math.pow(
        Math.pow(
          a.reduce((s, v, k) => s + Math.abs(v - b[k]) ** p, 0),
          1 / p,
        ),
        power,
      ),
    ),
  );
}

export function dotMatrix(q: number[][], r: number[][]): number[][] {
  return q.map((a) => r.map((b) => a.reduce((s, v, k) => s + v * b[k], 0)));
}
