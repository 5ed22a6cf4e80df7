import { invalidArgument } from '../errors.js';
import { escapeHtml } from './escape-html.js';

/**
 * A rendered chart as the report places it: the inline SVG in a `<figure class="chart">` tagged
 * with the chart's name (`data-chart`, what the browser test looks for), and a caption saying how
 * to read it.
 *
 * @example
 * chartFigureHtml('training', await renderSvg(trainingChartSpec(log), 'training'), 'Loss per logged step.');
 */
export function chartFigureHtml(name: string, svg: string, caption: string): string {
  if (!svg.trimStart().startsWith('<svg')) {
    throw invalidArgument(
      `Argument \`svg\` must be an SVG document (from renderSvg). Received: ${JSON.stringify(svg.slice(0, 40))}`,
    );
  }
  return `<figure class="chart" data-chart="${escapeHtml(name)}">\n${svg}\n<figcaption>${escapeHtml(caption)}</figcaption>\n</figure>`;
}
