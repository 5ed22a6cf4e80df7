import { tf } from '../tf.js';
import { checkEmbeddings } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { Random } from '../random.js';

export interface KMeansOptions {
  /** Runs from different k-means++ starts; the one with the lowest inertia is kept. Default 10. */
  nInit?: number;
  /** Lloyd iterations per run at most. Default 300. */
  maxIter?: number;
  /** Stop when the centers move less than tol x (mean variance of the columns), summed squared. Default 1e-4. */
  tol?: number;
  /** The generator of the starts. Default: `new Random(0)`, so that a call is reproducible. */
  rng?: Random;
}

export interface KMeansResult {
  /** The cluster of each row, in 0..k-1. */
  labels: Int32Array;
  /** The k cluster centers, one Float32Array of d values each. */
  centers: Float32Array[];
  /** Sum over rows of the squared Euclidean distance to the row's center. */
  inertia: number;
  /** Lloyd iterations of the kept run. */
  nIter: number;
}

/**
 * k-means clustering (Lloyd's algorithm) with k-means++ starts, as scikit-learn's `KMeans` runs it:
 * minimize the inertia sum_i |x_i - c_{label(i)}|^2 over labels and centers.
 *
 * Each of `nInit` runs starts from greedy k-means++ (each new center is the best of
 * 2 + floor(ln k) candidates drawn with probability proportional to the squared distance to the
 * nearest center so far), then alternates assigning rows to their nearest center and moving each
 * center to the mean of its rows, until the assignment stops changing, the centers move less than
 * `tol` (relative to the data's variance) or `maxIter` is reached. A cluster left empty takes the
 * row farthest from its center. The run with the lowest inertia is returned. The distance products
 * run on the tfjs backend; the rest is done in doubles.
 *
 * @param x embeddings: a 2-D tensor, or rows of numbers (e.g. Float32Array[])
 * @param k the number of clusters, 1 <= k <= rows
 * @example
 * const { labels } = dm.kMeans(embeddings, numClasses, { rng: new Random(42) });
 * const { nmi, ami } = dm.clusteringMetrics(classLabels, labels);
 */
export function kMeans(x: tf.Tensor2D | ArrayLike<number>[], k: number, options: KMeansOptions = {}): KMeansResult {
  const { data, rows, cols } = readRows(x);
  if (!(Number.isInteger(k) && k >= 1 && k <= rows)) {
    throw invalidArgument(
      `Argument \`k\` must be an integer in [1, ${rows}] (the number of rows). Received: k=${String(k)}`,
    );
  }
  const nInit = options.nInit ?? 10;
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  const rng = options.rng ?? new Random(0);
  if (!(Number.isInteger(nInit) && nInit >= 1)) {
    throw invalidArgument(`Option \`nInit\` must be an integer >= 1. Received: nInit=${String(nInit)}`);
  }
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) {
    throw invalidArgument(`Option \`maxIter\` must be an integer >= 1. Received: maxIter=${String(maxIter)}`);
  }
  if (!(typeof tol === 'number' && Number.isFinite(tol) && tol >= 0)) {
    throw invalidArgument(`Option \`tol\` must be a finite number >= 0. Received: tol=${String(tol)}`);
  }
  if (!(rng instanceof Random)) {
    throw invalidArgument(`Option \`rng\` must be a deepmetric Random. Received: ${String(rng)}`);
  }

  // Centering changes no distance and keeps |x|^2 + |c|^2 - 2 x.c accurate (scikit-learn does it too).
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  const centered = new Float32Array(rows * cols);
  let variance = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j] - mean[j];
      centered[i * cols + j] = v;
      variance += v * v;
    }
  }
  const space: Space = {
    x: centered,
    rows,
    cols,
    squaredNorms: rowSquaredNorms(centered, rows, cols),
    tensor: tf.tensor2d(centered, [rows, cols]),
  };
  try {
    const absoluteTol = (variance / rows / cols) * tol;
    let best: Run | null = null;
    for (let run = 0; run < nInit; run++) {
      const result = lloyd(space, kMeansPlusPlus(space, k, rng), maxIter, absoluteTol);
      if (best === null || result.inertia < best.inertia) best = result;
    }
    const kept = best as Run;
    const centers = Array.from({ length: k }, (_, c) =>
      Float32Array.from({ length: cols }, (_, j) => kept.centers[c * cols + j] + mean[j]),
    );
    return { labels: kept.labels, centers, inertia: kept.inertia, nIter: kept.nIter };
  } finally {
    space.tensor.dispose();
  }
}

interface Space {
  x: Float32Array;
  rows: number;
  cols: number;
  squaredNorms: Float64Array;
  tensor: tf.Tensor2D;
}

interface Run {
  labels: Int32Array;
  centers: Float64Array;
  inertia: number;
  nIter: number;
}

function readRows(x: tf.Tensor2D | ArrayLike<number>[]): { data: Float32Array; rows: number; cols: number } {
  let data: Float32Array;
  let rows: number;
  let cols: number;
  if (x instanceof tf.Tensor) {
    checkEmbeddings(x, 'x');
    [rows, cols] = x.shape;
    data = x.dataSync() as Float32Array;
  } else {
    if (!Array.isArray(x) || x.length === 0) {
      throw invalidArgument(`Argument \`x\` must be a 2-D tensor or a non-empty array of rows. Received: ${String(x)}`);
    }
    rows = x.length;
    cols = x[0]?.length ?? 0;
    if (!(cols > 0))
      throw invalidArgument(`Argument \`x\` must have rows of at least one value. Received: row 0 = ${String(x[0])}`);
    data = new Float32Array(rows * cols);
    x.forEach((row, i) => {
      if (row?.length !== cols) {
        throw invalidArgument(
          `Argument \`x\` must have rows of equal length ${cols}. Received: row ${i} has ${String(row?.length)}`,
        );
      }
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j];
    });
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw invalidArgument(
        `Argument \`x\` must hold finite numbers. Received: ${data[i]} in row ${Math.floor(i / cols)}`,
      );
    }
  }
  return { data, rows, cols };
}

function rowSquaredNorms(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[i * cols + j] * x[i * cols + j];
    out[i] = s;
  }
  return out;
}

/** Squared distances from every row to each of the `count` points (row-major, count x cols): rows x count. */
function squaredDistances(space: Space, points: Float64Array, count: number): Float64Array {
  const { rows, cols } = space;
  // Uploaded as cols x count so that the product is A.B, the fast orientation of tfjs's wasm matMul.
  const transposed = new Float32Array(cols * count);
  for (let c = 0; c < count; c++) for (let j = 0; j < cols; j++) transposed[j * count + c] = points[c * cols + j];
  const products = tf.tidy(() => tf.matMul(space.tensor, tf.tensor2d(transposed, [cols, count])));
  const dots = products.dataSync();
  products.dispose();
  const norms = rowSquaredNorms(points, count, cols);
  const out = new Float64Array(rows * count);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < count; c++) {
      out[i * count + c] = Math.max(space.squaredNorms[i] + norms[c] - 2 * dots[i * count + c], 0);
    }
  }
  return out;
}

function copyRow(space: Space, row: number, into: Float64Array, at: number): void {
  for (let j = 0; j < space.cols; j++) into[at * space.cols + j] = space.x[row * space.cols + j];
}

/** Greedy k-means++ (Arthur and Vassilvitskii 2007, with scikit-learn's 2 + floor(ln k) local trials). */
function kMeansPlusPlus(space: Space, k: number, rng: Random): Float64Array {
  const { rows } = space;
  const centers = new Float64Array(k * space.cols);
  copyRow(space, rng.int(rows), centers, 0);
  let closest = squaredDistances(space, centers.subarray(0, space.cols), 1);
  let potential = closest.reduce((s, v) => s + v, 0);
  const trials = 2 + Math.floor(Math.log(k));
  const cumulative = new Float64Array(rows);
  const candidates = new Int32Array(trials);
  const candidateRows = new Float64Array(trials * space.cols);
  for (let c = 1; c < k; c++) {
    let running = 0;
    for (let i = 0; i < rows; i++) cumulative[i] = running += closest[i];
    for (let t = 0; t < trials; t++) {
      candidates[t] = Math.min(searchLeft(cumulative, rng.float() * potential), rows - 1);
      copyRow(space, candidates[t], candidateRows, t);
    }
    const toCandidates = squaredDistances(space, candidateRows, trials);
    let bestTrial = 0;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      let p = 0;
      for (let i = 0; i < rows; i++) p += Math.min(closest[i], toCandidates[i * trials + t]);
      if (p < bestPotential) {
        bestPotential = p;
        bestTrial = t;
      }
    }
    const next = new Float64Array(rows);
    for (let i = 0; i < rows; i++) next[i] = Math.min(closest[i], toCandidates[i * trials + bestTrial]);
    closest = next;
    potential = bestPotential;
    copyRow(space, candidates[bestTrial], centers, c);
  }
  return centers;
}

/** The first index whose cumulative sum reaches `value` (numpy's searchsorted, side 'left'). */
function searchLeft(cumulative: Float64Array, value: number): number {
  let lo = 0;
  let hi = cumulative.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Nearest center of each row, with the squared distance to it. */
function assign(space: Space, centers: Float64Array, k: number): { labels: Int32Array; distances: Float64Array } {
  const d = squaredDistances(space, centers, k);
  const labels = new Int32Array(space.rows);
  const distances = new Float64Array(space.rows);
  for (let i = 0; i < space.rows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (d[i * k + c] < d[i * k + best]) best = c;
    labels[i] = best;
    distances[i] = d[i * k + best];
  }
  return { labels, distances };
}

/** Cluster means; a cluster left empty takes the row farthest from its own center, as scikit-learn does. */
function updateCenters(space: Space, labels: Int32Array, distances: Float64Array, k: number): Float64Array {
  const { x, rows, cols } = space;
  const sums = new Float64Array(k * cols);
  const counts = new Int32Array(k);
  for (let i = 0; i < rows; i++) {
    const c = labels[i];
    counts[c]++;
    for (let j = 0; j < cols; j++) sums[c * cols + j] += x[i * cols + j];
  }
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length > 0) {
    const farthest = Array.from(distances.keys())
      .sort((a, b) => distances[b] - distances[a] || a - b)
      .slice(0, empty.length);
    empty.forEach((c, e) => {
      const row = farthest[e];
      const from = labels[row];
      for (let j = 0; j < cols; j++) {
        sums[from * cols + j] -= x[row * cols + j];
        sums[c * cols + j] = x[row * cols + j];
      }
      counts[from]--;
      counts[c] = 1;
    });
  }
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue;
    for (let j = 0; j < cols; j++) sums[c * cols + j] /= counts[c];
  }
  return sums;
}

function lloyd(space: Space, start: Float64Array, maxIter: number, tol: number): Run {
  const k = start.length / space.cols;
  let centers = start;
  let previous: Int32Array | null = null;
  let labels: Int32Array = new Int32Array(space.rows);
  let strict = false;
  let iter = 0;
  while (iter < maxIter) {
    iter++;
    const assigned = assign(space, centers, k);
    labels = assigned.labels;
    const next = updateCenters(space, labels, assigned.distances, k);
    let shift = 0;
    for (let t = 0; t < next.length; t++) shift += (next[t] - centers[t]) ** 2;
    centers = next;
    if (previous !== null && sameLabels(previous, labels)) {
      strict = true;
      break;
    }
    if (shift <= tol) break;
    previous = labels;
  }
  // The centers moved after the last assignment: assign once more so that labels match centers.
  if (!strict) labels = assign(space, centers, k).labels;
  return { labels, centers, inertia: inertia(space, labels, centers), nIter: iter };
}

function sameLabels(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function inertia(space: Space, labels: Int32Array, centers: Float64Array): number {
  const { x, rows, cols } = space;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const c = labels[i];
    for (let j = 0; j < cols; j++) total += (x[i * cols + j] - centers[c * cols + j]) ** 2;
  }
  return total;
}
