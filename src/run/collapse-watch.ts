import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/index.js';
import { healthSnapshot, type HealthSnapshot } from '../health/index.js';
import type { Callback } from '../training/callback.js';
import type { Stateful } from '../training/checkpoint-callback.js';
import { CurriculumCallback } from '../training/curriculum-callback.js';
import { GuardCallback, type GuardRun } from '../training/guard-callback.js';
import type { Mining } from '../training/guard-remedy.js';
import { HealthProbeCallback } from '../training/health-probe-callback.js';
import type { ScheduleCallback } from '../training/schedule-callback.js';
import type { Trainer } from '../training/trainer.js';
import { modelHealth } from '../training/model-health.js';
import { curriculumStages } from './curriculum-stages.js';
import { distanceFor } from './run-parts.js';
import { readRunLog } from './run-log.js';
import { runSettings } from './collapse-loss.js';
import { runPaths } from './run-layout.js';
import type { TrainConfig } from './train-config.js';

/** The checkpoint part that holds a loss's own parameters: a guard's rollback restores it with the model. */
export const LOSS_WEIGHTS_PART = 'lossWeights';

export interface CollapseWatch {
  probe: HealthProbeCallback<Trainer>;
  curriculum: CurriculumCallback;
  guard: GuardCallback;
  /**
   * Probe, curriculum, guard: put them after the schedule and before the log, so the log records
   * what they add, and the curriculum and the guard read the probe.
   */
  callbacks: Array<Callback<Trainer>>;
  /** Their states, to add to the run's checkpointed parts. */
  parts: Record<string, Stateful>;
}

export interface CollapseWatchOptions {
  runDir: string;
  schedule: ScheduleCallback<Trainer>;
  /** The run's other parts (the healthy checkpoint saves them too). */
  parts: Record<string, Stateful>;
  /** Where the guard prints; null for nowhere. */
  stream: NodeJS.WritableStream | null;
}

/**
 * The health probe, the mining curriculum and the collapse guard of a run, built from its settings:
 * the probe measures a fixed 256-row batch of `train` every `config.probeEvery` steps with the run's
 * distance and margin; the curriculum (`config.curriculum`) moves on to harder mining at the probes
 * that allow it; the guard acts per `config.guard`, and its mining remedies go through the curriculum.
 *
 * @example
 * const watch = collapseWatch(config, train, { runDir, schedule, parts, stream: process.stderr });
 * Object.assign(parts, watch.parts);
 */
export function collapseWatch(config: TrainConfig, train: Dataset, options: CollapseWatchOptions): CollapseWatch {
  const probe = new HealthProbeCallback<Trainer>(train, {
    every: config.probeEvery,
    seed: config.seed,
    ...separationDistance(config),
    margin: config.margin,
  });
  const paths = runPaths(options.runDir);
  // The mining in force, as the guard's remedies leave it: the curriculum's stages end with its miner.
  const live: Mining = {
    miner: config.miner,
    normalizeEmbeddings: config.normalizeEmbeddings,
    curriculum: config.curriculum,
  };
  const curriculum = new CurriculumCallback<Trainer>({
    curriculum: config.curriculum,
    stages: (name, rng) => curriculumStages(name, config, live, rng),
    seed: config.seed + 3,
  });
  const guard = new GuardCallback<Trainer>({
    mode: config.guard,
    run: guardRun(config, paths.log, (trainer, mining) => {
      Object.assign(live, mining);
      curriculum.use(trainer, mining.curriculum);
    }),
    schedule: options.schedule,
    healthyDir: paths.healthyCheckpoint,
    parts: options.parts,
    rollback: LOSS_WEIGHTS_PART in options.parts ? [LOSS_WEIGHTS_PART] : [],
    logEvery: config.logEvery,
    stream: options.stream,
  });
  return {
    probe,
    curriculum,
    guard,
    callbacks: [probe, curriculum, guard],
    parts: { probe, curriculum, guard },
  };
}

/**
 * The guard's port to a CLI run: its settings, the switch of its mining (`switchTo`: the run's
 * curriculum rebuilds its stages with the remedy's miner, normalization and curriculum), its log.
 */
export function guardRun(
  config: TrainConfig,
  logPath: string,
  switchTo: GuardRun<Trainer>['switchTo'],
): GuardRun<Trainer> {
  return {
    settings: runSettings(config),
    switchTo,
    history: async (beforeStep) => (await readRunLog(logPath)).filter((r) => r.step < beforeStep),
  };
}

/**
 * The run's distance for the separation numbers; omitted for normalized Euclidean, embeddingHealth's
 * default, whose matrix it shares with the spread (one n x n matrix less per probe).
 */
function separationDistance(config: TrainConfig): { distance?: ReturnType<typeof distanceFor> } {
  return config.distance === 'euclidean' && config.normalizeEmbeddings
    ? {}
    : { distance: distanceFor(config.distance, config.normalizeEmbeddings) };
}

/**
 * The health of a dataset's embeddings under `model`, measured with the run's distance and margin
 * (for the test split at the end of a run: `summary.json`'s `health`).
 *
 * @example
 * const health = finalHealth(model, test, config); // health.effectiveRank, health.meanNormalizedDistance, ...
 */
export function finalHealth(model: tfl.LayersModel, dataset: Dataset, config: TrainConfig): HealthSnapshot {
  return healthSnapshot(
    modelHealth(model, dataset, { ...separationDistance(config), margin: config.margin }),
    dataset.labels,
  );
}
