/**
 * Where the time of a training step goes (issue 13, step 2): each op's share of one step of
 * deepmetric's Trainer on the wasm backend (one thread, as `bench/train.bench.ts` builds it: batch
 * 8 x 16, batch-hard triplet loss, Adam, embedding 64 L2-normalized) against the same step in
 * torch under `torch.profiler` (bench/reference/profile_step.py, 1 and 2 threads, the faster
 * shown), with each convolution's and dense layer's GFLOP/s on both sides.
 *
 * Run: npx tsx bench/profile-step.bench.ts [--models convnet:16,32,128,convnet,mlp:256,128] [--steps 20] [--warmup 5] [--list]
 *
 * deepmetric's side: every wasm kernel is wrapped in a timer (the outermost kernel only: a
 * deepmetric kernel that runs tfjs kernels inside it counts once), and the step is cut into
 * phases: the batch's hand-off (gather, tensor), the network's forward pass, mining + loss, the
 * loss's backward pass, the network's backward pass (from the moment the gradient reaches the
 * embeddings: a marker op on the model's output), the gradient norms and their readback, Adam and
 * the step's end (finite check, weight copies). A phase's time outside its kernels is the engine's
 * and JavaScript's (dispatch, the tape, allocation): "outside kernels". The marker costs two
 * copies of the 128 x 64 embeddings.
 *
 * FLOPs are those of the direct operation (2·B·H·W·k²·Cin·Cout for a convolution, 2·m·k·n for a
 * product), so a Winograd convolution's GFLOP/s is its equivalent rate; torch's convolution backward
 * is one op (input and filter gradients together), so its rate is over both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../src/tf.js';
import { initBackend } from '../src/backend/index.js';
import { batchTensor, loadData, type Dataset } from '../src/data/index.js';
import { Trainer } from '../src/training/trainer.js';
import { median } from './median.js';
import { option } from './option.js';
import { formatBuild, referenceBuild, referenceEnv, referencePython } from './reference-python.js';
import {
  EMBEDDING_DIM,
  MARGIN,
  stepModel,
  stepSampler,
  stepTrainer,
  writeStepData,
  writeStepWeights,
  writeTorchConfig,
} from './training-step.js';

const MODELS = option('models', 'convnet:16,32,128,convnet,mlp:256,128').split(/,(?=[a-z])/);
const STEPS = option('steps', 20);
const WARMUP = option('warmup', 5);
const LIST = process.argv.includes('--list');
const CLASSES = 8;
const SAMPLES = 16;
const BATCH = CLASSES * SAMPLES;

type Phase = 'data' | 'forward' | 'loss' | 'loss backward' | 'model backward' | 'norms' | 'adam' | 'end';

/** Milliseconds per category over the measured steps, and each category's FLOPs per step. */
interface Profile {
  stepMs: number;
  ms: Map<string, number>;
  flops: Map<string, number>;
}

let phase: Phase = 'end';
let phaseStart = 0;
let depth = 0;
/** Between the last dense layer's forward kernel and its backward one: the L2-normalize layer's kernels. */
let normalizing = false;
let recording = false;
const phaseMs = new Map<Phase, number>();
const kernelMs = new Map<string, number>();
const kernelFlops = new Map<string, number>();
/** Each layer's name by its output width, learned from its forward kernel (`conv 32` -> `conv 16->32`). */
const layers = new Map<string, string>();

function mark(next: Phase): void {
  const now = performance.now();
  if (recording) phaseMs.set(phase, (phaseMs.get(phase) ?? 0) + now - phaseStart);
  phase = next;
  phaseStart = now;
  normalizing = next === 'model backward';
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

/** The direct operation's FLOPs of a product or convolution kernel, else 0. */
function flopsOf(name: string, inputs: tf.TensorInfo[], attrs: tf.NamedAttrMap, out: tf.TensorInfo): number {
  const size = (s: number[]) => s.reduce((n, d) => n * d, 1);
  if (name === 'BatchMatMul' || name === '_FusedMatMul') {
    const a = inputs[0].shape;
    const k = attrs.transposeA === true ? a[a.length - 2] : a[a.length - 1];
    return 2 * size(out.shape) * k;
  }
  if (name === 'Conv2D' || name === 'FusedConv2D') {
    const [fh, fw, cin] = inputs[1].shape;
    return 2 * size(out.shape) * fh * fw * cin;
  }
  if (name === 'Conv2DBackpropInput') {
    const [fh, fw, , cout] = inputs[1].shape;
    return 2 * size(out.shape) * fh * fw * cout;
  }
  if (name === 'Conv2DBackpropFilter') return 2 * size(out.shape) * size(inputs[1].shape.slice(0, 3));
  return 0;
}

/**
 * The category a kernel's time goes to, from its phase, name and shapes. Layers are named by
 * their shapes: conv `in->out` channels, dense `in->out` units.
 */
const NETWORK_PHASES = new Set<Phase>(['forward', 'model backward']);
const PHASE_CATEGORY: Record<Phase, string> = {
  data: 'data hand-off',
  forward: '',
  loss: 'distance + mining + loss (fwd + bwd)',
  'loss backward': 'distance + mining + loss (fwd + bwd)',
  'model backward': '',
  norms: 'grad norms, finite check, weight copies',
  adam: 'Adam',
  end: 'grad norms, finite check, weight copies',
};

function categoryOf(name: string, inputs: tf.TensorInfo[], attrs: tf.NamedAttrMap, out: tf.TensorInfo): string {
  if (!NETWORK_PHASES.has(phase)) return PHASE_CATEGORY[phase];
  const backward = phase === 'model backward';
  const shape = inputs[0]?.shape ?? [];
  if (name === 'Conv2D' || name === 'FusedConv2D') {
    const layer = `conv ${inputs[1].shape[2]}->${inputs[1].shape[3]}`;
    layers.set(`conv ${inputs[1].shape[3]}`, layer);
    return `${layer} forward (kernel)`;
  }
  if (name === 'Conv2DBackpropInput') return `conv ${out.shape[3]}->${inputs[0].shape[3]} backward (input)`;
  if (name === 'Conv2DBackpropFilter') return `conv ${inputs[0].shape[3]}->${inputs[1].shape[3]} backward (filter)`;
  if (name === 'BatchMatMul' || name === '_FusedMatMul') {
    const b = inputs[1].shape;
    if (!backward) {
      const units = out.shape[out.shape.length - 1];
      const layer = `dense ${b[b.length - 2]}->${units}`;
      layers.set(`dense ${units}`, layer);
      normalizing = units === EMBEDDING_DIM;
      return `${layer} forward`;
    }
    normalizing = false;
    // dW = xᵀ·dy: out is [in, units]; dx = dy·Wᵀ: b is W, [in, units].
    const w = attrs.transposeA === true ? out.shape : b;
    return `dense ${w[w.length - 2]}->${w[w.length - 1]} backward`;
  }
  const axis = attrs.axis as number[] | number | undefined;
  const overBatch = Array.isArray(axis) ? axis.includes(0) : axis === 0;
  if (name === 'Sum' && backward && overBatch) {
    const units = shape[shape.length - 1];
    const layer = layers.get(`${shape.length === 4 ? 'conv' : 'dense'} ${units}`) ?? `? ${units}`;
    return shape.length === 4 ? `${layer} backward (bias)` : `${layer} backward`;
  }
  // The engine's copies of the tensors a gradient needs (saved on the tape: Identity copies on wasm).
  if (name === 'Identity') return 'tape copies (Identity)';
  if (normalizing) return 'L2 normalize (fwd + bwd)';
  if ((name === 'Add' || name === 'BiasAdd') && !backward && inputs[1]?.shape.length === 1) {
    const layer = layers.get(`${shape.length === 4 ? 'conv' : 'dense'} ${shape[shape.length - 1]}`);
    if (layer !== undefined) return `${layer} forward${shape.length === 4 ? ' (bias)' : ''}`;
  }
  if (name === 'Relu' || name === 'Step' || (backward && (name === 'Multiply' || name === 'Cast')))
    return 'relu (fwd + bwd)';
  if (name === 'MaxPool' || name === 'MaxPoolGrad') return 'max pool (fwd + bwd)';
  return `other: ${name}`;
}

/** Wraps every wasm kernel in a timer that charges the outermost kernel's time to its category. */
function timeKernels(): void {
  for (const config of tf.getKernelsForBackend('wasm')) {
    const kernelFunc = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        depth += 1;
        const t0 = performance.now();
        let result: tf.TensorInfo | tf.TensorInfo[] | undefined;
        try {
          result = kernelFunc(args);
          return result;
        } finally {
          depth -= 1;
          const ms = performance.now() - t0;
          if (depth === 0 && recording && result !== undefined) {
            record(config.kernelName, args, Array.isArray(result) ? result[0] : result, ms);
          }
        }
      },
    });
  }
}

function record(name: string, args: Parameters<tf.KernelFunc>[0], out: tf.TensorInfo, ms: number): void {
  const inputs = Object.values(args.inputs).filter((t): t is tf.TensorInfo => t !== undefined);
  const attrs = args.attrs ?? {};
  const category = categoryOf(name, inputs, attrs, out);
  add(kernelMs, `${phase}\t${category}`, ms);
  if (/^(conv|dense) /.test(category)) add(kernelFlops, category, flopsOf(name, inputs, attrs, out));
  if (LIST) {
    const shapes = inputs.map((i) => `[${i.shape.join(',')}]`).join(' ');
    console.log(`  ${phase.padEnd(15)} ${name.padEnd(22)} ${shapes} -> [${out.shape.join(',')}] ${ms.toFixed(3)} ms`);
  }
}

/** An identity on the model's output whose gradient marks where the network's backward pass starts. */
const backwardMarker = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x] = args as [tf.Tensor2D];
  return {
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => {
      mark('model backward');
      return [tf.clone(dy)];
    },
  };
});

/** The Trainer's step with its phases marked; the same kernels otherwise. */
class PhasedTrainer extends Trainer {
  protected override lossAndGradients(
    rows: Int32Array,
    labels: Int32Array,
    variables: tf.Variable[],
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    const x = batchTensor(this.train, rows);
    try {
      return this.optimizer.computeGradients(() => {
        mark('forward');
        const embeddings = backwardMarker(this.model.apply(x, { training: true }) as tf.Tensor2D) as tf.Tensor2D;
        mark('loss');
        const indices = this.miner === null ? undefined : this.miner.mine(embeddings, labels);
        const loss = this.loss.compute(embeddings, labels, indices);
        mark('loss backward');
        return loss;
      }, variables);
    } finally {
      x.dispose();
      mark('norms');
    }
  }
}

/** deepmetric's profile of `spec`: milliseconds per category and step, and FLOPs per step. */
function profileDeepmetric(spec: string, train: Dataset): Profile & { phases: string[] } {
  const { model, optimizer, options } = stepTrainer(spec, train, stepSampler(train.labels, SAMPLES, BATCH));
  const apply = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (grads) => {
    mark('adam');
    apply(grads);
    mark('end');
  };
  const trainer = new PhasedTrainer(options);
  phaseMs.clear();
  kernelMs.clear();
  kernelFlops.clear();
  const stepMs: number[] = [];
  for (let i = 0; i < WARMUP + STEPS; i++) {
    recording = i >= WARMUP && !(LIST && i > WARMUP);
    const t0 = performance.now();
    mark('data');
    trainer.trainStep();
    trainer.step += 1;
    mark('end');
    recording = false;
    if (i >= WARMUP) stepMs.push(performance.now() - t0);
  }
  model.dispose();
  optimizer.dispose();
  const steps = LIST ? 1 : STEPS;
  const ms = new Map<string, number>();
  const inKernels = new Map<string, number>();
  for (const [key, value] of kernelMs) {
    const [p, category] = key.split('\t');
    add(ms, category, value / steps);
    add(inKernels, p, value / steps);
  }
  const phases: string[] = [];
  for (const [p, value] of phaseMs) {
    const outside = value / steps - (inKernels.get(p) ?? 0);
    // The network's phases run kernels; the time between them is the engine's. The other phases
    // are one category each, JavaScript included (the miner mines in JS; Adam calls SIMD code directly).
    add(ms, NETWORK_PHASES.has(p) ? 'network: outside kernels (engine, tape, JS)' : PHASE_CATEGORY[p], outside);
    phases.push(`${p} ${(value / steps).toFixed(2)} ms (${outside.toFixed(2)} outside kernels)`);
  }
  const flops = new Map([...kernelFlops].map(([k, v]) => [k, v / steps]));
  return { stepMs: median(stepMs), ms, flops, phases };
}

interface TorchProfile {
  threads: number;
  step_ms: number;
  profiled_step_ms: number;
  ms: Record<string, number>;
  phases: Record<string, number>;
}

/** torch's profile of the same step (bench/reference/profile_step.py) on `threads` threads. */
function profileTorch(dir: string, spec: string, threads: number): TorchProfile {
  const configPath = writeTorchConfig(dir, spec, threads, BATCH, { steps: STEPS, warmup: WARMUP });
  const script = fileURLToPath(new URL('./reference/profile_step.py', import.meta.url));
  const run = spawnSync(referencePython(), [script, configPath], { env: referenceEnv(), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`torch profile failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as TorchProfile;
}

/** The layer a deepmetric category belongs to in torch's table: torch's conv backward is one op. */
function torchKey(category: string): string {
  return category.replace(/ \((input|filter|bias|kernel)\)$/, '');
}

function printTable(spec: string, dm: Profile, torch: TorchProfile, torchOther: TorchProfile): void {
  const dmTotal = [...dm.ms.values()].reduce((a, b) => a + b, 0);
  const torchTotal = Object.values(torch.ms).reduce((a, b) => a + b, 0);
  // deepmetric's 'other: Name' kernels and torch's 'other: ...' ops, each summed into one row.
  const fold = (key: string) => (key.startsWith('other: ') ? 'other kernels / ops' : key);
  const dmRows = new Map<string, number>();
  for (const [k, v] of dm.ms) add(dmRows, fold(k), v);
  const torchRows = new Map<string, number>();
  for (const [k, v] of Object.entries(torch.ms)) add(torchRows, fold(k), v);
  const flops = new Map<string, number>();
  for (const [k, v] of dm.flops) if (v > 0) add(flops, torchKey(k), v);
  const groups = new Map<string, string[]>();
  for (const k of dmRows.keys()) groups.set(torchKey(k), [...(groups.get(torchKey(k)) ?? []), k]);
  for (const k of torchRows.keys()) if (!groups.has(k)) groups.set(k, []);
  const rate = (f: number, ms: number) => (f > 0 && ms > 0 ? (f / ms / 1e6).toFixed(1) : '');
  const pct = (ms: number, total: number) => `${((100 * ms) / total).toFixed(1)}%`;
  console.log(
    `\n### ${spec}: deepmetric 1 thread ${dm.stepMs.toFixed(1)} ms/step (median; ${dmTotal.toFixed(1)} ms profiled), torch ${torch.threads} thread${torch.threads === 1 ? '' : 's'} ${torch.step_ms.toFixed(1)} ms/step (${torch.profiled_step_ms.toFixed(1)} ms profiled; ${torchOther.threads} thread${torchOther.threads === 1 ? '' : 's'}: ${torchOther.step_ms.toFixed(1)} ms)\n`,
  );
  console.log(
    '| op | deepmetric ms | share | torch ms | share | deepmetric GFLOP/s | torch GFLOP/s | torch / deepmetric time |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const order = [...groups.entries()].sort(
    ([a, ka], [b, kb]) =>
      kb.reduce((s, k) => s + (dmRows.get(k) ?? 0), 0) +
      (torchRows.get(b) ?? 0) / 10 -
      (ka.reduce((s, k) => s + (dmRows.get(k) ?? 0), 0) + (torchRows.get(a) ?? 0) / 10),
  );
  for (const [group, keys] of order) {
    const dmMs = keys.reduce((s, k) => s + (dmRows.get(k) ?? 0), 0);
    const tMs = torchRows.get(group);
    const f = flops.get(group) ?? 0;
    console.log(
      `| ${group} | ${dmMs.toFixed(2)} | ${pct(dmMs, dmTotal)} | ${tMs === undefined ? '-' : tMs.toFixed(2)} | ${tMs === undefined ? '-' : pct(tMs, torchTotal)} | ${rate(f, dmMs)} | ${tMs === undefined ? '' : rate(f, tMs)} | ${tMs === undefined || dmMs === 0 ? '' : (tMs / dmMs).toFixed(2)} |`,
    );
    if (keys.length > 1) {
      for (const k of keys.sort()) {
        const ms = dmRows.get(k) ?? 0;
        console.log(
          `| &nbsp;&nbsp;${k.slice(group.length).trim()} | ${ms.toFixed(2)} | ${pct(ms, dmTotal)} | | | ${rate(dm.flops.get(k) ?? 0, ms)} | | |`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const referenceLine = formatBuild(referenceBuild());
  console.log(`reference: ${referenceLine}`);
  const backend = await initBackend('wasm');
  timeKernels();
  const { train } = await loadData('fashion-mnist');
  const dir = mkdtempSync(join(tmpdir(), 'deepmetric-profile-'));
  writeStepData(dir, train, stepSampler(train.labels, SAMPLES, BATCH), WARMUP + 2 * STEPS, BATCH);
  console.log(
    `one training step: batch ${BATCH} (${CLASSES} x ${SAMPLES}), triplet loss (margin ${MARGIN}) + batch-hard mining, Adam, embedding ${EMBEDDING_DIM} L2-normalized; deepmetric on ${backend}, 1 thread (Trainer); ${WARMUP} warm-up steps, then ${STEPS} profiled; ms per step`,
  );
  for (const spec of MODELS) {
    const seedModel = stepModel(spec, train);
    writeStepWeights(dir, seedModel.getWeights());
    seedModel.dispose();
    layers.clear();
    const dm = profileDeepmetric(spec, train);
    if (LIST) continue;
    const [t1, t2] = [profileTorch(dir, spec, 1), profileTorch(dir, spec, 2)];
    const [best, other] = t1.step_ms <= t2.step_ms ? [t1, t2] : [t2, t1];
    printTable(spec, dm, best, other);
    console.log(`\ndeepmetric's phases: ${dm.phases.join('; ')}`);
    console.log(
      `torch's phases (${best.threads} thread${best.threads === 1 ? '' : 's'}): ${Object.entries(best.phases)
        .map(([p, ms]) => `${p} ${ms.toFixed(2)} ms`)
        .join('; ')}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nagainst ${referenceLine}`);
  console.log(
    `load average at the end: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')} (${cpus().length} cores)`,
  );
}

await main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
