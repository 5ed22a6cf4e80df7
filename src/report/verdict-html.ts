import type { HealthReport } from '../health/index.js';
import { escapeHtml } from './escape-html.js';

/** The evidence shown, in order, with what each number is: the ones the verdict and the causes turn on. */
export const KEY_EVIDENCE: ReadonlyArray<readonly [string, string]> = [
  ['meanNormalizedDistance', 'mean distance of the L2-normalized embeddings (0 collapsed, ~1.4 spread)'],
  ['normalizedSpreadOfPeak', 'that spread as a share of its peak in the run'],
  ['normalizedStdSqrtDim', 'SimSiam std x sqrt(dim) (0 collapsed, ~1 isotropic)'],
  ['meanDistanceRatio', 'raw mean distance / its start'],
  ['nearZeroShare', 'share of embeddings with a norm of ~0'],
  ['effectiveRank', 'effective rank (RankMe)'],
  ['rankThreshold', 'effective rank below which the classes lack directions'],
  ['firstComponentShare', 'variance share of the first principal component'],
  ['deadDimensions', 'dimensions without variance'],
  ['violationFraction', 'share of triplets violating the margin'],
  ['gap', 'mean d(a,n) - mean d(a,p)'],
  ['rows', 'embeddings measured'],
  ['lossOverMargin', 'recent loss / margin'],
  ['activeFraction', 'recent share of active triplets'],
  ['maxUpdateRatio', 'largest weight-update ratio of a step'],
  ['lrOfPeak', 'learning rate / its peak'],
  ['nonFiniteSteps', 'steps with a NaN or infinite loss, gradient or update'],
];

export interface VerdictHtmlOptions {
  /** Names the reading the verdict came from, as the heading of its evidence column. Default 'value'. */
  reading?: string;
  /** Listed under the verdict, e.g. what the guard did during training. */
  events?: readonly string[];
}

/**
 * The collapse detector's report as the top of the page: the verdict in its colour, the likely
 * causes (most likely first) with their confidence, evidence and remedy, the thresholds that
 * were crossed, the key evidence numbers (`KEY_EVIDENCE`, with a second column for another
 * reading's `prefix.` evidence when the report carries one) and what could not be told. `where`
 * says what was diagnosed. Every number of the report stays in `deepmetric diagnose --json`.
 *
 * @example
 * verdictHtml(diagnose({ health, history: log, run: config }), 'the last health probe (step 899)');
 */
export function verdictHtml(report: HealthReport, where: string, options: VerdictHtmlOptions = {}): string {
  const { reading = 'value', events = [] } = options;
  const parts = [
    `<div class="verdict ${escapeHtml(report.verdict)}">`,
    `<div class="label">${escapeHtml(report.verdict)}</div>`,
    `<p>Diagnosed from ${escapeHtml(where)}.</p>`,
  ];
  if (events.length > 0) parts.push('<ul class="events">', ...events.map((e) => `<li>${escapeHtml(e)}</li>`), '</ul>');
  if (report.causes.length > 0) {
    parts.push(
      '<h3>Likely causes and remedies</h3>',
      '<ol class="causes">',
      ...report.causes.map(
        (c) =>
          `<li><strong>${escapeHtml(c.id)}</strong> (confidence ${Math.round(100 * c.confidence)}%): ${escapeHtml(c.evidence)}<br><em>Remedy:</em> ${escapeHtml(c.remedy)}</li>`,
      ),
      '</ol>',
    );
  }
  if (report.findings.length > 0) {
    parts.push(
      '<h3>Thresholds crossed</h3>',
      '<table class="findings">',
      '<thead><tr><th>metric</th><th>value</th><th>threshold</th><th>meaning</th></tr></thead>',
      '<tbody>',
      ...report.findings.map(
        (f) =>
          `<tr><td>${escapeHtml(f.metric)}</td><td class="num">${number(f.value)}</td><td>${escapeHtml(`${f.comparison} ${number(f.limit)}`)} <span class="note">(${escapeHtml(f.threshold)})</span></td><td>${escapeHtml(f.meaning)}</td></tr>`,
      ),
      '</tbody>',
      '</table>',
    );
  }
  const other = Object.keys(report.evidence)
    .find((k) => k.includes('.'))
    ?.split('.')[0];
  const rows = KEY_EVIDENCE.filter(
    ([key]) => Number.isFinite(report.evidence[key]) || Number.isFinite(report.evidence[`${other}.${key}`]),
  );
  if (rows.length > 0) {
    const cell = (v: number | undefined) => `<td class="num">${v === undefined ? '' : number(v)}</td>`;
    parts.push(
      '<h3>Evidence</h3>',
      '<table class="evidence">',
      `<thead><tr><th>metric</th><th>${escapeHtml(reading)}</th>${other === undefined ? '' : `<th>${escapeHtml(other)}</th>`}<th></th></tr></thead>`,
      '<tbody>',
      ...rows.map(
        ([key, meaning]) =>
          `<tr><td>${escapeHtml(key)}</td>${cell(report.evidence[key])}${other === undefined ? '' : cell(report.evidence[`${other}.${key}`])}<td class="note">${escapeHtml(meaning)}</td></tr>`,
      ),
      '</tbody>',
      '</table>',
    );
  }
  if (report.limits.length > 0) {
    parts.push(`<p class="note">Not told: ${report.limits.map(escapeHtml).join(' ')}</p>`);
  }
  parts.push('</div>');
  return parts.join('\n');
}

function number(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(2);
}
