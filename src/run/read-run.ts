import { join } from 'pathe';
import { nodeModule } from '../io/node-module.js';
import { readJsonObject } from '../io/index.js';
import { checkpointModelDir, readCheckpointState, type StepRecord } from '../training/index.js';
import { runPaths } from './run-layout.js';
import { readRunLog } from './run-log.js';
import type { TrainSummary } from './run-training.js';
import { resolveConfig, type TrainConfig } from './train-config.js';
import { MODEL_JSON } from '../models/index.js';

/** The files of a run directory that a report reads. */
export interface RunFiles {
  runDir: string;
  /** `config.json`, checked and completed with the defaults of settings added since the run. */
  config: TrainConfig;
  /** `log.jsonl`, one record per logged step. */
  log: StepRecord[];
  /** `summary.json`; null when the run has not finished (interrupted, or still running). */
  summary: TrainSummary | null;
  /**
   * The model to evaluate: the trained one (`model/`, `final`), else the last checkpoint's (a run
   * that was interrupted or stopped by the guard), with its step; null when there is neither.
   */
  model: { dir: string; final: boolean; step: number } | null;
}

/**
 * Reads a run directory written by `deepmetric train`. `config.json` and `log.jsonl` are required
 * (their absence means this is not a run directory: an `invalid-input` error naming the file);
 * `summary.json` and `model/` exist only once the run has finished; until then the model is the
 * last checkpoint's.
 *
 * @example
 * const { config, log, summary } = await readRun('runs/20250101-120000');
 */
export async function readRun(runDir: string): Promise<RunFiles> {
  const paths = runPaths(runDir);
  const configPath = paths.config;
  const configFile = await readJsonObject(
    configPath,
    'a JSON object of settings',
    'not a run directory: expected the config.json that `deepmetric train` writes',
  );
  const config = resolveConfig(configFile, {}, configPath);
  const log = await readRunLog(paths.log);
  const summaryPath = paths.summary;
  const summary = (await exists(summaryPath))
    ? await readJsonObject(summaryPath, 'the JSON object `deepmetric train` writes')
    : null;
  const finished = summary as TrainSummary | null;
  return { runDir, config, log, summary: finished, model: await findModel(runDir, finished) };
}

async function findModel(runDir: string, summary: TrainSummary | null): Promise<RunFiles['model']> {
  const paths = runPaths(runDir);
  const trained = paths.model;
  if (await exists(join(trained, MODEL_JSON))) {
    return { dir: trained, final: true, step: summary?.steps ?? NaN };
  }
  const checkpoint = paths.checkpoint;
  if (!(await exists(join(checkpointModelDir(checkpoint), MODEL_JSON)))) return null;
  const { step } = await readCheckpointState(checkpoint);
  return { dir: checkpointModelDir(checkpoint), final: false, step };
}

async function exists(path: string): Promise<boolean> {
  return nodeModule('node:fs/promises')
    .stat(path)
    .then(
      () => true,
      () => false,
    );
}
