import { join } from 'pathe';

/** The settings of the run, resolved (`TrainConfig`), written once at the start. */
export const CONFIG_JSON = 'config.json';
/** The end of a finished run: steps, held-out metrics, health, what the guard did. */
export const SUMMARY_JSON = 'summary.json';
/** One JSON record per logged step, appended as the run goes. */
export const LOG_JSONL = 'log.jsonl';
/** The trained model in tfjs layers format, once the run has finished. */
export const MODEL_DIR = 'model';
/** The checkpoint `--resume` continues from. */
export const CHECKPOINT_DIR = join('checkpoints', 'latest');
/** Where `--guard recover` keeps the last healthy checkpoint. */
export const HEALTHY_CHECKPOINT_DIR = join('checkpoints', 'healthy');
/** The run's self-contained HTML report. */
export const REPORT_HTML = 'report.html';

/** The paths of a run directory's files: the one place that names them (docs/cli.md describes them). */
export interface RunPaths {
  dir: string;
  config: string;
  summary: string;
  log: string;
  model: string;
  checkpoint: string;
  healthyCheckpoint: string;
  report: string;
}

/**
 * Where each file of the run directory `dir` lives.
 *
 * @example
 * const paths = runPaths('runs/20250101-120000');
 * paths.log; // 'runs/20250101-120000/log.jsonl'
 */
export function runPaths(dir: string): RunPaths {
  return {
    dir,
    config: join(dir, CONFIG_JSON),
    summary: join(dir, SUMMARY_JSON),
    log: join(dir, LOG_JSONL),
    model: join(dir, MODEL_DIR),
    checkpoint: join(dir, CHECKPOINT_DIR),
    healthyCheckpoint: join(dir, HEALTHY_CHECKPOINT_DIR),
    report: join(dir, REPORT_HTML),
  };
}
