import type { HealthReport } from './health-report.js';

export interface FormatHealthReportOptions {
  /** Print every finding and the limits (the `diagnose` command); otherwise the first three findings. Default false. */
  verbose?: boolean;
  /** Put before each line, e.g. for indenting. Default ''. */
  indent?: string;
}

/**
 * A `HealthReport` as text for a terminal: the verdict, the findings (number, comparison, named
 * threshold, meaning), the causes with confidence, evidence and remedy, and — verbose — what
 * could not be told.
 *
 * @example
 * process.stdout.write(dm.formatHealthReport(dm.diagnose({ health })));
 * // verdict: collapsed
 * //   meanNormalizedDistance = 0.0231 < 0.1 (COLLAPSED_NORMALIZED_DISTANCE): all embeddings point the same way
 * // ...
 */
export function formatHealthReport(report: HealthReport, options: FormatHealthReportOptions = {}): string {
  const indent = options.indent ?? '';
  const since = report.onsetStep === null ? '' : ` (first seen at step ${report.onsetStep})`;
  const lines = [`verdict: ${report.verdict}${since}`];
  const findings = options.verbose ? report.findings : report.findings.slice(0, 3);
  if (findings.length > 0) lines.push('evidence:');
  for (const f of findings) {
    lines.push(`  ${f.metric} = ${num(f.value)} ${f.comparison} ${num(f.limit)} (${f.threshold}): ${f.meaning}`);
  }
  if (options.verbose) {
    const e = report.evidence;
    const key = KEY_NUMBERS.filter((k) => e[k] !== undefined && Number.isFinite(e[k])).map((k) => `${k} ${num(e[k])}`);
    if (key.length > 0) lines.push(`key numbers: ${key.join(', ')}`);
  }
  if (report.causes.length > 0) lines.push('likely causes:');
  for (const c of report.causes) {
    lines.push(`  ${c.id} (confidence ${c.confidence.toFixed(2)}): ${c.evidence}`, `    remedy: ${c.remedy}`);
  }
  if (options.verbose && report.limits.length > 0) {
    lines.push('limits:');
    for (const l of report.limits) lines.push(`  ${l}`);
  }
  return `${lines.map((l) => indent + l).join('\n')}\n`;
}

/** The numbers worth seeing even when nothing crossed a threshold. */
const KEY_NUMBERS = [
  'meanNormalizedDistance',
  'meanNormalizedDistanceRatio',
  'normalizedStdSqrtDim',
  'effectiveRank',
  'requiredRank',
  'firstComponentShare',
  'deadDimensions',
  'normMean',
  'gap',
  'violationFraction',
  'lossOverMargin',
  'activeFraction',
  'maxUpdateRatio',
];

function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}
