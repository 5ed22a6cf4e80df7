/**
 * Approximate retrieval metrics at scale (issue 15's goal): MAP@R and precision@1 of 1,000,000 x 128
 * seeded clustered embeddings (10,000 classes, Euclidean on L2-normalized rows) through a USearch
 * HNSW index, with recall@k against exact search on a seeded sample of queries, and the metrics'
 * difference from exact search on a 100,000-row subset where both run (goal: within 0.005).
 * Then the sampled queries' exact neighbours three ways: deepmetric's exact k-NN (tfjs, wasm),
 * numpy flat search (matrix product + argpartition on its BLAS, bench/reference/flat_knn.py; its
 * BLAS and threads are printed, a netlib BLAS is refused) and faiss.IndexFlatL2 when faiss imports.
 * And the index alone, like for like: USearch's build over all rows and search of the sampled
 * queries, against faiss.IndexHNSWFlat with the same M, efConstruction and ef (faiss-cpu, installed
 * by bench/setup-reference.sh).
 *
 * Full scale (run alone on the machine; it takes minutes, mostly the HNSW build):
 *   npx tsx bench/approximate-knn.bench.ts --rows 1000000 --subset 100000 --classes 10000
 * Small scale (a check that it works):
 *   npx tsx bench/approximate-knn.bench.ts --rows 50000 --subset 10000 --classes 500
 * Other flags: --dim 128 --spread 1.2 --seed 0 --recall-queries 1000 --connectivity 16
 *   --expansion-add 128 --expansion-search 128 --threads <cores> --no-python
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../src/tf.js';
import { initBackend } from '../src/backend/index.js';
import { LpDistance } from '../src/distances/index.js';
import { knnRecall, retrievalMetrics, sampleRows } from '../src/evaluation/index.js';
import { exactNeighboursOf } from '../src/evaluation/knn-recall.js';
import { buildVectorIndex, searchVectorIndex } from '../src/evaluation/build-vector-index.js';
import { rowsFor } from '../src/evaluation/approximate-neighbour-chunks.js';
import { vectorIndexMetric } from '../src/evaluation/vector-index-metric.js';
import { withoutSelf } from '../src/evaluation/without-self.js';
import { Random } from '../src/random.js';
import { option } from './option.js';
import { referenceEnv, referencePython } from './reference-python.js';

const ROWS = option('rows', 1_000_000);
const DIM = option('dim', 128);
const CLASSES = option('classes', 10_000);
const SUBSET = option('subset', 100_000);
const SPREAD = option('spread', 1.2);
const SEED = option('seed', 0);
const RECALL_QUERIES = option('recall-queries', 1000);
const INDEX = {
  connectivity: option('connectivity', 16),
  expansionAdd: option('expansion-add', 128),
  expansionSearch: option('expansion-search', 128),
  threads: option('threads', availableParallelism()),
};
const PYTHON = !process.argv.includes('--no-python');
const GOAL = 0.005;
const FLAT_SCRIPT = fileURLToPath(new URL('./reference/flat_knn.py', import.meta.url));

/** CLASSES centres of N(0, 1) entries; each row its class centre plus N(0, SPREAD^2) noise, classes uniform. */
function makeData(): { x: Float32Array; labels: Int32Array } {
  const rng = new Random(SEED);
  const centers = new Float32Array(CLASSES * DIM);
  for (let i = 0; i < centers.length; i++) centers[i] = rng.normal();
  const x = new Float32Array(ROWS * DIM);
  const labels = new Int32Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    const c = rng.int(CLASSES);
    labels[i] = c;
    for (let j = 0; j < DIM; j++) x[i * DIM + j] = centers[c * DIM + j] + SPREAD * rng.normal();
  }
  return { x, labels };
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

interface FlatResult {
  numpy: string;
  numpySeconds: number;
  blas: Array<{ api: string | null; version: string | null; threads: number; library: string | null }>;
  faiss: { version: string; threads: number; seconds: number } | null;
  faissHnsw?: { buildSeconds: number; searchSeconds: number; recallAtK: number };
}

/** USearch's build over all rows and search of `rows` on its own (as retrievalMetrics builds it), timed, with recall@k against `exact`. */
function timeIndexAlone(
  query: tf.Tensor2D,
  distance: LpDistance,
  rows: Int32Array,
  k: number,
  exact: Int32Array,
): { buildSeconds: number; searchSeconds: number; recallAtK: number } {
  const data = rowsFor(query, distance);
  let t = performance.now();
  const index = buildVectorIndex(data, ROWS, DIM, vectorIndexMetric(distance), {
    ...INDEX,
    expansionSearch: Math.max(INDEX.expansionSearch, k + 1),
  });
  const buildSeconds = (performance.now() - t) / 1000;
  const queries = new Float32Array(rows.length * DIM);
  rows.forEach((row, i) => queries.set(data.subarray(row * DIM, (row + 1) * DIM), i * DIM));
  t = performance.now();
  const found = searchVectorIndex(index, queries, rows.length, k + 1, INDEX.threads);
  const searchSeconds = (performance.now() - t) / 1000;
  const kept = new Int32Array(rows.length * k);
  rows.forEach((row, r) => withoutSelf(found.keys, found.distances, r * (k + 1), k + 1, row, kept, null, r * k));
  return { buildSeconds, searchSeconds, recallAtK: knnRecall(kept, exact, k) };
}

async function main(): Promise<void> {
  await initBackend('wasm');
  console.log(
    `approximate-knn: ${ROWS} x ${DIM}, ${CLASSES} classes (spread ${SPREAD}, seed ${SEED}), subset ${SUBSET}, ${RECALL_QUERIES} recall queries; HNSW ${JSON.stringify(INDEX)}; tfjs ${tf.getBackend()}`,
  );
  let t = performance.now();
  const { x, labels } = makeData();
  console.log(`data: ${seconds(t)}`);
  const query = tf.tensor2d(x, [ROWS, DIM]);
  const distance = new LpDistance();

  t = performance.now();
  const m = retrievalMetrics({
    query,
    queryLabels: labels,
    k: 'maxBinCount',
    distance,
    knn: 'approximate',
    index: INDEX,
    approximation: { recallQueries: RECALL_QUERIES, compareRows: SUBSET, seed: SEED },
  });
  const total = seconds(t);
  const report = m.approximation!;
  const subset = report.subset!;
  console.log(
    `approximate, all ${ROWS} rows (k = ${m.k}): precision@1 ${m.precisionAt1.toFixed(4)}, MAP@R ${m.meanAveragePrecisionAtR.toFixed(4)}, R-precision ${m.rPrecision.toFixed(4)}; recall@${report.recall.k} ${report.recall.recallAtK.toFixed(4)} on ${report.recall.queries} queries; ${total} (HNSW build + search of every row, the recall check and the subset's exact and approximate runs)`,
  );
  for (const key of ['precisionAt1', 'meanAveragePrecisionAtR', 'rPrecision'] as const) {
    const d = subset.difference[key];
    console.log(
      `subset ${subset.rows} rows (k = ${subset.k}) ${key}: exact ${subset.exact[key].toFixed(4)}, approximate ${subset.approximate[key].toFixed(4)}, difference ${d >= 0 ? '+' : ''}${d.toFixed(4)}${key === 'rPrecision' ? '' : ` (goal |d| <= ${GOAL}: ${Math.abs(d) <= GOAL ? 'met' : 'NOT met'})`}`,
    );
  }

  // The sampled queries' exact neighbours: deepmetric's exact k-NN against flat search in Python.
  const k = report.recall.k;
  const rows = sampleRows(ROWS, RECALL_QUERIES, SEED);
  t = performance.now();
  const exact = exactNeighboursOf(
    { query, reference: query, k, distance, excludeSelf: true, batchSize: undefined, withDistances: false },
    rows,
  );
  const exactSeconds = (performance.now() - t) / 1000;
  console.log(
    `deepmetric exact k-NN of the ${rows.length} sampled queries among ${ROWS} rows: ${exactSeconds.toFixed(1)} s`,
  );
  const alone = timeIndexAlone(query, distance, rows, k, exact);
  console.log(
    `USearch alone: build over ${ROWS} rows ${alone.buildSeconds.toFixed(1)} s (${INDEX.threads} threads), search of the ${rows.length} sampled queries ${alone.searchSeconds.toFixed(2)} s, recall@${k} ${alone.recallAtK.toFixed(4)}`,
  );
  query.dispose();
  if (!PYTHON) return;

  const dir = mkdtempSync(join(tmpdir(), 'dm-approx-bench-'));
  try {
    const normalized = new Float32Array(x.length);
    for (let i = 0; i < ROWS; i++) {
      let s = 0;
      for (let j = 0; j < DIM; j++) s += x[i * DIM + j] ** 2;
      const scale = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let j = 0; j < DIM; j++) normalized[i * DIM + j] = x[i * DIM + j] * scale;
    }
    writeFileSync(join(dir, 'data.f32'), normalized);
    writeFileSync(join(dir, 'rows.i32'), rows);
    const out = join(dir, 'numpy.i32');
    const flat = JSON.parse(
      execFileSync(
        referencePython(),
        [
          FLAT_SCRIPT,
          join(dir, 'data.f32'),
          String(ROWS),
          String(DIM),
          join(dir, 'rows.i32'),
          String(rows.length),
          String(k),
          '100',
          out,
          String(INDEX.connectivity),
          String(INDEX.expansionAdd),
          String(INDEX.expansionSearch),
        ],
        { encoding: 'utf8', env: referenceEnv(), maxBuffer: 1 << 26 },
      ),
    ) as FlatResult;
    // flat_knn.py reports numpy's BLAS itself (threadpoolctl): bench/.venv need not hold torch here.
    const netlib = (name: string | null) =>
      name === null || /^(blas|generic|netlib|reference)?$/i.test(name) || /libblas\.so/.test(name);
    if (flat.blas.length === 0 || flat.blas.some((b) => netlib(b.api) || netlib(b.library))) {
      throw new Error(
        `numpy runs on the reference (netlib) BLAS (${JSON.stringify(flat.blas)}): a ratio against it says nothing; use numpy from pip (OpenBLAS).`,
      );
    }
    const numpyNeighbours = new Int32Array(readFileSync(out).buffer.slice(0));
    console.log(
      `reference: numpy ${flat.numpy}, BLAS ${flat.blas.map((b) => `${b.api} ${b.version} (${b.threads} threads, ${b.library})`).join(', ')}`,
    );
    console.log(
      `numpy flat search of the same ${rows.length} queries: ${flat.numpySeconds.toFixed(1)} s (deepmetric exact / numpy: ${(exactSeconds / flat.numpySeconds).toFixed(2)}); numpy's neighbours vs deepmetric's exact: recall ${knnRecall(numpyNeighbours, exact, k).toFixed(4)}`,
    );
    console.log(
      flat.faiss === null
        ? 'faiss: not importable in the reference venv (pip install faiss-cpu there to add IndexFlatL2)'
        : `faiss ${flat.faiss.version} IndexFlatL2 add + search (${flat.faiss.threads} threads): ${flat.faiss.seconds.toFixed(1)} s (deepmetric exact / faiss: ${(exactSeconds / flat.faiss.seconds).toFixed(2)})`,
    );
    if (flat.faissHnsw !== undefined) {
      const h = flat.faissHnsw;
      console.log(
        `faiss IndexHNSWFlat (same M, efConstruction, ef; ${flat.faiss!.threads} threads): build ${h.buildSeconds.toFixed(1)} s (USearch / faiss: ${(alone.buildSeconds / h.buildSeconds).toFixed(2)}), search ${h.searchSeconds.toFixed(2)} s (${(alone.searchSeconds / h.searchSeconds).toFixed(2)}), recall@${k} ${h.recallAtK.toFixed(4)} (USearch ${alone.recallAtK.toFixed(4)})`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
