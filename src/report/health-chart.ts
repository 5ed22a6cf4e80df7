import type { TopLevelSpec } from 'vega-lite';
import { invalidArgument } from '../errors.js';
import type { StepRecord } from '../training/index.js';

/** A line the health detector draws on one metric: crossing it is a symptom. */
export interface HealthThreshold {
  /** The key of the metric in a log record's `health`. */
  metric: string;
  value: number;
  /** Which side is bad: the metric is a symptom when `below` (or `above`) the value. */
  bad: 'below' | 'above';
  /** What crossing it means, shown on the chart, e.g. 'collapse'. */
  label: string;
}

export interface HealthChartOptions {
  /** The metrics to draw, in this order (those never measured are left out). Default: every metric measured, thresholds' first. */
  metrics?: readonly string[];
  /** Lines to draw on the metrics' panels. Default none. */
  thresholds?: readonly HealthThreshold[];
}

const WIDTH = 260;
const HEIGHT = 100;

/**
 * The health metrics measured during training (the `health` numbers of the log records), one
 * small panel per metric over the steps at which it was measured, with each threshold drawn as a
 * dashed red rule labelled with what crossing it means. Without `metrics`, every metric measured is
 * drawn, those with a threshold first (in the order of `thresholds`), then the others by name;
 * metrics never finite are left out. Use `healthMetricNames` first: a run with no health numbers
 * has nothing to draw.
 *
 * @example
 * const spec = healthChartSpec(records, {
 *   metrics: ['effectiveRank', 'gap'],
 *   thresholds: [{ metric: 'effectiveRank', value: 4.5, bad: 'below', label: 'dimensional collapse' }],
 * });
 */
export function healthChartSpec(records: readonly StepRecord[], options: HealthChartOptions = {}): TopLevelSpec {
  const { thresholds = [] } = options;
  const measured = healthMetricNames(records);
  const names = options.metrics === undefined ? measured : options.metrics.filter((m) => measured.includes(m));
  if (names.length === 0) {
    throw invalidArgument(
      `Argument \`records\` must hold at least one finite \`health\` number${options.metrics === undefined ? '' : ` of ${options.metrics.join(', ')}`}. Received: none (health was not measured in this run)`,
    );
  }
  const rank = (name: string) => {
    const i = thresholds.findIndex((t) => t.metric === name);
    return i < 0 ? thresholds.length : i;
  };
  if (options.metrics === undefined) names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return {
    columns: 3,
    concat: names.map((metric) => {
      const values = records.flatMap((r) => {
        const v = healthOf(r)[metric];
        return typeof v === 'number' && Number.isFinite(v) ? [{ step: r.step, value: v }] : [];
      });
      const rules = thresholds.filter((t) => t.metric === metric);
      const y = { field: 'value', type: 'quantitative', title: null, scale: { zero: false } } as const;
      return {
        title: metric,
        width: WIDTH,
        height: HEIGHT,
        layer: [
          {
            data: { values },
            mark: { type: 'line', point: values.length <= 40, color: '#4c78a8' },
            encoding: { x: { field: 'step', type: 'quantitative', title: 'step' }, y },
          },
          ...rules.flatMap((t) => {
            const data = {
              values: [{ value: t.value, text: `${t.label} ${t.bad === 'below' ? '<' : '>'} ${t.value}` }],
            };
            return [
              { data, mark: { type: 'rule' as const, color: '#d62728', strokeDash: [4, 3] }, encoding: { y } },
              {
                data,
                mark: {
                  type: 'text' as const,
                  color: '#d62728',
                  align: 'right' as const,
                  dy: t.bad === 'below' ? 9 : -5,
                  fontSize: 10,
                  x: 'width' as const,
                },
                encoding: { y, text: { field: 'text', type: 'nominal' as const } },
              },
            ];
          }),
        ],
      };
    }),
  };
}

/** The `health` keys holding at least one finite number in the records: the metrics a run measured. */
export function healthMetricNames(records: readonly StepRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) {
    for (const [key, v] of Object.entries(healthOf(r))) {
      if (typeof v === 'number' && Number.isFinite(v)) names.add(key);
    }
  }
  return [...names];
}

function healthOf(record: StepRecord): Record<string, unknown> {
  return record.health ?? {};
}
