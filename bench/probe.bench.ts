/**
 * What the health probe costs during training: the time of one probe (embed the fixed 256-row
 * probe batch in inference mode + embeddingHealth with labels) against the time of the
 * `probeEvery` training steps it watches, at `deepmetric train`'s defaults (batch 10 x 8, Adam,
 * semi-hard mining, probe every 25 steps, `--workers auto`: two data-parallel workers for a
 * ConvNet on two cores), for the default ConvNet and mlp:256,128, on the bundled Fashion-MNIST
 * sample. The issue's budget: at most 5% of the training time.
 *
 * There is no outside reference for this number (it is a share of deepmetric's own step time);
 * the metrics themselves are benchmarked against torch in bench/health.bench.ts.
 *
 * Run: npx tsx bench/probe.bench.ts [--backend wasm|cpu] [--models convnet:16,32,128,mlp:256,128]
 *        [--probes 8] [--every 25] [--rows 256]
 *
 * It trains in cycles of `every` steps and one probe, as a run does, and prints medians over the
 * cycles. The share that counts is the wall-clock one: with workers, the probe runs in this thread
 * while they wait. CPU time of this thread's process is printed too (worker threads included).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, type BackendName } from '../src/backend/index.js';
import { loadData } from '../src/data/index.js';
import { buildModel } from '../src/models/index.js';
import { createOptimizer } from '../src/optimizers/index.js';
import { MPerClassSampler } from '../src/samplers/index.js';
import { Random } from '../src/random.js';
import { tf } from '../src/tf.js';
import { diagnose, healthSnapshot, type TrainingStep } from '../src/health/index.js';
import { saveCheckpoint } from '../src/training/checkpoint.js';
import { HEALTHY_CHECKPOINT_STEPS } from '../src/training/guard-callback.js';
import { HealthProbeCallback } from '../src/training/health-probe-callback.js';
import { distanceFor, lossFor, minerFor } from '../src/run/index.js';
import { DEFAULT_CONFIG, resolveConfig } from '../src/run/index.js';
import { Trainer, type TrainerOptions } from '../src/training/trainer.js';
import { ParallelTrainer, resolveWorkers } from '../src/training/parallel/index.js';
import { median } from './median.js';
import { option } from './option.js';

const BACKEND = option('backend', 'wasm') as BackendName;
const MODELS = option('models', `${DEFAULT_CONFIG.model},mlp:256,128`).split(/,(?=[a-z])/);
const PROBES = Number(option('probes', '8'));
const EVERY = Number(option('every', String(DEFAULT_CONFIG.probeEvery)));
const ROWS = Number(option('rows', '256'));

interface Timing {
  wall: number;
  cpu: number;
}

/** Wall and CPU milliseconds of one call of `fn`. */
async function once(fn: () => unknown): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * Training as it runs: cycles of `every` steps then one probe, after one untimed cycle. Returns
 * the median per-step time, the median probe time, and the median over cycles of the probe's share
 * of the cycle, so that both sides see the same machine load and the same memory state.
 */
async function cycles(every: number, count: number, step: () => unknown, probe: () => unknown) {
  const steps: Timing[] = [];
  const probes: Timing[] = [];
  const shares: Timing[] = [];
  for (let c = 0; c <= count; c++) {
    const cycle: Timing = { wall: 0, cpu: 0 };
    for (let i = 0; i < every; i++) {
      const t = await once(step);
      cycle.wall += t.wall;
      cycle.cpu += t.cpu;
      if (c > 0) steps.push(t);
    }
    const p = await once(probe);
    if (c === 0) continue;
    probes.push(p);
    shares.push({ wall: p.wall / (cycle.wall + p.wall), cpu: p.cpu / (cycle.cpu + p.cpu) });
  }
  const m = (v: Timing[]) => ({ wall: median(v.map((t) => t.wall)), cpu: median(v.map((t) => t.cpu)) });
  return { step: m(steps), probe: m(probes), share: m(shares) };
}

async function main(): Promise<void> {
  await initBackend(BACKEND);
  const { train } = await loadData('fashion-mnist', { seed: 0 });
  process.stdout.write(
    `probe cost on ${BACKEND}, ${cpus().length} cores (load average ${loadavg()[0].toFixed(1)}): probe of ${ROWS} rows every ${EVERY} steps, ${PROBES} timed cycles of ${EVERY} steps + 1 probe (medians)\n\n`,
  );
  const rows: string[][] = [];
  const guardMs: number[] = [];
  for (const spec of MODELS) {
    const config = resolveConfig({}, { model: spec, backend: BACKEND });
    const model = buildModel(spec, {
      inputShape: train.sampleShape,
      embeddingDim: config.embeddingDim,
      normalize: true,
      seed: 0,
    });
    const optimizer = createOptimizer({ name: 'adam', lr: config.lr });
    const batchSize = config.classesPerBatch * config.samplesPerClass;
    const sampler = new MPerClassSampler(train.labels, {
      m: config.samplesPerClass,
      batchSize,
      lengthBeforeNewIter: 100 * batchSize,
      rng: new Random(0),
    });
    const options: TrainerOptions = {
      model,
      optimizer,
      loss: lossFor(config, train.classNames.length),
      miner: minerFor(config.miner, config),
      sampler,
      train,
      totalSteps: 1e6,
      stepsPerEpoch: 1e6,
      logEvery: config.logEvery,
    };
    const workers = resolveWorkers(config.workers, { model: spec, backend: BACKEND, batchSize });
    const parallel = workers > 1 ? new ParallelTrainer({ ...options, workers }) : null;
    await parallel?.start();
    const trainer = parallel ?? new Trainer(options);
    const probe = new HealthProbeCallback<Trainer>(train, {
      every: EVERY,
      rows: ROWS,
      // As runTraining's probe: normalized Euclidean is embeddingHealth's default (one matrix shared).
      ...(config.distance === 'euclidean' && config.normalizeEmbeddings
        ? {}
        : { distance: distanceFor(config.distance, config.normalizeEmbeddings) }),
      margin: config.margin,
    });
    const {
      step,
      probe: measured,
      share,
    } = await cycles(
      EVERY,
      PROBES,
      () => {
        trainer.trainStep();
        trainer.step += 1;
      },
      () => probe.measure(trainer),
    );
    // The guard's part: diagnose on the log of a default 900-step run (a record every 10 steps, a probe every 25).
    const health = healthSnapshot(probe.measure(trainer), probe.probe.labels);
    const log: TrainingStep[] = [];
    for (let s = 0; s < 900; s++) {
      if (s % 10 !== 0 && s % EVERY !== 0) continue;
      log.push({
        step: s,
        loss: 0.1,
        lr: 1e-3,
        numTriplets: 1000,
        activeFraction: 1,
        meanAP: 0.6,
        meanAN: 0.8,
        gradNorm: 1,
        updateRatio: 0.003,
        ...(s % EVERY === 0 ? { health } : {}),
      });
    }
    // --guard recover also saves the last healthy checkpoint at every healthy probe.
    const dir = mkdtempSync(join(tmpdir(), 'dm-probe-bench-'));
    const saves: Timing[] = [];
    for (let i = 0; i < 5; i++)
      saves.push(
        await once(() => saveCheckpoint(join(dir, 'healthy'), model, optimizer, { step: 0, seconds: 0, parts: {} })),
      );
    rmSync(dir, { recursive: true, force: true });
    const save = { wall: median(saves.map((t) => t.wall)), cpu: median(saves.map((t) => t.cpu)) };
    const guard: number[] = [];
    for (let i = 0; i < 10; i++) guard.push((await once(() => diagnose({ health, history: log, run: config }))).cpu);
    guardMs.push(median(guard));
    await parallel?.close();
    rows.push([
      `${spec} (${workers === 1 ? '1 thread' : `${workers} workers`})`,
      `${step.wall.toFixed(1)} / ${step.cpu.toFixed(1)}`,
      `${measured.wall.toFixed(1)} / ${measured.cpu.toFixed(1)}`,
      `${(100 * share.wall).toFixed(2)}% / ${(100 * share.cpu).toFixed(2)}%`,
      `${save.wall.toFixed(1)} / ${save.cpu.toFixed(1)} (${((100 * save.wall) / (HEALTHY_CHECKPOINT_STEPS * step.wall)).toFixed(2)}% wall)`,
    ]);
    model.dispose();
    optimizer.dispose();
  }
  const header = [
    'model',
    'step ms (wall / cpu)',
    'probe ms (wall / cpu)',
    `probe share of a ${EVERY}-step cycle (wall / cpu)`,
    `recover: healthy checkpoint ms, one per ${HEALTHY_CHECKPOINT_STEPS} steps (wall / cpu)`,
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(
    `${line(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${rows.map(line).join('\n')}\n`,
  );
  process.stdout.write(
    `guard (diagnose on a 900-step log, per probe): ${guardMs.map((m) => `${m.toFixed(2)} ms`).join(', ')} CPU\ntensors left: ${tf.memory().numTensors}\n`,
  );
}

await main();
