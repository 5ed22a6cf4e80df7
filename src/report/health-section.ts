import { parseHealthSnapshot, type HealthSnapshot } from '../health/index.js';
import type { TrainConfig } from '../run/index.js';
import type { StepRecord } from '../training/index.js';
import { chartFigureHtml } from './chart-figure.js';
import { healthChartSpec, healthMetricNames } from './health-chart.js';
import { healthChartMetrics, healthThresholds } from './health-thresholds.js';
import { renderSvg } from './render-svg.js';
import type { SectionBody } from './report-page.js';

/**
 * The report's health section: the health probes of the log over the steps, with the detector's
 * thresholds; why there is none when the log holds no probe. A page training live redraws it.
 *
 * @example
 * const body = await healthSection(run.config, run.log);
 */
export async function healthSection(config: TrainConfig, log: readonly StepRecord[]): Promise<SectionBody> {
  const probes = log.filter(
    (r): r is StepRecord & { health: HealthSnapshot } => r.health !== undefined && r.health !== null,
  );
  const measured = healthMetricNames(probes);
  const metrics = healthChartMetrics(config).filter((m) => measured.includes(m));
  if (metrics.length === 0) return { absent: 'not measured in this run: the log holds no health numbers (probes).' };
  const last = parseHealthSnapshot(
    probes[probes.length - 1].health,
    `log.jsonl step ${probes[probes.length - 1].step}`,
  );
  const spec = healthChartSpec(probes, { metrics, thresholds: healthThresholds(last, config.normalizeEmbeddings) });
  return {
    html: chartFigureHtml(
      'health',
      await renderSvg(spec, 'health'),
      `Health of a fixed probe batch of ${last.rows} training samples, measured every ${config.probeEvery} steps; ratios are to the first probe. Dashed red lines: the collapse detector's thresholds.`,
    ),
  };
}
