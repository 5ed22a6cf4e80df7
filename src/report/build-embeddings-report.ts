import { tf } from '../tf.js';
import { LpDistance } from '../distances/index.js';
import type { HealthReport } from '../health/index.js';
import { Random } from '../random.js';
import { chartFigureHtml } from './chart-figure.js';
import { distanceHistogramChartSpec } from './distance-histogram-chart.js';
import { distanceHistograms } from './distance-histograms.js';
import { embeddingMapChartSpec } from './embedding-map-chart.js';
import { pairDistances } from './pair-distances.js';
import { pcaProjection } from './pca-projection.js';
import { renderSvg } from './render-svg.js';
import type { ReportPage, SectionBody } from './report-page.js';
import { sampleRows } from './sample-rows.js';
import { verdictHtml } from './verdict-html.js';

/** A matrix of embeddings, n x d row-major. */
export interface EmbeddingMatrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

/** What `buildEmbeddingsReport` shows: a diagnosed set of embeddings, and how it was diagnosed. */
export interface EmbeddingsReportInput {
  /** The file or log the embeddings came from, for the title. */
  name: string;
  /** What was read, as `deepmetric diagnose` prints it first. */
  description: string;
  report: HealthReport;
  embeddings: EmbeddingMatrix;
  /** One class id per row; null without labels (then no d(a,p) / d(a,n) and a map in one colour). */
  labels: Int32Array | null;
  /** Embeddings of the same rows from an earlier model, drawn beside them; null without. */
  reference: EmbeddingMatrix | null;
  /** Compared raw downstream (`--raw`): distances of the raw embeddings, not of the normalized ones. */
  raw: boolean;
}

export interface EmbeddingsReportOptions {
  /** Rows whose every pair is drawn in the histograms. Default 1000. */
  pairSamples?: number;
  /** Rows drawn on the map. Default 2000. */
  mapPoints?: number;
  /** Seed of the rows drawn. Default 0. */
  seed?: number;
}

/**
 * The report of embeddings diagnosed without a run (a file, or a training log's last snapshot),
 * in the sections of a run's report: the verdict with its causes, remedies, thresholds and
 * evidence; the histograms of pair distances (beside the reference's, when given) and the PCA
 * map coloured by class. The sections a run would fill (settings, training curves, metrics
 * against the raw input, neighbours) say why they are empty. The same page in Node
 * (`deepmetric diagnose --report`) and in the browser. Needs a started tfjs backend.
 *
 * @example
 * const html = reportHtml(await buildEmbeddingsReport({ name: 'emb.npy', description, report, embeddings, labels, reference: null, raw: false }));
 */
export async function buildEmbeddingsReport(
  input: EmbeddingsReportInput,
  options: EmbeddingsReportOptions = {},
): Promise<ReportPage> {
  const { pairSamples = 1000, mapPoints = 2000, seed = 0 } = options;
  const { embeddings, labels, reference } = input;
  const noRun = 'an embeddings file has no training run: diagnose a run directory for this section.';
  const sections: Record<string, SectionBody> = {
    verdict: { html: verdictHtml(input.report, input.description) },
    metrics: { absent: 'an embeddings file has no raw input to compare the retrieval metrics with.' },
    settings: { absent: noRun },
    training: { absent: noRun },
    health: { absent: noRun },
    neighbours: { absent: 'an embeddings file holds no images to show.' },
  };
  const rng = new Random(seed);
  if (!allFinite(embeddings.data) || (reference !== null && !allFinite(reference.data))) {
    sections.distances = { absent: 'the embeddings hold NaN or infinite values, which have no distance.' };
    sections.map = { absent: 'the embeddings hold NaN or infinite values, which have no position.' };
  } else {
    sections.distances = await distancesSection(input, sampleRows(embeddings.rows, pairSamples, rng));
    sections.map = await mapSection(embeddings, labels, sampleRows(embeddings.rows, mapPoints, rng));
  }
  return {
    title: `deepmetric report: ${input.name}`,
    subtitle: `${embeddings.rows} embeddings x ${embeddings.dim} dimensions${labels === null ? ', no labels' : `, ${new Set(labels).size} classes`}${reference === null ? '' : ', with a reference'}`,
    sections: sections as ReportPage['sections'],
  };
}

function allFinite(values: Float32Array): boolean {
  for (const v of values) if (!Number.isFinite(v)) return false;
  return true;
}

async function distancesSection(input: EmbeddingsReportInput, rows: number[]): Promise<SectionBody> {
  if (input.labels === null)
    return { absent: 'no labels: pairs of one class and of two classes cannot be told apart.' };
  const labels = Int32Array.from(rows, (r) => input.labels![r]);
  const distance = new LpDistance({ normalizeEmbeddings: !input.raw });
  const sets = [
    ...(input.reference === null ? [] : [{ phase: 'reference', matrix: input.reference }]),
    { phase: 'embeddings', matrix: input.embeddings },
  ];
  const bins = distanceHistograms(
    sets.map(({ phase, matrix }) => {
      const x = tf.tidy(() => tf.gather(tf.tensor2d(matrix.data, [matrix.rows, matrix.dim]), rows) as tf.Tensor2D);
      try {
        return { phase, distances: pairDistances(x, labels, distance) };
      } finally {
        x.dispose();
      }
    }),
  );
  const label = input.raw ? 'Euclidean distance of raw embeddings' : 'Euclidean distance of L2-normalized embeddings';
  const svg = await renderSvg(
    distanceHistogramChartSpec(bins, { distanceLabel: label, phases: sets.map((s) => s.phase) }),
    'distances',
  );
  return {
    html: chartFigureHtml(
      'distances',
      svg,
      `All pairs among ${rows.length} of the ${input.embeddings.rows} rows (${label}): d(a,p) for pairs of one class, d(a,n) for pairs of two classes; each histogram sums to 100%. Healthy embeddings put d(a,p) below d(a,n); collapse squeezes both into one spike.`,
    ),
  };
}

async function mapSection(
  embeddings: EmbeddingMatrix,
  labels: Int32Array | null,
  rows: number[],
): Promise<SectionBody> {
  const x = tf.tidy(
    () => tf.gather(tf.tensor2d(embeddings.data, [embeddings.rows, embeddings.dim]), rows) as tf.Tensor2D,
  );
  let projection;
  try {
    projection = pcaProjection(x);
  } finally {
    x.dispose();
  }
  const mapLabels = rows.map((r) => (labels === null ? 0 : labels[r]));
  const classes = labels === null ? ['all'] : classNames(labels);
  const svg = await renderSvg(
    embeddingMapChartSpec(projection, { method: 'pca', labels: mapLabels, classNames: classes }),
    'map',
  );
  return {
    html: chartFigureHtml(
      'map',
      svg,
      `${rows.length} embeddings${rows.length < embeddings.rows ? ` (a random sample of ${embeddings.rows})` : ''}, projected on their first two principal components, coloured by class.`,
    ),
  };
}

/** Class ids as names: the ids `readEmbeddings` gives are 0..C-1 in the order of the file's labels. */
function classNames(labels: Int32Array): string[] {
  let max = 0;
  for (const l of labels) if (l > max) max = l;
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}
