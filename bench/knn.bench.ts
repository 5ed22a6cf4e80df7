/**
 * Exact k-NN + retrieval metrics (PML's AccuracyCalculator set) for 10,000 queries against a
 * separate set of 10,000 references at 128 dimensions, on the wasm backend, against numpy doing
 * the same (bench/reference/knn.py: matrix products in chunks, argpartition, the same metrics) on
 * the same inputs, in the same run.
 *
 * Run: npx tsx bench/knn.bench.ts [--reps 3] [--numpy-reps 1] [--size 10000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../src/tf.js';
import { initBackend } from '../src/backend/index.js';
import { CosineSimilarity, LpDistance, type BaseDistance } from '../src/distances/index.js';
import { retrievalMetrics, type RetrievalMetrics } from '../src/evaluation/index.js';
import { Random } from '../src/random.js';
import { median } from './median.js';
import { option } from './option.js';
import { formatBuild, referenceBuild, referenceEnv, referencePython } from './reference-python.js';

const REPS = option('reps', 3);
const NUMPY_REPS = option('numpy-reps', 1);
const N = option('size', 10000);
const D = 128;
const CLASSES = 10;
const NUMPY_CHUNK = 1000;

/** Ten classes: a center each plus noise, overlapping enough that every metric is well inside (0, 1). */
function makeSet(rng: Random, centers: number[][], n: number): { x: Float32Array; labels: Int32Array } {
  const x = new Float32Array(n * D);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % CLASSES;
    for (let j = 0; j < D; j++) x[i * D + j] = centers[labels[i]][j] + 2 * rng.normal();
  }
  return { x, labels };
}

interface NumpyResult {
  numpy: string;
  k: number;
  seconds: number;
  product_seconds: number;
  cpu_seconds: number;
  metrics: Omit<RetrievalMetrics, 'k'>;
}

function runNumpy(dir: string, distance: string, k: string): NumpyResult {
  const script = fileURLToPath(new URL('./reference/knn.py', import.meta.url));
  const files = ['q.f32', 'ql.i32', 'r.f32', 'rl.i32'].map((f) => join(dir, f));
  const args = [script, ...files, N, N, D, distance, k, NUMPY_CHUNK, NUMPY_REPS].map(String);
  return JSON.parse(execFileSync(referencePython(), args, { encoding: 'utf8', env: referenceEnv() })) as NumpyResult;
}

async function main(): Promise<void> {
  // The reference's build goes beside the ratios; a reference on the netlib BLAS is refused here.
  const referenceLine = formatBuild(referenceBuild());
  console.log(`reference: ${referenceLine}`);
  const backend = await initBackend('wasm');
  const rng = new Random(0);
  const centers = Array.from({ length: CLASSES }, () => Array.from({ length: D }, () => 0.7 * rng.normal()));
  const q = makeSet(rng, centers, N);
  const r = makeSet(rng, centers, N);
  const dir = mkdtempSync(join(tmpdir(), 'deepmetric-bench-knn-'));
  writeFileSync(join(dir, 'q.f32'), q.x);
  writeFileSync(join(dir, 'ql.i32'), q.labels);
  writeFileSync(join(dir, 'r.f32'), r.x);
  writeFileSync(join(dir, 'rl.i32'), r.labels);

  const query = tf.tensor2d(q.x, [N, D]);
  const reference = tf.tensor2d(r.x, [N, D]);
  const scenarios: Array<{
    name: string;
    distance: () => BaseDistance;
    numpyDistance: string;
    k: number | 'maxBinCount';
  }> = [
    {
      name: 'Euclidean, k = maxBinCount',
      distance: () => new LpDistance({ normalizeEmbeddings: false }),
      numpyDistance: 'euclidean',
      k: 'maxBinCount',
    },
    {
      name: 'cosine, k = maxBinCount',
      distance: () => new CosineSimilarity(),
      numpyDistance: 'cosine',
      k: 'maxBinCount',
    },
    {
      name: 'Euclidean, k = 10',
      distance: () => new LpDistance({ normalizeEmbeddings: false }),
      numpyDistance: 'euclidean',
      k: 10,
    },
  ];
  console.log(`k-NN + retrieval metrics: ${N} queries vs ${N} references, ${D} dims, ${CLASSES} classes`);
  console.log(
    `deepmetric on ${backend} (tfjs 4.22, single-threaded); median of ${REPS} runs after 1 warm-up; numpy median of ${NUMPY_REPS}`,
  );
  console.log(`numpy: ${NUMPY_CHUNK}-query chunks; cpu = CPU seconds of the process (robust on a busy machine)`);
  const tensorsBefore = tf.memory().numTensors;
  for (const s of scenarios) {
    const run = () =>
      retrievalMetrics({
        query,
        queryLabels: q.labels,
        reference,
        referenceLabels: r.labels,
        k: s.k,
        distance: s.distance(),
      });
    let ours = run();
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      ours = run();
      const used = process.cpuUsage(c0);
      cpu.push((used.user + used.system) / 1e6);
      times.push((performance.now() - t0) / 1000);
    }
    const mine = median(times);
    const mineCpu = median(cpu);
    const ref = runNumpy(dir, s.numpyDistance, s.k === 'maxBinCount' ? 'max_bin_count' : String(s.k));
    const maxDiff = Math.max(
      ...(Object.keys(ref.metrics) as Array<keyof NumpyResult['metrics']>).map((m) =>
        Math.abs(ours[m] - ref.metrics[m]),
      ),
    );
    console.log(
      `${s.name.padEnd(27)} k=${String(ours.k).padStart(4)} | wall: deepmetric ${mine.toFixed(2).padStart(6)} s, numpy ${ref.seconds.toFixed(2).padStart(6)} s ` +
        `(matmul ${ref.product_seconds.toFixed(2)} s), ratio x${(mine / ref.seconds).toFixed(2)} | cpu: ${mineCpu.toFixed(2)} s vs ${ref.cpu_seconds.toFixed(2)} s, ` +
        `ratio x${(mineCpu / ref.cpu_seconds).toFixed(2)} | metrics differ by ${maxDiff.toExponential(1)}`,
    );
    console.log(`  ours:  ${JSON.stringify(ours)}`);
    console.log(`  numpy: ${JSON.stringify(ref.metrics)}`);
  }
  console.log('ratio = deepmetric / numpy (below 1: deepmetric is faster)');
  console.log(`tensors leaked by all the timed runs: ${tf.memory().numTensors - tensorsBefore}`);
  tf.dispose([query, reference]);
  rmSync(dir, { recursive: true, force: true });
}

await main();
