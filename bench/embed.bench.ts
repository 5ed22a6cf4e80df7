/**
 * Embedding throughput (images per second, forward pass only) of deepmetric on the wasm backend
 * against the same forward pass in torch (bench/reference/embed.py), in the same run: 10,000
 * images of the bundled Fashion-MNIST sample through the default ConvNet and `mlp:256,128`
 * (embedding 64, L2-normalized, seeded weights written by this script for both sides), in
 * batches of 256.
 *
 * Run: npx tsx bench/embed.bench.ts [--models convnet,convnet:16,32,128,mlp:256,128] [--size 10000] [--rounds 2]
 *
 * deepmetric runs `embedDataset` (this thread) and `embedDatasetParallel` (this thread and
 * worker threads, their start-up included in the time); torch runs with 1 and with 2 threads.
 * Each round runs every side once; the table shows each side's fastest round.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../src/tf.js';
import { initBackend } from '../src/backend/index.js';
import { loadData, subset } from '../src/data/index.js';
import { buildModel, embedDataset } from '../src/models/index.js';
import { embedDatasetParallel } from '../src/training/parallel/index.js';
import { option } from './option.js';
import { formatBuild, referenceBuild, referenceEnv, referencePython } from './reference-python.js';

const MODELS = option('models', 'convnet,convnet:16,32,128,mlp:256,128').split(/,(?=[a-z])/);
const SIZE = Number(option('size', '10000'));
const ROUNDS = Number(option('rounds', '2'));
const THREADS = Number(option('threads', '2'));
const BATCH = 256;
const EMBEDDING_DIM = 64;

interface Reference {
  torch: string;
  threads: number;
  ms: number[];
}

function runReference(dir: string, spec: string, threads: number): Reference {
  const script = fileURLToPath(new URL('./reference/embed.py', import.meta.url));
  const configPath = join(dir, 'config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      model: spec,
      images: join(dir, 'images.f32'),
      weights: join(dir, 'weights.f32'),
      embedding_dim: EMBEDDING_DIM,
      batch_size: BATCH,
      threads,
      out: join(dir, 'torch.f32'),
      reps: 1,
    }),
  );
  return JSON.parse(
    execFileSync(referencePython(), [script, configPath], { encoding: 'utf8', env: referenceEnv() }),
  ) as Reference;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function main(): Promise<void> {
  // The reference's build goes beside the ratios; a reference on the netlib BLAS is refused here.
  const referenceLine = formatBuild(referenceBuild());
  console.log(`reference: ${referenceLine}`);
  const backend = await initBackend('wasm');
  const { train } = await loadData('fashion-mnist');
  const data = subset(
    train,
    Int32Array.from({ length: SIZE }, (_, i) => i),
  );
  const dir = mkdtempSync(join(tmpdir(), 'deepmetric-bench-'));
  writeFileSync(join(dir, 'images.f32'), data.features);
  const rate = (ms: number) => (SIZE / ms) * 1000;

  console.log(
    `embedding throughput: ${SIZE} images of 28 x 28, batches of ${BATCH}, embedding ${EMBEDDING_DIM} L2-normalized; images/s, fastest of ${ROUNDS} rounds`,
  );
  const heads = ['deepmetric 1 thread', `deepmetric ${THREADS} threads`, 'torch 1 thread', `torch ${THREADS} threads`];
  console.log(`${'model'.padEnd(14)} ${heads.map((h) => h.padStart(21)).join('')}`);
  const tensorsBefore = tf.memory().numTensors;
  for (const spec of MODELS) {
    const model = buildModel(spec, {
      inputShape: data.sampleShape,
      embeddingDim: EMBEDDING_DIM,
      normalize: true,
      seed: 0,
    });
    const weights = model.getWeights();
    const flat = new Float32Array(weights.reduce((n, w) => n + w.size, 0));
    let offset = 0;
    for (const w of weights) {
      flat.set(w.dataSync(), offset);
      offset += w.size;
    }
    writeFileSync(join(dir, 'weights.f32'), flat);
    const best = { one: Infinity, many: Infinity, t1: Infinity, tn: Infinity };
    let check = '';
    let torchVersion = '';
    for (let r = 0; r < ROUNDS; r++) {
      const one = await timed(() => embedDataset(model, data, BATCH));
      const many = await timed(() => embedDatasetParallel(model, data, { threads: THREADS, batchSize: BATCH }));
      const t1 = runReference(dir, spec, 1);
      const tn = runReference(dir, spec, THREADS);
      best.one = Math.min(best.one, one.ms);
      best.many = Math.min(best.many, many.ms);
      best.t1 = Math.min(best.t1, ...t1.ms);
      best.tn = Math.min(best.tn, ...tn.ms);
      torchVersion = t1.torch;
      if (r === 0) {
        const ours = one.value.dataSync();
        const theirs = new Float32Array(readFileSync(join(dir, 'torch.f32')).buffer.slice(0));
        const parallelSame = tf.tidy(() => tf.max(tf.abs(tf.sub(one.value, many.value))).dataSync()[0]);
        let diff = 0;
        for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
        check = `  max |deepmetric - torch| ${diff.toExponential(2)}; max |parallel - 1 thread| ${parallelSame}`;
      }
      tf.dispose([one.value, many.value]);
    }
    model.dispose();
    const cells = [best.one, best.many, best.t1, best.tn].map(rate);
    console.log(`${spec.padEnd(14)} ${cells.map((v) => `${v.toFixed(0)} img/s`.padStart(21)).join('')}`);
    console.log(
      `${'  ratio to torch 1 / n threads'.padEnd(14)} ${cells
        .slice(0, 2)
        .map((v) => `${(v / cells[2]).toFixed(2)} / ${(v / cells[3]).toFixed(2)}`.padStart(21))
        .join('')}`,
    );
    console.log(`${check} (torch ${torchVersion}, deepmetric on ${backend})`);
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`ratio = deepmetric / torch images per second (at least 1: deepmetric is as fast or faster)`);
  console.log(`  against ${referenceLine}`);
  console.log(
    `load average at the end: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')} (${cpus().length} cores); tensors left: ${tf.memory().numTensors - tensorsBefore}`,
  );
}

await main();
