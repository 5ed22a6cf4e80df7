import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/index.js';
import { healthSnapshot, type HealthSnapshot } from '../health/index.js';
import type { Callback } from './callback.js';
import type { Stateful } from './checkpoint-callback.js';
import { GuardCallback } from './guard-callback.js';
import { HealthProbeCallback } from './health-probe-callback.js';
import { distanceFor } from './run-parts.js';
import type { ScheduleCallback } from './schedule-callback.js';
import type { TrainConfig } from './train-config.js';
import type { Trainer } from './trainer.js';
import { modelHealth } from './model-health.js';

/** Where `--guard recover` keeps the last healthy checkpoint, in the run directory. */
export const HEALTHY_CHECKPOINT_DIR = join('checkpoints', 'healthy');

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
  logPath: string;
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
 * const watch = collapseWatch(config, train, { runDir, logPath, schedule, parts, stream: process.stderr });
 * Object.assign(parts, watch.parts);
 */
export function collapseWatch(config: TrainConfig, train: Dataset, options: CollapseWatchOptions): CollapseWatch {
  const probe = new HealthProbeCallback<Trainer>(train, {
    every: config.probeEvery,
    seed: config.seed,
    ...separationDistance(config),
    margin: config.margin,
  });
  const guard = new GuardCallback({
    mode: config.guard,
    config,
    schedule: options.schedule,
    healthyDir: join(options.runDir, HEALTHY_CHECKPOINT_DIR),
    parts: options.parts,
    logPath: options.logPath,
    logEvery: config.logEvery,
    stream: options.stream,
  });
  return { probe, guard, callbacks: [probe, guard], parts: { probe, guard } };
}

/**
 * The run's distance for the separation numbers; omitted for normalized Euclidean, embeddingHealth's
 * default, whose matrix it shares with the spread (one n x n matrix less per probe).
 */
function separationDistance(config: TrainConfig): { distance?: ReturnType<typeof distanceFor> } {
  return config.distance === 'euclidean' && config.normalizeEmbeddings ? {} : { distance: distanceFor(config.distance, config.normalizeEmbeddings) };
}

/**
 * The health of a dataset's embeddings under `model`, measured with the run's distance and margin
 * (for the test split at the end of a run: `summary.json`'s `health`).
 *
 * @example
 * const health = finalHealth(model, test, config); // health.effectiveRank, health.meanNormalizedDistance, ...
 */
export function finalHealth(model: tfl.LayersModel, dataset: Dataset, config: TrainConfig): HealthSnapshot {
  return healthSnapshot(modelHealth(model, dataset, { ...separationDistance(config), margin: config.margin }), dataset.labels);
}
