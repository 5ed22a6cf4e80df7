import type { TrainSummary } from '../run/index.js';

/** The lines `deepmetric train` prints at its end. */
export function formatTrainSummary(summary: TrainSummary): string {
  const lines = [`run directory: ${summary.runDir}`];
  if (summary.stopped?.kind === 'collapse') {
    lines.push(
      `stopped by the collapse guard (${summary.stopped.reason}) after ${summary.steps} of ${summary.plannedSteps} steps; checkpoint saved.`,
      `evidence and remedies: deepmetric diagnose ${summary.runDir}`,
    );
    return `${lines.join('\n')}\n`;
  }
  if (summary.stopped !== null) {
    lines.push(
      `stopped (${summary.stopped.reason}) after ${summary.steps} of ${summary.plannedSteps} steps; checkpoint saved.`,
      `continue with: deepmetric train --resume ${summary.runDir}`,
    );
    return `${lines.join('\n')}\n`;
  }
  const p = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(4));
  lines.push(
    `trained ${summary.steps} steps in ${summary.seconds.toFixed(1)} s on ${summary.backend}`,
    `held-out precision@1 (leave-one-out 1-NN, ${summary.testSize} test samples): ${p(summary.test?.precisionAt1)}  (raw input: ${p(summary.rawTest?.precisionAt1)})`,
    `held-out MAP@R: ${p(summary.test?.meanAveragePrecisionAtR)}  (raw input: ${p(summary.rawTest?.meanAveragePrecisionAtR)})`,
  );
  if (summary.verdict !== null) lines.push(verdictLine(summary.verdict, summary.runDir));
  return `${lines.join('\n')}\n`;
}

/** `health: healthy`, or the verdict with its causes and where the details are. */
function verdictLine(verdict: NonNullable<TrainSummary['verdict']>, runDir: string): string {
  if (verdict.verdict === 'healthy') return 'health: healthy';
  const causes = verdict.causes.map((c) => `${c.id} ${c.confidence.toFixed(2)}`).join(', ');
  return `health: ${verdict.verdict}${causes === '' ? '' : ` (${causes})`}; evidence and remedies: deepmetric diagnose ${runDir}`;
}
