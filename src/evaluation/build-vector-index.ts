import { invalidArgument } from '../errors.js';
import { nodeModule } from '../io/node-module.js';
import { loadUsearch } from './load-usearch.js';
import type { VectorIndexMetric } from './vector-index-metric.js';

/** The HNSW settings of a USearch index (its own names in the comments). */
export interface VectorIndexSettings {
  /** Graph edges per node (`connectivity`, HNSW's M). Default 16. */
  connectivity?: number;
  /** Candidates kept while inserting (`expansion_add`, efConstruction). Default 128. */
  expansionAdd?: number;
  /** Candidates kept while searching (`expansion_search`, ef); raised to k when smaller. Default 128. */
  expansionSearch?: number;
  /** Threads adding and searching. Default: every core (`os.availableParallelism()`). */
  threads?: number;
}

export const DEFAULT_INDEX_SETTINGS = { connectivity: 16, expansionAdd: 128, expansionSearch: 128 } as const;

/** The native USearch index, as the binding types it. */
export type UsearchIndex = InstanceType<ReturnType<typeof loadUsearch>['module']['Index']>;

/** Settings with defaults filled in and checked. */
export function resolveIndexSettings(settings: VectorIndexSettings = {}): Required<VectorIndexSettings> {
  const resolved = {
    connectivity: settings.connectivity ?? DEFAULT_INDEX_SETTINGS.connectivity,
    expansionAdd: settings.expansionAdd ?? DEFAULT_INDEX_SETTINGS.expansionAdd,
    expansionSearch: settings.expansionSearch ?? DEFAULT_INDEX_SETTINGS.expansionSearch,
    threads: settings.threads ?? nodeModule('node:os').availableParallelism(),
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw invalidArgument(
        `Option \`${name}\` of the vector index must be an integer >= 1. Received: ${name}=${String(value)}`,
      );
    }
  }
  return resolved;
}

/**
 * A USearch HNSW index (float32 vectors) of `rows` row-major vectors of `dim` numbers, row i under
 * key i. The rows must already be as the metric wants them (normalized for `normalize` metrics).
 *
 * @example
 * const index = buildVectorIndex(data, rows, dim, vectorIndexMetric(new LpDistance()), {});
 * index.save('embeddings.usearch');
 */
export function buildVectorIndex(
  data: Float32Array,
  rows: number,
  dim: number,
  metric: VectorIndexMetric,
  settings: VectorIndexSettings = {},
): UsearchIndex {
  const { connectivity, expansionAdd, expansionSearch, threads } = resolveIndexSettings(settings);
  const { module: usearch } = loadUsearch();
  const index = new usearch.Index({
    dimensions: dim,
    metric: metric.metric === 'l2sq' ? usearch.MetricKind.L2sq : usearch.MetricKind.IP,
    quantization: usearch.ScalarKind.F32,
    connectivity,
    expansion_add: expansionAdd,
    expansion_search: expansionSearch,
    multi: false,
  });
  const keys = new BigUint64Array(rows);
  for (let i = 0; i < rows; i++) keys[i] = BigInt(i);
  index.add(keys, data.subarray(0, rows * dim), threads);
  return index;
}

/**
 * The `k` nearest keys of each of the `rows` query vectors (row-major), nearest first; distances
 * are USearch's. Rows for which the graph gives fewer than k matches end in key -1, distance NaN.
 */
export function searchVectorIndex(
  index: UsearchIndex,
  queries: Float32Array,
  rows: number,
  k: number,
  threads: number,
): { keys: Int32Array; distances: Float32Array } {
  // The binding takes a flat row-major matrix and answers a batch, though its types say Vector[].
  const search = index.search.bind(index) as unknown as (
    q: Float32Array,
    k: number,
    threads: number,
  ) => { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array };
  const keys = new Int32Array(rows * k).fill(-1);
  const distances = new Float32Array(rows * k).fill(NaN);
  const result = search(queries, k, threads);
  for (let r = 0; r < rows; r++) {
    const found = result.counts === undefined ? result.keys.length : Number(result.counts[r]);
    for (let j = 0; j < Math.min(found, k); j++) {
      keys[r * k + j] = Number(result.keys[r * k + j]);
      distances[r * k + j] = result.distances[r * k + j];
    }
  }
  return { keys, distances };
}
