import * as vega from 'vega';
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import { invalidArgument } from '../errors.js';

/** The look shared by every chart of the report: system fonts, quiet axes, no outer frame. */
export const CHART_CONFIG: Config = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 13, fontWeight: 'bold', anchor: 'start' },
  range: { category: { scheme: 'tableau10' } },
};

/**
 * Renders a vega-lite spec to an SVG string in Node: vega-lite compiles it to a vega spec, a
 * headless `vega.View` (renderer `none`, so no canvas or browser) lays it out, `toSVG` serializes.
 * The result is ready to inline in HTML: the `xmlns` attributes are dropped (an HTML parser puts an
 * inline `<svg>` in the SVG namespace by itself, and the report holds no URL at all), and every
 * `id` (clip paths, gradients) gets `idPrefix`, so several charts in one page never share an id.
 *
 * @example
 * const svg = await renderSvg(trainingChartSpec(log), 'training');
 * html += `<figure>${svg}</figure>`;
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  if (!/^[A-Za-z][\w-]*$/.test(idPrefix)) {
    throw invalidArgument(
      `Argument \`idPrefix\` must be a letter followed by letters, digits, _ or -. Received: ${JSON.stringify(idPrefix)}`,
    );
  }
  const compiled = compile(spec, { config: CHART_CONFIG }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg
      .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
      .replace(/\bid="([^"]+)"/g, `id="${idPrefix}-$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${idPrefix}-$1)`)
      .replace(/\b(xlink:)?href="#([^"]+)"/g, `href="#${idPrefix}-$2"`);
  } finally {
    view.finalize();
  }
}
