import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/index.js';
import { healthSnapshot, type HealthSnapshot } from '../health/index.js';
import type { Callback } from '../training/callback.js';
import type { Stateful } from '../training/checkpoint-callback.js';
import { GuardCallback, type GuardRun } from '../training/guard-callback.js';
import { HealthProbeCallback } from '../training/health-probe-callback.js';
import type { ScheduleCallback } from '../training/schedule-callback.js';
import type { Trainer } from '../training/trainer.js';
import { modelHealth } from '../training/model-health.js';
import { distanceFor, minerFor } from './run-parts.js';
import { readRunLog } from './run-log.js';
import { runSettings } from './collapse-loss.js';
import { runPaths } from './run-layout.js';
import type { TrainConfig } from './train-config.js';

/** The checkpoint part that holds a loss's own parameters: a guard's rollback restores it with the model. */
export const LOSS_WEIGHTS_PART = 'lossWeights';

export interface CollapseWatch {
  probe: HealthProbeCallback<Trainer>;
  guard: GuardCallback;
  /** Probe, then guard: put them after the schedule and before the log, so the log records what they add. */
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
 * The health probe and the collapse guard of a run, built from its settings: the probe measures a
 * fixed 256-row batch of `train` every `config.probeEvery` steps with the run's distance and margin;
 * the guard acts per `config.guard`.
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
  const guard = new GuardCallback<Trainer>({
    mode: config.guard,
    run: guardRun(config, paths.log),
    schedule: options.schedule,
    healthyDir: paths.healthyCheckpoint,
    parts: options.parts,
    rollback: LOSS_WEIGHTS_PART in options.parts ? [LOSS_WEIGHTS_PART] : [],
    logEvery: config.logEvery,
    stream: options.stream,
  });
  return { probe, guard, callbacks: [probe, guard], parts: { probe, guard } };
}

/** The guard's port to a CLI run: its settings, its miners and distances by name, its log. */
export function guardRun(config: TrainConfig, logPath: string): GuardRun<Trainer> {
  return {
    settings: runSettings(config),
    switchTo: (trainer, mining) => {
      const settings = { ...config, ...mining };
      trainer.useMining({
        miner: minerFor(mining.miner, settings),
        distance: distanceFor(config.distance, mining.normalizeEmbeddings),
      });
    },
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
