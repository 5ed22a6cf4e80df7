/**
 * Triplet loss with batch-hard mining, forward and backward, on a batch of 512 x 128 (P = 64
 * classes x K = 8) on the wasm backend, against the same computation in plain torch
 * (bench/reference/triplet_loss.py) on the same inputs, in the same run. Also the loss over all
 * 1.8 million triplets of the batch.
 *
 * Run: npx tsx bench/triplet-loss.bench.ts [--reps 20] [--warmup 3] [--rounds 3]
 *
 * Each round times deepmetric, then torch with 1 thread, then torch with 2 threads (median of
 * `reps` runs each); the table shows the fastest round of each, so that a burst of load from
 * other processes on the machine penalizes neither side.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../src/tf.js';
import { initBackend } from '../src/backend/index.js';
import { TripletMarginLoss } from '../src/losses/index.js';
import { BatchHardMiner } from '../src/miners/index.js';
import { Random } from '../src/random.js';
import { median } from './median.js';
import { option } from './option.js';
import { formatBuild, referenceBuild, referenceEnv, referencePython } from './reference-python.js';

const P = 64;
const K = 8;
const N = P * K;
const D = 128;
const MARGIN = 0.2;

const REPS = option('reps', 20);
const WARMUP = option('warmup', 3);
const ROUNDS = option('rounds', 3);

/** Clustered embeddings (a center per class plus noise), so that batch-hard picks real, varied triplets. */
function makeBatch(): { embeddings: Float32Array; labels: Int32Array } {
  const rng = new Random(0);
  const centers = Array.from({ length: P }, () => Array.from({ length: D }, () => rng.normal()));
  const embeddings = new Float32Array(N * D);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    labels[i] = i % P;
    for (let k = 0; k < D; k++) embeddings[i * D + k] = centers[labels[i]][k] + 1.5 * rng.normal();
  }
  return { embeddings, labels };
}

function timed(fn: () => void, warmup: number, reps: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

interface Reference {
  threads: number;
  torch: string;
  mine_ms: number;
  hard_forward_ms: number;
  hard_step_ms: number;
  all_step_ms: number;
  hard_loss: number;
  hard_grad_norm: number;
  all_loss: number;
  all_grad_norm: number;
  num_hard_triplets: number;
  num_all_triplets: number;
}

function runReference(dir: string, threads: number): Reference {
  const script = fileURLToPath(new URL('./reference/triplet_loss.py', import.meta.url));
  const args = [script, join(dir, 'emb.f32'), join(dir, 'labels.i32'), N, D, MARGIN, WARMUP, REPS, threads].map(String);
  return JSON.parse(execFileSync(referencePython(), args, { encoding: 'utf8', env: referenceEnv() })) as Reference;
}

async function main(): Promise<void> {
  // The reference's build goes beside the ratios; a reference on the netlib BLAS is refused here.
  const referenceLine = formatBuild(referenceBuild());
  console.log(`reference: ${referenceLine}`);
  const backend = await initBackend('wasm');
  const { embeddings, labels } = makeBatch();
  const dir = mkdtempSync(join(tmpdir(), 'deepmetric-bench-'));
  writeFileSync(join(dir, 'emb.f32'), embeddings);
  writeFileSync(join(dir, 'labels.i32'), labels);

  const initial = tf.tensor2d(embeddings, [N, D]);
  const x = tf.variable(initial, true, 'embeddings');
  initial.dispose();
  const tensorsBefore = tf.memory().numTensors;
  const miner = new BatchHardMiner();
  const loss = new TripletMarginLoss({ margin: MARGIN });
  /** One training step's worth of work: mine (or not), the loss, its gradient; returns what to check. */
  const step = (mine: boolean): { loss: number; gradNorm: number } => {
    const { value, grads } = tf.variableGrads(
      () => loss.compute(x, labels, mine ? miner.mine(x, labels) : undefined),
      [x],
    );
    const g = grads[x.name];
    const out = tf.tidy(() => ({ loss: value.dataSync()[0], gradNorm: tf.norm(g).dataSync()[0] }));
    tf.dispose([value, g]);
    return out;
  };
  const timeOurs = () => ({
    mine: timed(() => void miner.mine(x, labels), WARMUP, REPS),
    forward: timed(() => tf.tidy(() => void loss.compute(x, labels, miner.mine(x, labels)).dataSync()), WARMUP, REPS),
    step: timed(() => void step(true), WARMUP, REPS),
    all: timed(() => void step(false), Math.max(1, WARMUP >> 1), Math.max(3, REPS >> 2)),
  });
  const rounds: Array<{ ours: ReturnType<typeof timeOurs>; t1: Reference; t2: Reference }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push({ ours: timeOurs(), t1: runReference(dir, 1), t2: runReference(dir, 2) });
  }
  const ours = { ...step(true), triplets: loss.lastStats?.numTriplets ?? 0 };
  const all = { ...step(false), triplets: loss.lastStats?.numTriplets ?? 0 };
  const leaked = tf.memory().numTensors - tensorsBefore;
  x.dispose();
  rmSync(dir, { recursive: true, force: true });
  const minOf = (pick: (round: (typeof rounds)[number]) => number) => Math.min(...rounds.map(pick));
  const t1 = rounds[0].t1;
  const torchVersion = t1.torch;

  const row = (what: string, mine: number, ...refs: number[]) =>
    `${what.padEnd(34)} ${mine.toFixed(1).padStart(9)} ms ${refs.map((r) => `${r.toFixed(1).padStart(9)} ms  x${(mine / r).toFixed(2).padStart(5)}`).join('  ')}`;
  console.log(
    `triplet loss + batch-hard mining, batch ${N} x ${D} (P=${P} x K=${K}), margin ${MARGIN}, normalized Euclidean`,
  );
  console.log(
    `deepmetric on ${backend} (tfjs 4.22, single-threaded) vs torch ${torchVersion} on cpu; fastest of ${ROUNDS} rounds, each the median of ${REPS} runs after ${WARMUP} warm-up`,
  );
  console.log(
    `${''.padEnd(34)} ${'deepmetric'.padStart(12)} ${'torch 1 thread'.padStart(14)}  ratio  ${'torch 2 threads'.padStart(15)}  ratio`,
  );
  console.log(
    row(
      'mining only (BatchHardMiner)',
      minOf((r) => r.ours.mine),
      minOf((r) => r.t1.mine_ms),
      minOf((r) => r.t2.mine_ms),
    ),
  );
  console.log(
    row(
      'mine + loss, forward',
      minOf((r) => r.ours.forward),
      minOf((r) => r.t1.hard_forward_ms),
      minOf((r) => r.t2.hard_forward_ms),
    ),
  );
  console.log(
    row(
      'mine + loss + gradient (a step)',
      minOf((r) => r.ours.step),
      minOf((r) => r.t1.hard_step_ms),
      minOf((r) => r.t2.hard_step_ms),
    ),
  );
  console.log(
    row(
      `all ${all.triplets} triplets + gradient`,
      minOf((r) => r.ours.all),
      minOf((r) => r.t1.all_step_ms),
      minOf((r) => r.t2.all_step_ms),
    ),
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')} (${cpus().length} cores)`,
  );
  console.log(`ratio = deepmetric / torch (above 1: deepmetric is slower)`);
  console.log(`  against ${referenceLine}`);
  console.log(
    `check: batch-hard loss ${ours.loss.toFixed(6)} vs torch ${t1.hard_loss.toFixed(6)} (${ours.triplets} vs ${t1.num_hard_triplets} triplets), ` +
      `|grad| ${ours.gradNorm.toExponential(4)} vs ${t1.hard_grad_norm.toExponential(4)}`,
  );
  console.log(
    `check: all-triplet loss ${all.loss.toFixed(6)} vs torch ${t1.all_loss.toFixed(6)} (${all.triplets} vs ${t1.num_all_triplets} triplets), ` +
      `|grad| ${all.gradNorm.toExponential(4)} vs ${t1.all_grad_norm.toExponential(4)}`,
  );
  console.log(`tensors leaked by all the timed runs: ${leaked}`);
}

await main();
