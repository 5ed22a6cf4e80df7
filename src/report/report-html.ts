import { invalidArgument } from '../errors.js';
import { escapeHtml } from './escape-html.js';
import { REPORT_SECTIONS, type ReportPage } from './report-page.js';

/**
 * The report as one self-contained HTML document: inline CSS, inline SVG charts, images as data
 * URIs, no script and no URL, so it opens offline in any browser and prints (one section never
 * splits across pages where it fits on one; charts scale to the page width). Every section of
 * `REPORT_SECTIONS` appears, in order, with an `id` to link to: with its content, or with a
 * clearly marked note saying why it has none (e.g. "not measured in this run").
 *
 * @example
 * await writeFileAtomic('runs/1/report.html', reportHtml(await buildReport('runs/1')));
 */
export function reportHtml(page: ReportPage): string {
  const sections = REPORT_SECTIONS.map(({ id, title }) => {
    const body = page.sections[id];
    if (body === undefined)
      throw invalidArgument(`Argument \`page.sections\` must have every section. Received: no '${id}'`);
    const content =
      'html' in body ? body.html : `<p class="absent"><strong>Not available:</strong> ${escapeHtml(body.absent)}</p>`;
    return `<section id="${id}" class="${'html' in body ? 'present' : 'missing'}">\n<h2>${escapeHtml(title)}</h2>\n${content}\n</section>`;
  });
  const toc = REPORT_SECTIONS.map(({ id, title }) => `<a href="#${id}">${escapeHtml(title)}</a>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="deepmetric">
<title>${escapeHtml(page.title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(page.title)}</h1>
<p class="subtitle">${escapeHtml(page.subtitle)}</p>
<nav>${toc}</nav>
</header>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}

/** The report's style sheet: the web app shows the report's sections with it too. */
export const REPORT_STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --good: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
header, main { max-width: 1060px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 17px; margin: 0 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 10px; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; padding-bottom: 12px; }
nav a { color: #0969da; text-decoration: none; font-size: 13px; }
section { margin: 28px 0; }
p { margin: 6px 0; }
.note { color: var(--muted); font-size: 13px; }
.absent { background: var(--soft); border: 1px dashed var(--line); border-radius: 6px; padding: 10px 12px; color: var(--muted); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid #eef1f4; vertical-align: top; }
th { font-weight: 600; }
td.num { text-align: right; }
.better { color: var(--good); font-weight: 600; }
.worse { color: var(--bad); }
.side { display: flex; flex-wrap: wrap; gap: 8px 40px; align-items: flex-start; }
.side table { margin-top: 8px; }
.settings { columns: 2; column-gap: 32px; }
.settings table { width: 100%; }
.settings td:first-child { color: var(--muted); white-space: nowrap; }
figure.chart { margin: 8px 0 16px; overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.verdict { border-radius: 8px; padding: 12px 16px; border: 1px solid var(--line); border-left-width: 6px; }
.verdict.healthy { border-left-color: var(--good); }
.verdict.collapsing, .verdict.dimensional-collapse { border-left-color: var(--warn); }
.verdict.collapsed { border-left-color: var(--bad); }
.verdict .label { font-size: 18px; font-weight: 700; }
.verdict.healthy .label { color: var(--good); }
.verdict.collapsing .label, .verdict.dimensional-collapse .label { color: var(--warn); }
.verdict.collapsed .label { color: var(--bad); }
.causes { margin: 8px 0 0; padding-left: 20px; }
.causes li { margin: 6px 0; }
.grid { display: grid; grid-template-columns: max-content repeat(var(--k), max-content); gap: 6px 4px; align-items: start; }
.grid figure { margin: 0; text-align: center; font-size: 11px; color: var(--muted); max-width: 64px; overflow: hidden; }
.grid img { width: 56px; height: 56px; image-rendering: pixelated; display: block; border: 3px solid transparent; border-radius: 3px; }
.grid .query img { border-color: var(--ink); }
.grid .hit img { border-color: var(--good); }
.grid .miss img { border-color: var(--bad); }
.grid .query { margin-right: 12px; }
@media print {
  body { font-size: 11px; }
  header, main { max-width: none; padding: 0; }
  nav { display: none; }
  section { break-inside: avoid; page-break-inside: avoid; margin: 16px 0; }
  h2 { break-after: avoid; }
  figure.chart { overflow: visible; }
  .grid img { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
`;
