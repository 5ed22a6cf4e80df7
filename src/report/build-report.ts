import { join } from 'pathe';
import type * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import { DeepmetricError, invalidArgument } from '../errors.js';
import { loadData, subset, type Dataset } from '../data/index.js';
import { parseHealthSnapshot, type HealthSnapshot } from '../health/index.js';
import { buildModel, embedDataset, loadModel } from '../models/index.js';
import { Random } from '../random.js';
import { SUMMARY_JSON, dataOptions, distanceFor, type TrainConfig } from '../run/index.js';
import { finalHealth } from '../run/index.js';
import { chartFigureHtml } from './chart-figure.js';
import { compareWithRaw } from '../evaluation/index.js';
import { distanceHistogramChartSpec } from './distance-histogram-chart.js';
import { distanceHistograms, type HistogramBin } from './distance-histograms.js';
import { embeddingMapChartSpec } from './embedding-map-chart.js';
import { healthSection } from './health-section.js';
import { imageThumbnails, isImageShape } from './image-thumbnails.js';
import { metricsChartSpec } from './metrics-chart.js';
import { metricsHtml } from './metrics-html.js';
import { nearestNeighbourRows } from './nearest-neighbour-rows.js';
import { neighbourGridHtml } from './neighbour-grid-html.js';
import { pairDistances } from './pair-distances.js';
import { pcaProjection, type Projection2D } from './pca-projection.js';
import { readRun, type RunFiles } from '../run/index.js';
import { renderSvg } from './render-svg.js';
import { sampleRows } from './sample-rows.js';
import type { ReportPage, SectionBody, SectionId } from './report-page.js';
import { runVerdict } from '../run/index.js';
import { settingsHtml } from './settings-html.js';
import { trainingSection } from './training-section.js';
import { umapProjection } from './umap-projection.js';
import { verdictHtml } from './verdict-html.js';

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

/** The run's model with the evaluation split it is judged on. */
interface Evaluation {
  test: Dataset;
  model: tfl.LayersModel;
  embeddings: tf.Tensor2D;
  /** Said above each model section when the model is a checkpoint's (empty for the trained model). */
  note: string;
}

/**
 * Gathers everything a run's report shows. Reads the run directory (settings, log, summary) and,
 * when there is a model (the trained one, else the last checkpoint's), loads the data and evaluates
 * the model on the run's evaluation split (the test split, or the held-out classes): metrics next
 * to the raw input, pair distances of the untrained network (rebuilt from the run's seed, which
 * reproduces its initial weights exactly) and of the model, a 2-D map, and for images the
 * nearest-neighbour grid. The verdict is `deepmetric diagnose`'s: the worse of the last training
 * probe and the test split's final health (summary.json's, or measured with the checkpoint). Charts
 * are rendered to SVG here. A section whose inputs the run lacks gets a note saying why instead of
 * content. Every random choice is seeded by the run's seed, so a report is reproducible. Needs a
 * started tfjs backend.
 *
 * @example
 * await initBackend('auto');
 * const html = reportHtml(await buildReport('runs/1', { map: 'umap' }));
 */
export async function buildReport(runDir: string, options: BuildReportOptions = {}): Promise<ReportPage> {
  const { map = 'pca', mapPoints = 2000, pairSamples = 1000 } = options;
  if (!MAP_METHODS.includes(map)) {
    throw invalidArgument(
      `Option \`map\` must be one of ${MAP_METHODS.join(', ')}. Received: map=${JSON.stringify(map)}`,
    );
  }
  for (const [name, value, least] of [
    ['mapPoints', mapPoints, 3],
    ['pairSamples', pairSamples, 2],
  ] as const) {
    if (!(Number.isInteger(value) && value >= least)) {
      throw invalidArgument(`Option \`${name}\` must be an integer >= ${least}. Received: ${name}=${String(value)}`);
    }
  }
  const run = await readRun(runDir);
  const { config, log } = run;
  const sections: Partial<Record<SectionId, SectionBody>> = {
    settings: { html: settingsHtml(config) },
    training: await trainingSection(config, log),
    health: await healthSection(config, log),
  };
  const evaluation = await openEvaluation(run);
  try {
    const testHealth =
      summaryHealth(run) ?? ('absent' in evaluation ? null : finalHealth(evaluation.model, evaluation.test, config));
    sections.verdict = verdictSection(run, testHealth);
    if ('absent' in evaluation) {
      for (const id of ['metrics', 'distances', 'map', 'neighbours'] as const)
        sections[id] = { absent: evaluation.absent };
    } else {
      Object.assign(sections, await modelSections(config, evaluation, map, mapPoints, pairSamples));
    }
  } finally {
    if (!('absent' in evaluation)) {
      evaluation.embeddings.dispose();
      evaluation.model.dispose();
    }
  }
  return {
    title: `deepmetric report: ${runDir}`,
    subtitle: subtitle(run),
    sections: sections as Record<SectionId, SectionBody>,
  };
}

/** The test split's final health as training recorded it in summary.json; null before the run finished. */
function summaryHealth(run: RunFiles): HealthSnapshot | null {
  const health = run.summary?.health;
  return health === undefined || health === null ? null : parseHealthSnapshot(health, join(run.runDir, SUMMARY_JSON));
}

function verdictSection(run: RunFiles, testHealth: HealthSnapshot | null): SectionBody {
  const verdict = runVerdict(run.config, run.log, testHealth);
  if (verdict === null) {
    return {
      absent:
        'not measured in this run: the log holds no health probe and there is no model to measure the test split with, so there is no verdict.',
    };
  }
  const guard = (run.summary?.guard?.actions ?? []).map(
    (a) => `the guard at step ${a.step}: ${a.verdict}, ${a.action}`,
  );
  return {
    html: verdictHtml(verdict.report, `${verdict.basis}, with the run's log and settings`, {
      reading: verdict.reading,
      events: guard,
    }),
  };
}

/** Loads the run's evaluation split and model and embeds the split, or says why it cannot. */
async function openEvaluation(run: RunFiles): Promise<Evaluation | { absent: string }> {
  const { config } = run;
  if (run.model === null) {
    return {
      absent: `the run saved neither a trained model (model/) nor a checkpoint to evaluate; continue it with \`deepmetric train --resume ${run.runDir}\`.`,
    };
  }
  let test: Dataset;
  try {
    test = (await loadData(config.data, dataOptions(config))).test;
  } catch (error) {
    if (error instanceof DeepmetricError && error.code === 'invalid-input')
      return { absent: `the run's data cannot be read (${error.message}).` };
    throw error;
  }
  const model = await loadModel(run.model.dir);
  try {
    const note = run.model.final
      ? ''
      : `<p class="note"><strong>From the last checkpoint (step ${run.model.step}):</strong> the run has not finished (interrupted, or stopped by the collapse guard).</p>\n`;
    return { test, model, embeddings: embedDataset(model, test), note };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

type ModelSectionId = 'metrics' | 'distances' | 'map' | 'neighbours';

/** The sections that need the model and the evaluation data. */
async function modelSections(
  config: TrainConfig,
  evaluation: Evaluation,
  map: MapMethod,
  mapPoints: number,
  pairSamples: number,
): Promise<Record<ModelSectionId, SectionBody>> {
  const { test, embeddings, note } = evaluation;
  const rng = new Random(config.seed);
  const comparison = compareWithRaw(embeddings, test, {
    seed: config.seed,
    embeddingsName: "the embeddings of the run's model",
  });
  const where =
    config.holdoutClasses === null
      ? `the ${comparison.samples} test samples (${comparison.classes} classes)`
      : `the ${comparison.samples} samples of the ${comparison.classes} held-out classes (never seen in training)`;
  const figure = chartFigureHtml(
    'metrics',
    await renderSvg(metricsChartSpec(comparison), 'metrics'),
    'Each metric for the trained embeddings and for the raw input features.',
  );
  const metrics = { html: note + metricsHtml(comparison, where, figure) };

  const pairRows = sampleRows(test.labels.length, pairSamples, rng);
  const distances = { html: note + (await distancesHtml(config, test, embeddings, pairRows)) };

  const mapRows = sampleRows(test.labels.length, mapPoints, rng);
  const mapped = tf.gather(embeddings, mapRows) as tf.Tensor2D;
  let projection: Projection2D;
  try {
    projection = map === 'pca' ? pcaProjection(mapped) : umapProjection(mapped, { rng });
  } finally {
    mapped.dispose();
  }
  const mapLabels = mapRows.map((i) => test.labels[i]);
  const mapSvg = await renderSvg(
    embeddingMapChartSpec(projection, { method: map, labels: mapLabels, classNames: test.classNames }),
    'map',
  );
  const mapHtml = chartFigureHtml(
    'map',
    mapSvg,
    `${mapRows.length} evaluation samples${mapRows.length < test.labels.length ? ` (a random sample of ${test.labels.length})` : ''}, ${map === 'pca' ? 'projected on the first two principal components of their embeddings' : 'laid out by UMAP (distances between islands carry no meaning)'}, coloured by class.`,
  );

  const neighbours = isImageShape(test.sampleShape)
    ? { html: note + (await neighboursHtml(test, embeddings, rng)) }
    : {
        absent: `the data are not images (each sample has shape [${test.sampleShape.join(', ')}]), so there is nothing to show.`,
      };
  return { metrics, distances, map: { html: note + mapHtml }, neighbours };
}

async function distancesHtml(
  config: TrainConfig,
  test: Dataset,
  embeddings: tf.Tensor2D,
  rows: number[],
): Promise<string> {
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
