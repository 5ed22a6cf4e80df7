/**
 * embeddingHealth on a probe batch (512 x 128) and on an evaluation-sized set (2,000 x 128), 32
 * classes, against the same metrics in plain torch (bench/reference/health.py) on the same inputs,
 * in the same run. Also splits deepmetric's time into its two parts: the n x n distance matrices
 * on the backend (spread and separation) and the float64 moments + two d x d eigen-solves in JS.
 *
 * Run: npx tsx bench/health.bench.ts [--backend wasm|cpu] [--reps 10] [--warmup 2] [--threads 1]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../src/tf.js';
import { initBackend, type BackendName } from '../src/backend/index.js';
import { embeddingHealth, type HealthMetrics } from '../src/health/index.js';
import { symmetricEigen } from '../src/linalg/index.js';
import { normalizedMoments } from '../src/health/normalized-moments.js';
import { pairwiseStatistics } from '../src/health/pairwise-statistics.js';
import { Random } from '../src/random.js';
import { median } from './median.js';
import { option } from './option.js';
import { formatBuild, referenceBuild, referenceEnv, referencePython } from './reference-python.js';

const SIZES: Array<[number, number]> = [
  [512, 128],
  [2000, 128],
];
const CLASSES = 32;
const MARGIN = 0.05;

const BACKEND = option('backend', 'wasm') as BackendName;
const REPS = Number(option('reps', '10'));
const WARMUP = Number(option('warmup', '2'));
// torch with one thread and with every core: a user has both.
const THREADS = option('threads', '1,2').split(',').map(Number);

/** Clustered embeddings (a center per class plus noise): separation numbers that mean something. */
function makeSet(rows: number, dim: number): { data: Float32Array; labels: Int32Array } {
  const rng = new Random(rows);
  const centers = Array.from({ length: CLASSES }, () => Array.from({ length: dim }, () => rng.normal()));
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = i % CLASSES;
    for (let k = 0; k < dim; k++) data[i * dim + k] = centers[labels[i]][k] + 1.5 * rng.normal();
  }
  return { data, labels };
}

/** Median wall time and median CPU time of this process (the honest number on a busy machine), in ms. */
interface Timing {
  wall: number;
  cpu: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function timed(fn: () => void, reps: number): Timing {
  for (let i = 0; i < WARMUP; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function show(t: Timing): string {
  return `${t.wall.toFixed(1).padStart(8)} ms wall ${t.cpu.toFixed(1).padStart(8)} ms cpu`;
}

interface Reference {
  threads: number;
  torch: string;
  ms: number;
  cpu_ms: number;
  metrics: Record<string, number>;
}

function runReference(dir: string, rows: number, dim: number, reps: number, threads: number): Reference {
  const script = fileURLToPath(new URL('./reference/health.py', import.meta.url));
  const args = [script, join(dir, 'emb.f32'), join(dir, 'labels.i32'), rows, dim, MARGIN, WARMUP, reps, threads].map(
    String,
  );
  return JSON.parse(execFileSync(referencePython(), args, { encoding: 'utf8', env: referenceEnv() })) as Reference;
}

function pairs(h: HealthMetrics): Array<[string, number, string]> {
  return [
    ['meanDistance', h.spread.meanDistance, 'mean_distance'],
    ['meanNormalizedDistance', h.spread.meanNormalizedDistance, 'mean_normalized_distance'],
    ['normalizedStdSqrtDim', h.spread.normalizedStdSqrtDim, 'normalized_std_sqrt_dim'],
    ['effectiveRank', h.shape.effectiveRank, 'effective_rank'],
    ['firstComponentShare', h.shape.firstComponentShare, 'first_component_share'],
    ['deadDimensions', h.shape.deadDimensions.count, 'dead_dimensions'],
    ['norms.mean', h.norms.mean, 'norm_mean'],
    ['meanPositive', h.separation!.meanPositive, 'mean_positive'],
    ['meanNegative', h.separation!.meanNegative, 'mean_negative'],
    ['violationFraction', h.separation!.violationFraction, 'violation_fraction'],
  ];
}

async function main(): Promise<void> {
  // The reference's build goes beside the ratios; a reference on the netlib BLAS is refused here.
  const referenceLine = formatBuild(referenceBuild());
  console.log(`reference: ${referenceLine}`);
  await initBackend(BACKEND);
  console.log(
    `backend ${tf.getBackend()}, warmup ${WARMUP}, reps ${REPS} (3 for 2000 rows), torch threads ${THREADS.join(', ')}`,
  );
  for (const [rows, dim] of SIZES) {
    const reps = rows > 1000 ? Math.min(REPS, 3) : REPS;
    const { data, labels } = makeSet(rows, dim);
    const dir = mkdtempSync(join(tmpdir(), 'deepmetric-health-'));
    let references: Reference[];
    try {
      writeFileSync(join(dir, 'emb.f32'), data);
      writeFileSync(join(dir, 'labels.i32'), labels);
      references = THREADS.map((threads) => runReference(dir, rows, dim, reps, threads));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const x = tf.tensor2d(data, [rows, dim]);
    const before = tf.memory().numTensors;
    let metrics = embeddingHealth(x, labels);
    const total = timed(() => (metrics = embeddingHealth(x, labels)), reps);
    const noLabels = timed(() => embeddingHealth(x), reps);
    const matrices = timed(
      () => pairwiseStatistics(x, labels, { distance: null, margin: MARGIN, chunkRows: rows }),
      reps,
    );
    const js = timed(() => {
      const m = normalizedMoments(data, rows, dim);
      symmetricEigen(m.covariance, dim);
      symmetricEigen(m.covariance, dim);
    }, reps);
    const leaked = tf.memory().numTensors - before;
    x.dispose();
    console.log(`\n${rows} x ${dim}, ${CLASSES} classes`);
    console.log(`  deepmetric embeddingHealth, labels    ${show(total)}`);
    console.log(`  deepmetric embeddingHealth, no labels ${show(noLabels)}`);
    console.log(`    distance matrices + separation    ${show(matrices)}`);
    console.log(`    float64 moments + 2 eigen-solves  ${show(js)}`);
    for (const reference of references) {
      console.log(
        `  torch ${reference.torch}, ${reference.threads} thread(s)     ${show({ wall: reference.ms, cpu: reference.cpu_ms })}`,
      );
      console.log(
        `  ratio deepmetric / torch ${reference.threads} thread(s) ${(total.wall / reference.ms).toFixed(2)} wall ${(total.cpu / reference.cpu_ms).toFixed(2)} cpu`,
      );
    }
    console.log(`  tensors leaked                      ${leaked}`);
    for (const [name, value, key] of pairs(metrics)) {
      const want = references[0].metrics[key];
      console.log(
        `    ${name.padEnd(24)} ${value.toPrecision(7).padStart(12)}  torch ${want.toPrecision(7).padStart(12)}`,
      );
    }
  }
}

await main();
