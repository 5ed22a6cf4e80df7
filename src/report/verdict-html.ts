import type { HealthReport } from '../health/index.js';
import { escapeHtml } from './escape-html.js';

/**
 * The collapse detector's report as the top of the page: the verdict in its colour, the likely
 * causes (most likely first) with their confidence, explanation and remedy, the thresholds that
 * were crossed, the evidence numbers and what could not be told. `where` says what was diagnosed;
 * `events` (e.g. what the guard did during training) are listed under it.
 *
 * @example
 * verdictHtml(diagnose({ health, history: log, run: config }), 'the last health probe (step 899)');
 */
export function verdictHtml(report: HealthReport, where: string, events: readonly string[] = []): string {
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
          `<li><strong>${escapeHtml(c.id)}</strong> (confidence ${Math.round(100 * c.confidence)}%): ${escapeHtml(c.explanation)}<br><em>Remedy:</em> ${escapeHtml(c.remedy)}</li>`,
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
  const evidence = Object.entries(report.evidence).filter(([, v]) => Number.isFinite(v));
  if (evidence.length > 0) {
    parts.push(
      '<h3>Evidence</h3>',
      '<div class="settings"><table>',
      ...evidence.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="num">${number(v)}</td></tr>`),
      '</table></div>',
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
