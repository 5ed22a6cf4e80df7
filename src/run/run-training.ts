import { nodeModule } from '../io/node-module.js';
import { join } from 'pathe';
import type * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import { DeepmetricError, invalidArgument } from '../errors.js';
import { initBackend, type BackendName } from '../backend/index.js';
import { loadData, type Dataset } from '../data/index.js';
import { dataOptions } from './data-options.js';
import { buildModel, embedDataset, saveModel } from '../models/index.js';
import { createOptimizer } from '../optimizers/index.js';
import { MPerClassSampler } from '../samplers/index.js';
import { retrievalWithRaw, type RetrievalMetrics } from '../evaluation/index.js';
import { Random } from '../random.js';
import { writeFileAtomic } from '../io/index.js';
import {
  type Callback,
  CheckpointCallback,
  type Stateful,
  loadCheckpoint,
  LogCallback,
  ProgressCallback,
  Trainer,
  type StopRequest,
  ParallelTrainer,
  resolveWorkers,
  type GuardSummary,
  type StepRecord,
} from '../training/index.js';
import { RunLog, readRunLog } from './run-log.js';
import { runVerdict } from './run-verdict.js';
import { lossFor, minerFor, scheduleFor } from './run-parts.js';
import { totalSteps, type TrainConfig } from './train-config.js';
import { LOSS_WEIGHTS_PART, collapseWatch, finalHealth } from './collapse-watch.js';
import { CHECKPOINT_DIR, runPaths } from './run-layout.js';
import type { HealthSnapshot, Verdict } from '../health/index.js';

export interface RunTrainingOptions {
  /** Continue the run in `config.out` from its last checkpoint. */
  resume?: boolean;
  /** Where progress goes (a bar on a terminal, lines otherwise); null for none. Default stderr. */
  progress?: NodeJS.WriteStream | null;
  /** Aborting ends the run after the current step with a checkpoint (what Ctrl-C does in the CLI). */
  signal?: AbortSignal;
  /** More callbacks, after the run's own. */
  callbacks?: Array<Callback<Trainer>>;
}

/** What a run reports at its end, also written to `summary.json`. */
export interface TrainSummary {
  runDir: string;
  backend: BackendName;
  /** Steps completed; fewer than planned when the run was interrupted. */
  steps: number;
  plannedSteps: number;
  seconds: number;
  /** Why the run stopped early, or null when it finished. */
  stopped: StopRequest | null;
  /** Held-out retrieval of the trained embeddings (leave-one-out on the test split); null if interrupted. */
  test: RetrievalMetrics | null;
  /** The same metrics on the raw input features: what training bought. */
  rawTest: RetrievalMetrics | null;
  testSize: number;
  /** Health of the test-split embeddings at the end (what `deepmetric diagnose RUN_DIR` reads); null if stopped. */
  health: HealthSnapshot | null;
  /** What the collapse guard concluded and did. */
  guard: GuardSummary;
  /**
   * The run's collapse verdict as `deepmetric diagnose RUN_DIR` gives it (the worse of the last probe
   * and the test split's health, with the log), its causes with confidence >= 0.5; null if stopped.
   */
  verdict: { verdict: Verdict; causes: Array<{ id: string; confidence: number }> } | null;
}

/**
 * Runs `deepmetric train`: loads the data, builds the model and the parts from `config`, trains
 * with logging, schedules and checkpoints, then saves the model and measures held-out
 * precision@1 against the raw input. Writes the run directory described in docs/cli.md.
 *
 * @example
 * const summary = await runTraining(resolveConfig({}, { steps: 100, out: 'runs/try' }));
 * console.log(summary.test?.precisionAt1, summary.rawTest?.precisionAt1);
 */
export async function runTraining(config: TrainConfig, options: RunTrainingOptions = {}): Promise<TrainSummary> {
  const runDir = config.out === '' ? defaultRunDir() : config.out;
  // Checked now, written only once the data, the model and the sampler have accepted the settings:
  // a run refused for bad input leaves no directory behind.
  await checkRunDir(runDir, options.resume ?? false);
  const backend = await initBackend(config.backend);
  const { train, test } = await loadData(config.data, dataOptions(config));

  const model = buildModel(config.model, {
    inputShape: train.sampleShape,
    embeddingDim: config.embeddingDim,
    normalize: config.normalize,
    seed: config.seed,
  });
  const optimizer =
    config.optimizer === 'adam'
      ? createOptimizer({ name: 'adam', lr: config.lr, weightDecay: config.weightDecay })
      : createOptimizer({ name: 'sgd', lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay });
  const loss = lossFor(config, train.classNames.length);
  const miner = minerFor(config.miner, config);
  const batchSize = config.classesPerBatch * config.samplesPerClass;
  const sampler = new MPerClassSampler(train.labels, {
    m: config.samplesPerClass,
    batchSize,
    lengthBeforeNewIter: config.stepsPerEpoch * batchSize,
    rng: new Random(config.seed),
    source: `${train.source} (training split)`,
    classNames: train.classNames,
  });
  const schedule = scheduleFor(config);
  const parts: Record<string, Stateful> = {
    sampler: sampler as Stateful,
    schedule: schedule as Stateful,
    ...('rng' in loss && loss.rng instanceof Random ? { lossRng: rngPart(loss.rng) } : {}),
    ...(loss.trainableWeights().length > 0 ? { [LOSS_WEIGHTS_PART]: variablesPart(loss.trainableWeights()) } : {}),
    ...(miner !== null && 'rng' in miner && miner.rng instanceof Random ? { minerRng: rngPart(miner.rng) } : {}),
  };

  const paths = runPaths(runDir);
  const log = new RunLog(paths.log);
  // Collapse watch: the health probe and the guard, checkpointed with the other parts.
  const watch = collapseWatch(config, train, {
    runDir,
    schedule,
    parts,
    stream: options.progress === null ? null : (options.progress ?? process.stderr),
  });
  Object.assign(parts, watch.parts);
  let startStep = 0;
  let seconds = 0;
  if (options.resume) {
    const state = await loadCheckpoint(paths.checkpoint, model, optimizer);
    for (const [name, part] of Object.entries(parts)) part.loadState(state.parts[name]);
    startStep = state.step;
    seconds = state.seconds;
    await log.truncateTo(startStep);
  } else {
    await writeFileAtomic(paths.config, `${JSON.stringify({ ...config, out: runDir }, null, 2)}\n`);
    await log.reset();
  }

  const callbacks: Array<Callback<Trainer>> = [
    schedule,
    ...watch.callbacks,
    new LogCallback(log, config.logEvery),
    new CheckpointCallback(paths.checkpoint, parts),
    ...(options.progress === null ? [] : [new ProgressCallback<Trainer>(options.progress ?? process.stderr)]),
    ...(options.callbacks ?? []),
  ];
  const trainerOptions = {
    model,
    optimizer,
    loss,
    miner,
    mining: config.miner,
    sampler,
    train,
    totalSteps: totalSteps(config),
    stepsPerEpoch: config.stepsPerEpoch,
    logEvery: config.logEvery,
    callbacks,
    startStep,
  };
  // ParallelTrainer's workers train the model's weights only: a loss with its own trains in this thread.
  const workers =
    loss.trainableWeights().length > 0
      ? 1
      : resolveWorkers(config.workers, { model: config.model, backend, batchSize });
  const trainer = workers > 1 ? new ParallelTrainer({ ...trainerOptions, workers }) : new Trainer(trainerOptions);
  trainer.seconds = seconds;
  const stop = () => trainer.requestStop('interrupted', 'Ctrl-C');
  options.signal?.addEventListener('abort', stop);
  // Ctrl-C while the data loaded or the model was built: stop before the first step.
  if (options.signal?.aborted) stop();
  try {
    await trainer.fit();
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }

  const finished = trainer.stopped === null;
  if (finished) await saveModel(model, paths.model);
  const retrieval = finished ? testRetrieval(model, test) : null;
  const summary: TrainSummary = {
    runDir,
    backend,
    steps: trainer.step,
    plannedSteps: trainer.totalSteps,
    seconds: trainer.seconds,
    stopped: trainer.stopped,
    test: retrieval?.embedding ?? null,
    rawTest: retrieval?.raw ?? null,
    testSize: test.labels.length,
    health: finished ? finalHealth(model, test, config) : null,
    guard: watch.guard.summary(),
    verdict: null,
  };
  if (finished) summary.verdict = finalVerdict(config, await readRunLog(paths.log), summary.health);
  if (finished) await writeFileAtomic(paths.summary, `${JSON.stringify(summary, null, 2)}\n`);
  model.dispose();
  optimizer.dispose();
  loss.dispose();
  return summary;
}

/** The verdict `deepmetric diagnose` would give the finished run, in short. */
function finalVerdict(config: TrainConfig, log: StepRecord[], health: HealthSnapshot | null): TrainSummary['verdict'] {
  const verdict = runVerdict(config, log, health);
  if (verdict === null) return null;
  const causes = verdict.report.causes
    .filter((c) => c.confidence >= 0.5)
    .map(({ id, confidence }) => ({ id, confidence }));
  return { verdict: verdict.report.verdict, causes };
}

/** Held-out retrieval of the trained embeddings and of the raw input. */
function testRetrieval(model: tfl.LayersModel, test: Dataset): ReturnType<typeof retrievalWithRaw> {
  const embeddings = embedDataset(model, test);
  try {
    return retrievalWithRaw(embeddings, test);
  } finally {
    embeddings.dispose();
  }
}

/** The loss's own parameters (class weights, proxies, beta) as a checkpointed part. */
function variablesPart(variables: tf.Variable[]): Stateful {
  return {
    state: () => variables.map((v) => Array.from(v.dataSync())),
    loadState: (state) => {
      if (state === undefined || state === null) return;
      (state as number[][]).forEach((values, i) => {
        const value = tf.tensor(values, variables[i].shape, 'float32');
        variables[i].assign(value);
        value.dispose();
      });
    },
  };
}

function rngPart(rng: Random): Stateful {
  return { state: () => rng.state(), loadState: (s) => rng.setState(s as ReturnType<Random['state']>) };
}

async function checkRunDir(dir: string, resume: boolean): Promise<void> {
  const entries = await nodeModule('node:fs/promises')
    .readdir(dir)
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
  if (resume) {
    if (entries === null || !entries.includes('checkpoints')) {
      throw new DeepmetricError(
        'invalid-input',
        `${dir}: no checkpoint to resume from (expected ${CHECKPOINT_DIR} written by \`deepmetric train\`)`,
      );
    }
    return;
  }
  if (entries !== null && entries.length > 0) {
    throw invalidArgument(
      `Run directory ${dir} already holds files: give another --out, or --resume ${dir} to continue it.`,
    );
  }
}

function defaultRunDir(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join('runs', stamp);
}
