import { escapeHtml } from './escape-html.js';
import type { RawComparison } from '../evaluation/index.js';
import { METRIC_LABELS } from './metrics-chart.js';

/**
 * The final metrics as a table: each metric for the trained embeddings, for the raw input
 * features, and their difference, marked better or worse. `where` says what was evaluated;
 * `beside` (e.g. the metrics chart's figure) is placed next to the table where the page is wide enough.
 *
 * @example
 * metricsHtml(compareWithRaw(embeddings, test), 'the 2000 test samples (10 classes)');
 */
export function metricsHtml(comparison: RawComparison, where: string, beside = ''): string {
  const rows = METRIC_LABELS.map(([key, label]) => {
    const model = comparison.embedding[key];
    const raw = comparison.raw[key];
    const diff = model - raw;
    const cls = diff > 0 ? 'better' : diff < 0 ? 'worse' : '';
    return `<tr><td>${escapeHtml(label)}</td><td class="num">${fixed(model)}</td><td class="num">${fixed(raw)}</td><td class="num ${cls}">${diff > 0 ? '+' : ''}${fixed(diff)}</td></tr>`;
  });
  return `<p>Leave-one-out retrieval and k-means clustering on ${escapeHtml(where)}: each sample queries all the others (Euclidean distance); k-means uses one cluster per class. The raw input is the baseline a model must beat.</p>
<div class="side">
<table class="metrics">
<thead><tr><th>metric</th><th>embeddings</th><th>raw input</th><th>difference</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${beside}
</div>`;
}

function fixed(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : 'n/a';
}
