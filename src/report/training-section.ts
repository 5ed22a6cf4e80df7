import type { TrainConfig } from '../run/index.js';
import type { StepRecord } from '../training/index.js';
import { chartFigureHtml } from './chart-figure.js';
import { renderSvg } from './render-svg.js';
import type { SectionBody } from './report-page.js';
import { trainingChartSpec } from './training-chart.js';

/**
 * The report's training section: loss, learning rate, active share and d(a,p) / d(a,n) per logged
 * step; why there is none before the first step. A page training live redraws it.
 *
 * @example
 * const body = await trainingSection(run.config, run.log);
 */
export async function trainingSection(config: TrainConfig, log: readonly StepRecord[]): Promise<SectionBody> {
  if (log.length === 0) return { absent: 'the run log (log.jsonl) holds no step yet.' };
  return {
    html: chartFigureHtml(
      'training',
      await renderSvg(trainingChartSpec(log), 'training'),
      `Per logged step (every ${config.logEvery}): the loss, the learning rate, the share of triplets with a positive loss, and the mean d(a,p) and d(a,n) of the batch's triplets.`,
    ),
  };
}
