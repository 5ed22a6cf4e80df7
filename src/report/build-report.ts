import { tf } from '../tf.js';
import { DeepmetricError, invalidArgument } from '../errors.js';
import { loadData, subset, type Dataset } from '../data/index.js';
import { buildModel, embedDataset, loadModel } from '../models/index.js';
import { Random } from '../random.js';
import { dataOptions, distanceFor, type TrainConfig } from '../training/index.js';
import { chartFigureHtml } from './chart-figure.js';
import { compareWithRaw } from './compare-with-raw.js';
import { distanceHistogramChartSpec } from './distance-histogram-chart.js';
import { distanceHistograms, type HistogramBin } from './distance-histograms.js';
import { embeddingMapChartSpec } from './embedding-map-chart.js';
import { healthChartSpec, healthMetricNames } from './health-chart.js';
import { imageThumbnails, isImageShape } from './image-thumbnails.js';
import { metricsChartSpec } from './metrics-chart.js';
import { metricsHtml } from './metrics-html.js';
import { nearestNeighbourRows } from './nearest-neighbour-rows.js';
import { neighbourGridHtml } from './neighbour-grid-html.js';
import { pairDistances } from './pair-distances.js';
import { pcaProjection, type Projection2D } from './pca-projection.js';
import { readRun, type RunFiles } from './read-run.js';
import { renderSvg } from './render-svg.js';
import type { ReportPage, SectionBody, SectionId } from './report-page.js';
import { settingsHtml } from './settings-html.js';
import { trainingChartSpec } from './training-chart.js';
import { umapProjection } from './umap-projection.js';

export const MAP_METHODS = ['pca', 'umap'] as const;
export type MapMethod = (typeof MAP_METHODS)[number];

export interface BuildReportOptions {
  /** How the evaluation embeddings are mapped to 2-D. Default 'pca'. */
  map?: MapMethod;
  /** Evaluation samples drawn on the map (a seeded sample when there are more). Default 2000. */
  mapPoints?: number;
  /** Evaluation samples whose pairs make the distance histograms. Default 1000 (~500,000 pairs). */
  pairSamples?: number;
}

/**
 * Gathers everything a run's report shows: reads the run directory (settings, log, summary), and
 * when the run saved its model, loads the data and evaluates the model on the run's evaluation
 * split (the test split, or the held-out classes): metrics next to the raw input, pair distances of
 * the untrained network (rebuilt from the run's seed, which reproduces its initial weights exactly)
 * and of the trained one, a 2-D map, and for images the nearest-neighbour grid. Charts are rendered
 * to SVG here. A section whose inputs the run lacks gets a note saying why instead of content.
 * Every random choice is seeded by the run's seed, so a report is reproducible. Needs a started
 * tfjs backend.
 *
 * @example
 * await initBackend('auto');
 * const html = reportHtml(await buildReport('runs/1', { map: 'umap' }));
 */
export async function buildReport(runDir: string, options: BuildReportOptions = {}): Promise<ReportPage> {
  const { map = 'pca', mapPoints = 2000, pairSamples = 1000 } = options;
  if (!MAP_METHODS.includes(map)) {
    throw invalidArgument(`Option \`map\` must be one of ${MAP_METHODS.join(', ')}. Received: map=${JSON.stringify(map)}`);
  }
  for (const [name, value, least] of [['mapPoints', mapPoints, 3], ['pairSamples', pairSamples, 2]] as const) {
    if (!(Number.isInteger(value) && value >= least)) {
      throw invalidArgument(`Option \`${name}\` must be an integer >= ${least}. Received: ${name}=${String(value)}`);
    }
  }
  const run = await readRun(runDir);
  const { config, log } = run;
  const sections: Partial<Record<SectionId, SectionBody>> = {
    verdict: { absent: 'health was not measured in this run, so there is no verdict (the run log holds no health probes).' },
    settings: { html: settingsHtml(config) },
    training:
      log.length === 0
        ? { absent: 'the run log (log.jsonl) holds no step yet.' }
        : {
            html: chartFigureHtml(
              'training',
              await renderSvg(trainingChartSpec(log), 'training'),
              `Per logged step (every ${config.logEvery}): the loss, the learning rate, the share of triplets with a positive loss, and the mean d(a,p) and d(a,n) of the batch's triplets.`,
            ),
          },
    health:
      healthMetricNames(log).length === 0
        ? { absent: 'not measured in this run: the log holds no health numbers (probes).' }
        : {
            html: chartFigureHtml(
              'health',
              await renderSvg(healthChartSpec(log), 'health'),
              `Health of the fixed probe batch, measured every ${config.probeEvery} steps.`,
            ),
          },
  };
  Object.assign(sections, await modelSections(run, map, mapPoints, pairSamples));
  return {
    title: `deepmetric report: ${runDir}`,
    subtitle: subtitle(run),
    sections: sections as Record<SectionId, SectionBody>,
  };
}

type ModelSectionId = 'metrics' | 'distances' | 'map' | 'neighbours';

/** The sections that need the trained model and the evaluation data. */
async function modelSections(
  run: RunFiles,
  map: MapMethod,
  mapPoints: number,
  pairSamples: number,
): Promise<Record<ModelSectionId, SectionBody>> {
  const { config } = run;
  const absentAll = (why: string) => ({ metrics: { absent: why }, distances: { absent: why }, map: { absent: why }, neighbours: { absent: why } });
  if (run.modelDir === null) {
    return absentAll(`the run has not finished, so it has no trained model (model/) to evaluate; continue it with \`deepmetric train --resume ${run.runDir}\`.`);
  }
  let test: Dataset;
  try {
    test = (await loadData(config.data, dataOptions(config))).test;
  } catch (error) {
    if (error instanceof DeepmetricError && error.code === 'invalid-input') {
      return absentAll(`the run's data cannot be read (${error.message}).`);
    }
    throw error;
  }
  const model = await loadModel(run.modelDir);
  const embeddings = embedDataset(model, test);
  const rng = new Random(config.seed);
  try {
    const comparison = compareWithRaw(embeddings, test, { seed: config.seed, embeddingsName: `the embeddings of ${run.modelDir}` });
    const where =
      config.holdoutClasses === null
        ? `the ${comparison.samples} test samples (${comparison.classes} classes)`
        : `the ${comparison.samples} samples of the ${comparison.classes} held-out classes (never seen in training)`;
    const metrics = {
      html: `${metricsHtml(comparison, where)}\n${chartFigureHtml('metrics', await renderSvg(metricsChartSpec(comparison), 'metrics'), 'Each metric for the trained embeddings and for the raw input features.')}`,
    };

    const pairRows = sampleRows(test.labels.length, pairSamples, rng);
    const distances = { html: await distancesHtml(config, test, embeddings, pairRows) };

    const mapRows = sampleRows(test.labels.length, mapPoints, rng);
    const mapped = tf.gather(embeddings, mapRows) as tf.Tensor2D;
    let projection: Projection2D;
    try {
      projection = map === 'pca' ? pcaProjection(mapped) : umapProjection(mapped, { rng });
    } finally {
      mapped.dispose();
    }
    const mapLabels = mapRows.map((i) => test.labels[i]);
    const mapSvg = await renderSvg(embeddingMapChartSpec(projection, { method: map, labels: mapLabels, classNames: test.classNames }), 'map');
    const mapHtml = chartFigureHtml(
      'map',
      mapSvg,
      `${mapRows.length} evaluation samples${mapRows.length < test.labels.length ? ` (a random sample of ${test.labels.length})` : ''}, ${map === 'pca' ? 'projected on the first two principal components of their embeddings' : 'laid out by UMAP (distances between islands carry no meaning)'}, coloured by class.`,
    );

    const neighbours = isImageShape(test.sampleShape)
      ? { html: await neighboursHtml(test, embeddings, rng) }
      : { absent: `the data are not images (each sample has shape [${test.sampleShape.join(', ')}]), so there is nothing to show.` };
    return { metrics, distances, map: { html: mapHtml }, neighbours };
  } finally {
    embeddings.dispose();
    model.dispose();
  }
}

async function distancesHtml(config: TrainConfig, test: Dataset, embeddings: tf.Tensor2D, rows: number[]): Promise<string> {
  const sample = subset(test, rows);
  const distance = distanceFor(config.distance, config.normalizeEmbeddings);
  const initial = buildModel(config.model, {
    inputShape: test.sampleShape,
    embeddingDim: config.embeddingDim,
    normalize: config.normalize,
    seed: config.seed,
  });
  const start = embedDataset(initial, sample);
  const end = tf.gather(embeddings, rows) as tf.Tensor2D;
  let bins: HistogramBin[];
  try {
    bins = distanceHistograms([
      { phase: 'start', distances: pairDistances(start, sample.labels, distance) },
      { phase: 'end', distances: pairDistances(end, sample.labels, distance) },
    ]);
  } finally {
    tf.dispose([start, end]);
    initial.dispose();
  }
  const label = distanceLabel(config);
  const svg = await renderSvg(distanceHistogramChartSpec(bins, { distanceLabel: label }), 'distances');
  const direction = config.distance === 'cosine' ? 'higher' : 'lower';
  return chartFigureHtml(
    'distances',
    svg,
    `All pairs among ${rows.length} evaluation samples, measured as the loss measures them (${label}): d(a,p) for pairs of one class, d(a,n) for pairs of two classes; each histogram sums to 100%. "start" is the untrained network (the run's initial weights, rebuilt from its seed), "end" the trained one. Learning moves d(a,p) ${direction} than d(a,n); collapse squeezes both into one spike.`,
  );
}

async function neighboursHtml(test: Dataset, embeddings: tf.Tensor2D, rng: Random): Promise<string> {
  const k = Math.min(8, test.labels.length - 1);
  const rows = nearestNeighbourRows(embeddings, test.labels, { queries: 10, k, rng });
  const all = rows.flatMap((r) => [r.query, ...r.neighbours]);
  const uris = await imageThumbnails(test, all);
  const image = (row: number, at: number) => ({ uri: uris[at], className: test.classNames[test.labels[row]] });
  let at = 0;
  const grid = rows.map((r) => ({
    query: image(r.query, at++),
    neighbours: r.neighbours.map((n) => image(n, at++)),
  }));
  return `<p class="note">One query per class (first column, black frame) and its ${k} nearest evaluation samples in the embedding space, nearest first; green: same class as the query, red: another class.</p>\n${neighbourGridHtml(grid)}`;
}

/** `count` distinct rows of `n` drawn with `rng`, in increasing order; all rows when n <= count. */
function sampleRows(n: number, count: number, rng: Random): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= count) return all;
  return rng.shuffle(all).slice(0, count).sort((a, b) => a - b);
}

function distanceLabel(config: TrainConfig): string {
  const normalized = config.normalizeEmbeddings ? ' of L2-normalized embeddings' : ' of raw embeddings';
  switch (config.distance) {
    case 'euclidean':
      return `Euclidean distance${normalized}`;
    case 'squared-euclidean':
      return `squared Euclidean distance${normalized}`;
    case 'cosine':
      return 'cosine similarity (higher is closer)';
    default: {
      const never: never = config.distance;
      throw invalidArgument(`Unknown distance ${String(never)}`);
    }
  }
}

function subtitle(run: RunFiles): string {
  const { config, summary, log } = run;
  const model = `${config.model}, ${config.embeddingDim}-d${config.normalize ? ', L2-normalized' : ''}`;
  const progress =
    summary === null
      ? `unfinished: ${log.length} logged steps`
      : `${summary.steps} steps in ${summary.seconds.toFixed(1)} s on ${summary.backend}`;
  return `data ${config.data} · model ${model} · ${config.loss} loss, ${config.miner} mining · ${progress} · report made ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
