import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TopLevelSpec } from 'vega-lite';
import {
  distanceHistogramChartSpec,
  distanceHistograms,
  embeddingMapChartSpec,
  healthChartSpec,
  healthMetricNames,
  metricsChartSpec,
  renderSvg,
  trainingChartSpec,
  type HistogramBin,
} from '../../src/report/index.js';
import type { EvaluationMetrics } from '../../src/evaluation/index.js';
import type { StepRecord } from '../../src/training/index.js';
import type { HealthSnapshot } from '../../src/health/index.js';
import { Random } from '../../src/random.js';
import { histogramShares } from '../reference/report.js';

/** A log of `n` records every 10 steps, with health on every other one when `health` is set. */
function records(n: number, health = false): StepRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    step: 10 * i,
    epoch: Math.floor(i / 5),
    loss: 0.2 / (1 + i),
    lr: 1e-3 * Math.cos(i / n),
    numTriplets: 100 - i,
    activeFraction: 1 - i / (2 * n),
    meanAP: 0.5 - i / (4 * n),
    meanAN: 0.8 + i / (4 * n),
    gradNorm: 1,
    updateRatio: 0.01,
    seconds: i,
    ...(health && i % 2 === 0
      ? {
          health: {
            effectiveRank: 10 - i / 2,
            meanNormalizedDistanceRatio: 1 - i / (2 * n),
            dim: 16,
            gap: NaN,
          } as unknown as HealthSnapshot,
        }
      : {}),
  }));
}

const field = (part: Record<string, unknown>, channel: string) =>
  ((part.encoding as Record<string, { field?: string }> | undefined)?.[channel] ?? {}).field;

describe('trainingChartSpec', () => {
  it('draws loss, lr, active share and the d(a,p) / d(a,n) curves over the logged steps', () => {
    const log = records(7);
    log[3].loss = NaN;
    const spec = trainingChartSpec(log) as unknown as {
      data: { values: Array<Record<string, number | null>> };
      vconcat: Array<Record<string, unknown>>;
    };
    assert.deepEqual(
      spec.data.values.map((v) => v.step),
      [0, 10, 20, 30, 40, 50, 60],
    );
    assert.deepEqual(
      spec.data.values.map((v) => v.lr),
      log.map((r) => r.lr),
    );
    assert.equal(spec.data.values[3].loss, null, 'a NaN loss leaves a gap');
    assert.deepEqual(
      spec.data.values.map((v) => v['d(a,n)']),
      log.map((r) => r.meanAN),
    );
    assert.deepEqual(
      spec.vconcat.map((p) => field(p, 'x')),
      ['step', 'step', 'step', 'step'],
    );
    assert.deepEqual(
      spec.vconcat.map((p) => field(p, 'y')),
      ['loss', 'lr', 'activeFraction', 'distance'],
    );
    assert.deepEqual((spec.vconcat[3].transform as Array<{ fold: string[] }>)[0].fold, ['d(a,p)', 'd(a,n)']);
    assert.throws(() => trainingChartSpec([]), /non-empty array/);
  });

  it('the d(a,p) / d(a,n) legend is drawn beside the distance chart, not beside the loss above it', async () => {
    const svg = await renderSvg(trainingChartSpec(records(7)), 't');
    // The absolute y of each <g>, from the translates of the groups it sits in.
    const stack: number[] = [0];
    let legendY = NaN;
    let distanceTitleY = NaN;
    for (const m of svg.matchAll(/<(\/?)g\b([^>]*)>|<text[^>]*>mean d\(a,p\) and d\(a,n\)/g)) {
      if (m[0].startsWith('<text')) distanceTitleY = stack[stack.length - 1];
      else if (m[1] === '/') stack.pop();
      else {
        const y = Number(/transform="translate\([^,]*,([^)]*)\)"/.exec(m[2])?.[1] ?? 0);
        stack.push(stack[stack.length - 1] + y);
        if (m[2].includes('role-legend"') && Number.isNaN(legendY)) legendY = stack[stack.length - 1];
      }
    }
    assert.ok(distanceTitleY > 300, `the distance chart is the fourth of the column (title at y ${distanceTitleY})`);
    assert.ok(
      Math.abs(legendY - distanceTitleY) < 60,
      `legend at y ${legendY}, the distance chart's title at y ${distanceTitleY}`,
    );
  });
});

describe('healthChartSpec', () => {
  const thresholds = [
    { metric: 'meanNormalizedDistanceRatio', value: 0.3, bad: 'below' as const, label: 'collapse' },
    { metric: 'effectiveRank', value: 2, bad: 'below' as const, label: 'dimensional collapse' },
  ];

  it('draws one panel per measured metric, thresholds first, with a rule at each threshold', () => {
    const log = records(8, true);
    assert.deepEqual(
      healthMetricNames(log).sort(),
      ['dim', 'effectiveRank', 'meanNormalizedDistanceRatio'],
      'gap is never finite',
    );
    const spec = healthChartSpec(log, { thresholds }) as unknown as {
      concat: Array<{ title: string; layer: Array<Record<string, unknown>> }>;
    };
    assert.deepEqual(
      spec.concat.map((p) => p.title),
      ['meanNormalizedDistanceRatio', 'effectiveRank', 'dim'],
    );
    const [ratio, rank, dim] = spec.concat;
    const line = ratio.layer[0] as { data: { values: Array<{ step: number; value: number }> } };
    assert.deepEqual(
      line.data.values,
      log.filter((r) => r.health).map((r) => ({ step: r.step, value: r.health?.meanNormalizedDistanceRatio })),
    );
    const rule = (p: typeof ratio) =>
      p.layer.find((l) => (l.mark as { type: string }).type === 'rule') as
        { data: { values: Array<{ value: number }> } } | undefined;
    assert.equal(rule(ratio)?.data.values[0].value, 0.3);
    assert.equal(rule(rank)?.data.values[0].value, 2);
    assert.equal(rule(dim), undefined, 'no threshold, no rule');
    const label = rank.layer.find((l) => (l.mark as { type: string }).type === 'text') as {
      data: { values: Array<{ text: string }> };
    };
    assert.equal(label.data.values[0].text, 'dimensional collapse < 2');
  });

  it('draws only the metrics asked for, in their order, leaving out those never measured', () => {
    const spec = healthChartSpec(records(8, true), {
      metrics: ['dim', 'gap', 'effectiveRank', 'nope'],
      thresholds,
    }) as unknown as { concat: Array<{ title: string }> };
    assert.deepEqual(
      spec.concat.map((p) => p.title),
      ['dim', 'effectiveRank'],
    );
    assert.throws(() => healthChartSpec(records(8, true), { metrics: ['gap'] }), /finite `health` number of gap/);
  });

  it('refuses a log without health numbers', () => {
    assert.deepEqual(healthMetricNames(records(3)), []);
    assert.throws(() => healthChartSpec(records(3)), /not measured/);
  });
});

describe('distanceHistograms', () => {
  it('bins each phase and kind on shared edges, as shares that match a count by comparison with the edges', () => {
    const rng = new Random(1);
    const draw = (n: number, shift: number) => Float64Array.from({ length: n }, () => shift + Math.abs(rng.normal()));
    const phases = [
      { phase: 'start', distances: { positive: draw(300, 0.2), negative: draw(900, 0.4) } },
      { phase: 'end', distances: { positive: draw(250, 0), negative: draw(1000, 1) } },
    ];
    const bins = distanceHistograms(phases, 12);
    assert.equal(bins.length, 4 * 12);
    const all = phases.flatMap((p) => [...p.distances.positive, ...p.distances.negative]);
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    for (const { phase, distances } of phases) {
      for (const [pairs, values] of [
        ['d(a,p)', distances.positive],
        ['d(a,n)', distances.negative],
      ] as const) {
        const mine = bins.filter((b) => b.phase === phase && b.pairs === pairs);
        assert.ok(
          Math.abs(mine[0].x0 - lo) < 1e-12 && Math.abs(mine[11].x1 - hi) < 1e-12,
          'edges span every value of every phase',
        );
        const expected = histogramShares([...values], lo, hi, 12);
        mine.forEach((b, i) =>
          assert.ok(
            Math.abs(b.share - expected[i]) < 1e-12,
            `${phase} ${pairs} bin ${i}: ${b.share} vs ${expected[i]}`,
          ),
        );
      }
    }
  });

  it('gives equal distances (a collapsed network) one visible bin, and leaves out a kind without pairs', () => {
    const bins = distanceHistograms(
      [{ phase: 'end', distances: { positive: new Float64Array([0, 0]), negative: new Float64Array(0) } }],
      5,
    );
    assert.deepEqual(
      bins.map((b) => b.share),
      [1, 0, 0, 0, 0],
    );
    assert.ok(bins[0].x1 > bins[0].x0);
    assert.throws(
      () =>
        distanceHistograms([
          { phase: 'end', distances: { positive: new Float64Array([NaN]), negative: new Float64Array(0) } },
        ]),
      /finite/,
    );
  });

  it('are drawn as bars from 0 to the share, one column per phase, d(a,p) and d(a,n) coloured apart', () => {
    const bins: HistogramBin[] = [
      { phase: 'start', pairs: 'd(a,p)', x0: 0, x1: 0.5, share: 1 },
      { phase: 'end', pairs: 'd(a,n)', x0: 0.5, x1: 1, share: 1 },
    ];
    const spec = distanceHistogramChartSpec(bins, { distanceLabel: 'Euclidean' }) as unknown as {
      data: { values: HistogramBin[] };
      facet: { column: { field: string; sort: string[] } };
      spec: { encoding: Record<string, { field?: string; datum?: number; title?: string }> };
    };
    assert.deepEqual(spec.data.values, bins);
    assert.deepEqual([spec.facet.column.field, spec.facet.column.sort], ['phase', ['start', 'end']]);
    const e = spec.spec.encoding;
    assert.deepEqual(
      [e.x.field, e.x2.field, e.y.field, e.y2.datum, e.color.field, e.x.title],
      ['x0', 'x1', 'share', 0, 'pairs', 'Euclidean'],
    );
  });
});

describe('embeddingMapChartSpec and metricsChartSpec', () => {
  it('place each point at its projection, coloured by class name, with the variance share on PCA axes', () => {
    const xy = new Float64Array([0, 1, 2, 3, 4, 5]);
    const spec = embeddingMapChartSpec(
      { xy, explained: [0.5, 0.25] },
      { method: 'pca', labels: [2, 0, 2], classNames: ['a', 'b', 'c'] },
    ) as unknown as {
      data: { values: Array<{ x: number; y: number; class: string }> };
      encoding: { x: { title: string }; y: { title: string }; color: { field: string; scale: { domain: string[] } } };
    };
    assert.deepEqual(spec.data.values, [
      { x: 0, y: 1, class: 'c' },
      { x: 2, y: 3, class: 'a' },
      { x: 4, y: 5, class: 'c' },
    ]);
    assert.deepEqual(
      [spec.encoding.x.title, spec.encoding.y.title],
      ['PC1 (50.0% of variance)', 'PC2 (25.0% of variance)'],
    );
    assert.deepEqual(spec.encoding.color.scale.domain, ['a', 'c'], 'only the classes shown, in class order');
    assert.throws(
      () => embeddingMapChartSpec({ xy, explained: null }, { method: 'umap', labels: [0], classNames: ['a'] }),
      /two coordinates per label/,
    );
  });

  it('compare every metric of the embeddings with the raw input', () => {
    const metrics = (base: number): EvaluationMetrics => ({
      precisionAt1: base,
      rPrecision: base + 0.01,
      meanAveragePrecisionAtR: base + 0.02,
      meanAveragePrecision: base + 0.03,
      meanReciprocalRank: base + 0.04,
      k: 9,
      nmi: base + 0.05,
      ami: base + 0.06,
    });
    const spec = metricsChartSpec({
      embedding: metrics(0.8),
      raw: metrics(0.5),
      samples: 10,
      classes: 2,
    }) as unknown as {
      data: { values: Array<{ metric: string; source: string; value: number }> };
    };
    const values = spec.data.values;
    assert.equal(values.length, 14);
    assert.deepEqual(values.find((v) => v.metric === 'MAP@R' && v.source === 'embeddings')?.value, 0.8 + 0.02);
    assert.deepEqual(values.find((v) => v.metric === 'AMI (k-means)' && v.source === 'raw input')?.value, 0.5 + 0.06);
  });
});

describe('renderSvg', () => {
  it('renders every chart to an inline SVG with axes and marks, no namespace URL, ids unique to the chart', async () => {
    const specs: Array<[string, TopLevelSpec]> = [
      ['training', trainingChartSpec(records(6))],
      [
        'health',
        healthChartSpec(records(6, true), {
          thresholds: [{ metric: 'effectiveRank', value: 2, bad: 'below', label: 'low rank' }],
        }),
      ],
      [
        'distances',
        distanceHistogramChartSpec(
          distanceHistograms(
            [
              {
                phase: 'start',
                distances: { positive: new Float64Array([0.1, 0.2]), negative: new Float64Array([0.9, 1]) },
              },
            ],
            4,
          ),
          { distanceLabel: 'd', phases: ['start'] },
        ),
      ],
      [
        'map',
        embeddingMapChartSpec(
          { xy: new Float64Array([0, 0, 1, 1, 2, 0]), explained: null },
          { method: 'umap', labels: [0, 1, 1], classNames: ['a', 'b'] },
        ),
      ],
    ];
    const ids = new Set<string>();
    for (const [name, spec] of specs) {
      const svg = await renderSvg(spec, name);
      assert.match(svg, /^<svg[^>]* class="marks"/, name);
      assert.doesNotMatch(svg, /xmlns|https?:/, name);
      assert.match(svg, /role-axis/, `${name} has axes`);
      assert.match(svg, /class="mark-(line|rect|symbol)[^"]*role-mark/, `${name} has marks`);
      for (const [, id] of svg.matchAll(/\bid="([^"]+)"/g)) {
        assert.ok(id.startsWith(`${name}-`), id);
        assert.ok(!ids.has(id), `duplicate id ${id}`);
        ids.add(id);
      }
      for (const [, ref] of svg.matchAll(/url\(#([^)]+)\)/g))
        assert.ok(svg.includes(`id="${ref}"`), `${name}: dangling url(#${ref})`);
    }
    await assert.rejects(renderSvg(specs[0][1], '1bad'), /idPrefix/);
  });

  it('prefixes the ids of clip paths and the references to them', async () => {
    const clipped: TopLevelSpec = {
      data: {
        values: [
          { x: 1, y: 2 },
          { x: 3, y: 1 },
        ],
      },
      mark: { type: 'line', clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: { domain: [0, 2] } },
        y: { field: 'y', type: 'quantitative' },
      },
    };
    const [a, b] = await Promise.all([renderSvg(clipped, 'one'), renderSvg(clipped, 'two')]);
    const idOf = (svg: string) => /<clipPath id="([^"]+)"/.exec(svg)?.[1];
    assert.match(idOf(a) ?? '', /^one-clip\d+$/);
    assert.match(idOf(b) ?? '', /^two-clip\d+$/);
    assert.ok(a.includes(`clip-path="url(#${idOf(a)})"`) && b.includes(`clip-path="url(#${idOf(b)})"`));
  });
});
