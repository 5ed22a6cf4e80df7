import { join } from 'node:path';
import { invalidInput } from '../errors.js';
import { readJsonObject } from '../io/index.js';
import { CosineSimilarity, DotProductSimilarity, LpDistance, type BaseDistance } from '../distances/index.js';

export const MANIFEST_JSON = 'manifest.json';
export const INDEX_FILE = 'index.usearch';
export const LABELS_FILE = 'labels.npy';
export const MANIFEST_FORMAT = 'deepmetric-index';

/** The distances an index can be built with (a run's `--distance`, and plain dot product). */
export const INDEX_DISTANCES = ['euclidean', 'squared-euclidean', 'cosine', 'dot'] as const;
export type IndexDistanceName = (typeof INDEX_DISTANCES)[number];

/** `manifest.json` of a `deepmetric index` folder: what a service needs to load and query the index. */
export interface IndexManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: 1;
  library: { name: 'usearch'; version: string };
  /** The file of the USearch index (HNSW graph and float32 vectors), relative to the folder. */
  index: string;
  /** USearch's metric: `l2sq` (squared Euclidean) or `ip` (`1 - x.y`). */
  metric: 'l2sq' | 'ip';
  /** The deepmetric distance the index ranks by; `normalizeEmbeddings`: rows (and queries) are L2-normalized first. */
  distance: { name: IndexDistanceName; normalizeEmbeddings: boolean; description: string };
  dim: number;
  count: number;
  /** Key i is row i of the embedded data. */
  keys: 'row number';
  settings: { connectivity: number; expansionAdd: number; expansionSearch: number };
  /** An int32 `.npy` of one class id per row, relative to the folder, or null. */
  labels: string | null;
  /** `classNames[id]` is the name of class id; null without labels. */
  classNames: string[] | null;
  /** What was indexed: the run directory or embeddings file. */
  source: string;
  /** How to load and search it. */
  load: { python: string; node: string };
}

/** The deepmetric distance of a manifest's distance name (used to convert USearch's distances). */
export function indexDistance(name: IndexDistanceName, normalizeEmbeddings: boolean): BaseDistance {
  switch (name) {
    case 'euclidean':
      return new LpDistance({ normalizeEmbeddings });
    case 'squared-euclidean':
      return new LpDistance({ normalizeEmbeddings, power: 2 });
    case 'cosine':
      return new CosineSimilarity({ normalizeEmbeddings: true });
    case 'dot':
      return new DotProductSimilarity({ normalizeEmbeddings });
    default: {
      const never: never = name;
      throw new Error(`unknown distance ${String(never)}`);
    }
  }
}

/** Snippets that load the folder's index in Python and Node and search it (normalizing queries when the index does). */
export function loadSnippets(manifest: Omit<IndexManifest, 'load'>): IndexManifest['load'] {
  const { dim, metric, settings, distance } = manifest;
  const normalizePy = distance.normalizeEmbeddings
    ? 'q = q / np.linalg.norm(q)  # the index holds L2-normalized rows\n'
    : '';
  const normalizeJs = distance.normalizeEmbeddings
    ? 'const n = Math.hypot(...q); for (let i = 0; i < q.length; i++) q[i] /= n; // the index holds L2-normalized rows\n'
    : '';
  return {
    python: [
      '# pip install usearch numpy',
      'import json, numpy as np',
      'from usearch.index import Index',
      `index = Index.restore("DIR/${INDEX_FILE}")  # metric ${metric}, ${dim} dims`,
      manifest.labels === null ? '' : `labels = np.load("DIR/${manifest.labels}")`,
      `q = np.asarray(query, dtype=np.float32)`,
      normalizePy.trimEnd(),
      'matches = index.search(q, 10)  # matches.keys: row numbers, matches.distances',
    ]
      .filter((line) => line !== '')
      .join('\n'),
    node: [
      '// npm install usearch',
      "const { Index } = require('usearch');",
      `const index = new Index({ dimensions: ${dim}, metric: '${metric}', quantization: 'f32', connectivity: ${settings.connectivity}, expansion_add: ${settings.expansionAdd}, expansion_search: ${settings.expansionSearch}, multi: false });`,
      `index.load('DIR/${INDEX_FILE}');`,
      'const q = Float32Array.from(query);',
      normalizeJs.trimEnd(),
      'const { keys, distances } = index.search(q, 10, 0); // keys: row numbers (BigInt)',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  };
}

/** Reads and checks `DIR/manifest.json`; a missing or foreign manifest is bad input naming the file. */
export async function readIndexManifest(dir: string): Promise<IndexManifest> {
  const path = join(dir, MANIFEST_JSON);
  const json = (await readJsonObject(path, `the manifest \`deepmetric index\` writes`)) as Partial<IndexManifest>;
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw invalidInput(path, `${what}; is ${dir} a folder written by \`deepmetric index\`?`);
  };
  expect(
    json.format === MANIFEST_FORMAT && json.formatVersion === 1,
    `expected format '${MANIFEST_FORMAT}' version 1, found ${JSON.stringify(json.format)} ${JSON.stringify(json.formatVersion)}`,
  );
  expect(json.library?.name === 'usearch', `expected library usearch, found ${JSON.stringify(json.library)}`);
  expect(
    json.metric === 'l2sq' || json.metric === 'ip',
    `expected metric l2sq or ip, found ${JSON.stringify(json.metric)}`,
  );
  expect(
    (INDEX_DISTANCES as readonly string[]).includes(json.distance?.name ?? '') &&
      typeof json.distance?.normalizeEmbeddings === 'boolean',
    `expected a distance of ${INDEX_DISTANCES.join(', ')}, found ${JSON.stringify(json.distance)}`,
  );
  expect(
    Number.isInteger(json.dim) && (json.dim as number) >= 1,
    `expected an integer dim >= 1, found ${JSON.stringify(json.dim)}`,
  );
  expect(
    Number.isInteger(json.count) && (json.count as number) >= 1,
    `expected an integer count >= 1, found ${JSON.stringify(json.count)}`,
  );
  expect(typeof json.index === 'string', `expected the index file name, found ${JSON.stringify(json.index)}`);
  return json as IndexManifest;
}
