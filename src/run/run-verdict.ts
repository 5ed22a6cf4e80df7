import { VERDICTS, diagnose, parseHealthSnapshot, type HealthReport, type HealthSnapshot } from '../health/index.js';
import type { StepRecord } from '../training/index.js';
import { runSettings } from './collapse-loss.js';
import type { TrainConfig } from './train-config.js';

/** A run's verdict and what it was read from. */
export interface RunVerdict {
  report: HealthReport;
  /** What the verdict was read from, e.g. "the last training probe (step 875, 256 training samples)". */
  basis: string;
  /** Which reading it is: the last training `probe` or the `test` split's final health. */
  reading: 'probe' | 'test';
}

/**
 * The collapse verdict on a run, reached as `deepmetric diagnose RUN_DIR` reaches it: `diagnose`
 * reads the last training probe of the log and, when known, the final health of the test split,
 * each with the whole log and the run's settings; the worse verdict is kept, and the other's
 * evidence is added to it with a `probe.` or `test.` prefix. Null when there is neither.
 *
 * @example
 * const verdict = runVerdict(config, log, summary.health);
 * verdict?.report.verdict;   // 'healthy' | 'collapsing' | 'dimensional-collapse' | 'collapsed'
 */
export function runVerdict(
  config: TrainConfig,
  log: readonly StepRecord[],
  testHealth: HealthSnapshot | null,
): RunVerdict | null {
  const candidates: RunVerdict[] = [];
  const run = runSettings(config);
  const probes = log.filter((r) => r.health !== undefined && r.health !== null);
  if (probes.length > 0) {
    const last = probes[probes.length - 1];
    const health = parseHealthSnapshot(last.health, `log.jsonl step ${last.step}`);
    candidates.push({
      report: diagnose({ health, history: log, run }),
      basis: `the last training probe (step ${last.step}, ${health.rows} training samples)`,
      reading: 'probe',
    });
  }
  if (testHealth !== null) {
    candidates.push({
      report: diagnose({ health: testHealth, history: log, run }),
      basis: `the final embeddings of the ${testHealth.rows} test samples`,
      reading: 'test',
    });
  }
  if (candidates.length === 0) return null;
  const severity = (c: RunVerdict) => VERDICTS.indexOf(c.report.verdict);
  const chosen = candidates.reduce((a, b) => (severity(b) > severity(a) ? b : a));
  for (const other of candidates) {
    if (other === chosen) continue;
    for (const [k, v] of Object.entries(other.report.evidence)) chosen.report.evidence[`${other.reading}.${k}`] = v;
  }
  return chosen;
}
