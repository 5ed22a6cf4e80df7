import type { TopLevelSpec } from 'vega-lite';
import { invalidArgument } from '../errors.js';
import type { StepRecord } from '../training/index.js';

const WIDTH = 600;
const HEIGHT = 110;

/**
 * The training curves of a run, one panel each, on a shared step axis: the loss, the learning
 * rate, the share of active triplets (positive loss) and the batch's mean d(a,p) and d(a,n), all
 * read from `log.jsonl`. A value logged as null (a NaN step) leaves a gap.
 *
 * @example
 * const svg = await renderSvg(trainingChartSpec(await readRunLog('runs/1/log.jsonl')), 'training');
 */
export function trainingChartSpec(records: readonly StepRecord[]): TopLevelSpec {
  if (!Array.isArray(records) || records.length === 0) {
    throw invalidArgument(
      `Argument \`records\` must be a non-empty array of log records. Received: ${Array.isArray(records) ? 'an empty array' : String(records)}`,
    );
  }
  const values = records.map((r) => ({
    step: r.step,
    loss: finiteOrNull(r.loss),
    lr: finiteOrNull(r.lr),
    activeFraction: finiteOrNull(r.activeFraction),
    'd(a,p)': finiteOrNull(r.meanAP),
    'd(a,n)': finiteOrNull(r.meanAN),
  }));
  const step = { field: 'step', type: 'quantitative', title: 'step', scale: { nice: false } } as const;
  const line = { type: 'line', point: values.length <= 60, interpolate: 'linear' } as const;
  return {
    data: { values },
    // A legend of its own beside the distance chart: a shared one sits at the top, by the loss.
    resolve: { legend: { color: 'independent' } },
    vconcat: [
      {
        title: 'loss',
        width: WIDTH,
        height: HEIGHT,
        mark: { ...line, color: '#4c78a8' },
        encoding: { x: step, y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } } },
      },
      {
        title: 'learning rate',
        width: WIDTH,
        height: HEIGHT,
        mark: { ...line, color: '#f58518' },
        encoding: { x: step, y: { field: 'lr', type: 'quantitative', title: 'lr', axis: { format: '.1e' } } },
      },
      {
        title: 'active triplets (loss > 0) among those the loss evaluated',
        width: WIDTH,
        height: HEIGHT,
        mark: { ...line, color: '#54a24b' },
        encoding: {
          x: step,
          y: {
            field: 'activeFraction',
            type: 'quantitative',
            title: 'share',
            scale: { domain: [0, 1] },
            axis: { format: '.0%' },
          },
        },
      },
      {
        title: 'mean d(a,p) and d(a,n) of the evaluated triplets',
        width: WIDTH,
        height: HEIGHT,
        transform: [{ fold: ['d(a,p)', 'd(a,n)'], as: ['pairs', 'distance'] }],
        mark: line,
        encoding: {
          x: step,
          y: { field: 'distance', type: 'quantitative', title: 'distance', scale: { zero: false } },
          color: {
            field: 'pairs',
            type: 'nominal',
            title: null,
            scale: { domain: ['d(a,p)', 'd(a,n)'], range: ['#4c78a8', '#e45756'] },
          },
        },
      },
    ],
  };
}

function finiteOrNull(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}
