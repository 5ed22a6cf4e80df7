import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { int } from './flag-parsers.js';
import { invalidArgument, invalidInput } from '../errors.js';
import { readEmbeddings, readNpy, readLabelsFile } from '../data/index.js';
import { loadUsearch, searchVectorIndex, vectorIndexMetric } from '../evaluation/index.js';
import { indexDistance, readIndexManifest, type IndexManifest } from './index-manifest.js';

export interface QueryFlags {
  /** One query vector: comma- or space-separated numbers. */
  vector?: string;
  /** Query vectors: a `.npy` (1-D for one, 2-D for several) or any embeddings file `readEmbeddings` reads. */
  file?: string;
  k: number;
  json?: boolean;
}

export interface Neighbour {
  /** The row number of the indexed data (the index key). */
  id: number;
  /** The model's distance (or similarity, for cosine and dot product). */
  distance: number;
  label: number | null;
  className: string | null;
}

export interface QueryResult {
  index: string;
  k: number;
  distance: string;
  queries: Neighbour[][];
}

/**
 * `deepmetric query DIR --vector ... | --file q.npy --k 10`: the k nearest indexed rows of each query
 * vector in a folder written by `deepmetric index`, under the index's distance (queries normalized
 * when the index is), with their labels.
 */
export async function queryCommand(dir: string, flags: QueryFlags): Promise<QueryResult> {
  const manifest = await readIndexManifest(dir);
  if ((flags.vector === undefined) === (flags.file === undefined)) {
    throw invalidArgument('give the query as exactly one of --vector <numbers> or --file <q.npy>');
  }
  if (!(Number.isInteger(flags.k) && flags.k >= 1 && flags.k <= manifest.count)) {
    throw invalidArgument(
      `--k must be an integer in [1, ${manifest.count}] (the rows in ${dir}). Received: ${flags.k}`,
    );
  }
  const { data, rows } =
    flags.vector !== undefined ? parseVector(flags.vector, manifest) : await readQueries(flags.file!, manifest);
  const distance = indexDistance(manifest.distance.name, manifest.distance.normalizeEmbeddings);
  const metric = vectorIndexMetric(distance);
  if (manifest.distance.normalizeEmbeddings) normalizeRows(data, rows, manifest.dim);

  const indexPath = join(dir, manifest.index);
  await access(indexPath).catch(() => {
    throw invalidInput(indexPath, `is missing: the manifest names it as the index file`);
  });
  const { module: usearch } = loadUsearch();
  const index = new usearch.Index({
    dimensions: manifest.dim,
    metric: manifest.metric === 'l2sq' ? usearch.MetricKind.L2sq : usearch.MetricKind.IP,
    quantization: usearch.ScalarKind.F32,
    connectivity: manifest.settings.connectivity,
    expansion_add: manifest.settings.expansionAdd,
    expansion_search: Math.max(manifest.settings.expansionSearch, flags.k),
    multi: false,
  });
  index.load(indexPath);
  const labels = manifest.labels === null ? null : (await readLabelsFile(join(dir, manifest.labels))).labels;
  const found = searchVectorIndex(index, data, rows, flags.k, 1);
  const queries: Neighbour[][] = [];
  for (let r = 0; r < rows; r++) {
    const list: Neighbour[] = [];
    for (let j = 0; j < flags.k; j++) {
      const id = found.keys[r * flags.k + j];
      if (id < 0) break;
      const label = labels === null ? null : labels[id];
      list.push({
        id,
        distance: metric.toDistance(found.distances[r * flags.k + j]),
        label,
        className: label === null || manifest.classNames === null ? null : (manifest.classNames[label] ?? null),
      });
    }
    queries.push(list);
  }
  return { index: dir, k: flags.k, distance: manifest.distance.description, queries };
}

/** The text `deepmetric query` prints: one block per query, one line per neighbour. */
export function formatQueryResult(result: QueryResult): string {
  const lines: string[] = [];
  result.queries.forEach((list, q) => {
    lines.push(`query ${q}: ${list.length} nearest of ${result.index} (${result.distance})`);
    lines.push(`${'rank'.padStart(6)}${'id'.padStart(10)}${'distance'.padStart(12)}  label`);
    list.forEach((n, rank) => {
      const label =
        n.label === null
          ? '-'
          : n.className !== null && n.className !== String(n.label)
            ? `${n.label} (${n.className})`
            : String(n.label);
      lines.push(
        `${String(rank + 1).padStart(6)}${String(n.id).padStart(10)}${n.distance.toFixed(6).padStart(12)}  ${label}`,
      );
    });
  });
  return `${lines.join('\n')}\n`;
}

function parseVector(text: string, manifest: IndexManifest): { data: Float32Array; rows: number } {
  const parts = text
    .trim()
    .split(/[\s,]+/)
    .filter((p) => p !== '');
  const values = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !Number.isFinite(values[i]));
  if (bad !== -1) throw invalidArgument(`--vector: '${parts[bad]}' (number ${bad + 1}) is not a finite number`);
  if (values.length !== manifest.dim) {
    throw invalidArgument(
      `--vector has ${values.length} numbers, but the index holds ${manifest.dim}-dimensional vectors`,
    );
  }
  return { data: Float32Array.from(values), rows: 1 };
}

async function readQueries(path: string, manifest: IndexManifest): Promise<{ data: Float32Array; rows: number }> {
  let data: Float32Array;
  let rows: number;
  let dim: number;
  await access(path).catch(() => {
    throw invalidInput(path, 'does not exist: expected a .npy (or embeddings file) of query vectors');
  });
  if (path.toLowerCase().endsWith('.npy')) {
    // A single query may be a 1-D array, which readEmbeddings (2 rows at least) refuses.
    const array = await readNpy(path);
    if (array.shape.length !== 1 && array.shape.length !== 2) {
      throw invalidInput(
        path,
        `query vectors must be 1-D (one) or 2-D (rows x dimensions); found shape [${array.shape.join(', ')}]`,
      );
    }
    rows = array.shape.length === 1 ? 1 : array.shape[0];
    dim = array.shape.length === 1 ? array.shape[0] : array.shape[1];
    data =
      array.data instanceof Float32Array
        ? array.data
        : Float32Array.from(array.data as ArrayLike<number | bigint>, Number);
  } else {
    const { matrix } = await readEmbeddings(path);
    ({ data, rows, dim } = matrix);
  }
  if (dim !== manifest.dim) {
    throw invalidInput(
      path,
      `has ${dim}-dimensional query vectors, but the index holds ${manifest.dim}-dimensional vectors`,
    );
  }
  if (rows < 1) throw invalidInput(path, 'holds no query vectors');
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad !== -1)
    throw invalidInput(
      path,
      `query ${Math.floor(bad / dim)} has the non-finite value ${data[bad]} at position ${bad % dim}`,
    );
  return { data, rows };
}

function normalizeRows(data: Float32Array, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += data[r * dim + j] ** 2;
    const scale = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let j = 0; j < dim; j++) data[r * dim + j] *= scale;
  }
}

export function queryCommandSpec(run: (dir: string, flags: QueryFlags) => Promise<void>): Command {
  return new Command('query')
    .description(
      'Print the nearest indexed rows (ids, distances, labels) of query vectors, from a folder `deepmetric index` wrote.',
    )
    .argument('<dir>', 'a folder written by `deepmetric index`')
    .option('--vector <numbers>', 'one query vector: comma-separated numbers')
    .option('--file <q.npy>', 'query vectors: a .npy (1-D or 2-D) or another embeddings file')
    .option('--k <n>', 'neighbours per query', int, 10)
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, flags: QueryFlags) => run(dir, flags));
}
