import { tf } from '../tf.js';
import { invalidArgument, invalidInput } from '../errors.js';
import type { Dataset } from '../data/index.js';
import { nonFiniteRows } from './check-finite.js';
import { clusteringMetrics, type ClusteringMetrics } from './clustering-metrics.js';
import { kMeans } from './k-means.js';
import { retrievalMetrics, type RetrievalMetrics } from './retrieval-metrics.js';
import { Random } from '../random.js';
import type { KnnMethod } from './knn-method.js';
import type { ApproximationReport } from './approximation-report.js';

/** Retrieval and clustering quality of one set of vectors. */
export interface EvaluationMetrics extends RetrievalMetrics, ClusteringMetrics {}

/** The same metrics for the embeddings and for the raw input features of the same rows. */
export interface RawComparison {
  embedding: EvaluationMetrics;
  /** The baseline: what the input features give without any model. */
  raw: EvaluationMetrics;
  samples: number;
  /** Classes present among the rows (k of k-means). */
  classes: number;
  /** With `knn: 'approximate'`: each column's report of its approximation (recall@k, subset difference). */
  approximation?: { embedding: ApproximationReport; raw: ApproximationReport };
}

export interface CompareWithRawOptions {
  /** Neighbours per query, as `retrievalMetrics` takes it. Default: every other row. */
  k?: number | 'maxBinCount' | null;
  /** Seed of k-means. Default 0. */
  seed?: number;
  /** Where the embeddings came from (e.g. the model folder), for error messages. Default 'embeddings'. */
  embeddingsName?: string;
  /** Neighbour search of the retrieval metrics, for both columns (see `retrievalMetrics`). Default 'exact'. */
  knn?: KnnMethod;
}

/**
 * Evaluates embeddings of a dataset's rows next to the dataset's raw features, with the same
 * metrics: leave-one-out retrieval (`retrievalMetrics`, each row a query against all the others,
 * unnormalized Euclidean as PML's AccuracyCalculator) and clustering (`kMeans` with one cluster
 * per class present, scored by `clusteringMetrics` as NMI and AMI). The difference between the
 * two columns is what the model learned.
 *
 * Bad input is an `invalid-input` error naming the dataset: embedding rows that differ from the
 * label count, non-finite embeddings (a model whose weights went NaN), fewer than 2 classes.
 *
 * @example
 * const embeddings = embedDataset(model, test);
 * const { embedding, raw } = compareWithRaw(embeddings, test, { seed: 0 });
 * console.log(embedding.precisionAt1, raw.precisionAt1, embedding.ami, raw.ami);
 * embeddings.dispose();
 */
export function compareWithRaw(
  embeddings: tf.Tensor2D,
  dataset: Dataset,
  options: CompareWithRawOptions = {},
): RawComparison {
  const { k = null, seed = 0, embeddingsName = 'embeddings', knn = 'exact' } = options;
  if (!(embeddings instanceof tf.Tensor) || embeddings.rank !== 2) {
    throw invalidArgument(
      `Argument \`embeddings\` must be a 2-D tensor (rows x dimensions). Received: ${describeValue(embeddings)}`,
    );
  }
  if (!Number.isInteger(seed))
    throw invalidArgument(`Option \`seed\` must be an integer. Received: seed=${String(seed)}`);
  const n = dataset.labels.length;
  if (embeddings.shape[0] !== n) {
    throw invalidInput(
      dataset.source,
      `has ${n} labels but ${embeddingsName} has ${embeddings.shape[0]} rows; evaluation needs one embedding per labelled sample`,
    );
  }
  checkFiniteRows(embeddings, dataset, embeddingsName);
  const classes = new Set(dataset.labels).size;
  if (classes < 2) {
    throw invalidInput(
      dataset.source,
      `the evaluated samples all have class '${dataset.classNames[dataset.labels[0]]}'; retrieval and clustering need at least 2 classes (evaluate a split with more classes)`,
    );
  }
  const raw = rawFeatures(dataset);
  try {
    const embedding = evaluate(embeddings, dataset.labels, classes, k, seed, knn);
    const rawMetrics = evaluate(raw, dataset.labels, classes, k, seed, knn);
    const comparison: RawComparison = { embedding: embedding.metrics, raw: rawMetrics.metrics, samples: n, classes };
    if (embedding.approximation !== undefined && rawMetrics.approximation !== undefined) {
      comparison.approximation = { embedding: embedding.approximation, raw: rawMetrics.approximation };
    }
    return comparison;
  } finally {
    raw.dispose();
  }
}

/**
 * Leave-one-out retrieval of a dataset's rows, for the embeddings and for the raw features (what
 * `deepmetric train` reports at its end: `test` and `rawTest`), without the checks and the
 * clustering of `compareWithRaw`.
 *
 * @example
 * const { embedding, raw } = retrievalWithRaw(embeddings, test);
 */
export function retrievalWithRaw(
  embeddings: tf.Tensor2D,
  dataset: Dataset,
): { embedding: RetrievalMetrics; raw: RetrievalMetrics } {
  const raw = rawFeatures(dataset);
  try {
    return {
      embedding: retrievalMetrics({ query: embeddings, queryLabels: dataset.labels }),
      raw: retrievalMetrics({ query: raw, queryLabels: dataset.labels }),
    };
  } finally {
    raw.dispose();
  }
}

/** The dataset's features as rows x flattened features. */
function rawFeatures(dataset: Dataset): tf.Tensor2D {
  const n = dataset.labels.length;
  return tf.tensor2d(dataset.features, [n, dataset.features.length / n]);
}

function evaluate(
  x: tf.Tensor2D,
  labels: Int32Array,
  classes: number,
  k: CompareWithRawOptions['k'],
  seed: number,
  knn: KnnMethod,
): { metrics: EvaluationMetrics; approximation?: ApproximationReport } {
  const { approximation, ...retrieval } = retrievalMetrics({
    query: x,
    queryLabels: labels,
    k,
    knn,
    approximation: { seed },
  });
  const clusters = kMeans(x, classes, { rng: new Random(seed) }).labels;
  return { metrics: { ...retrieval, ...clusteringMetrics(labels, clusters) }, approximation };
}

function checkFiniteRows(embeddings: tf.Tensor2D, dataset: Dataset, name: string): void {
  const { rows, first } = nonFiniteRows(embeddings);
  if (rows > 0) {
    throw invalidInput(
      dataset.source,
      `${name} hold NaN or Infinity in ${rows} of ${embeddings.shape[0]} rows (first: sample ${first}); a model with non-finite weights (a diverged run) gives these`,
    );
  }
}

function describeValue(x: unknown): string {
  return x instanceof tf.Tensor ? `shape [${x.shape.join(', ')}]` : String(x);
}
