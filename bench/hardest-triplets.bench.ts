/**
 * Offline hardest-triplet mining over a whole set: 60,000 x 128 random normal embeddings,
 * 10 labels, Euclidean distance on L2-normalized rows, on the wasm backend, against numpy doing
 * the same chunked computation (bench/reference/hardest_triplets.py) on the same inputs, in the
 * same run. Both use chunks of floor(2^24 / n) anchor rows (a 64 MB chunk matrix).
 *
 * Run: npx tsx bench/hardest-triplets.bench.ts [--n 60000] [--dim 128] [--labels 10]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../src/tf.js';
import { initBackend } from '../src/backend/index.js';
import { hardestTriplets } from '../src/miners/index.js';
import { Random } from '../src/random.js';
import { option } from './option.js';
import { formatBuild, referenceBuild, referenceEnv, referencePython } from './reference-python.js';

const N = option('n', 60000);
const D = option('dim', 128);
const LABELS = option('labels', 10);
const CHUNK = Math.max(1, Math.floor((1 << 24) / N));

function makeSet(): { embeddings: Float32Array; labels: Int32Array } {
  const rng = new Random(0);
  const embeddings = new Float32Array(N * D);
  for (let k = 0; k < embeddings.length; k++) embeddings[k] = rng.normal();
  const labels = Int32Array.from({ length: N }, () => rng.int(LABELS));
  return { embeddings, labels };
}

function runReference(dir: string): { ms: number; numpy: string; triplets: Int32Array } {
  const script = fileURLToPath(new URL('./reference/hardest_triplets.py', import.meta.url));
  const out = join(dir, 'out.i32');
  const args = [script, join(dir, 'emb.f32'), join(dir, 'labels.i32'), N, D, CHUNK, out].map(String);
  const report = JSON.parse(
    execFileSync(referencePython(), args, { encoding: 'utf8', env: referenceEnv(), maxBuffer: 1 << 20 }),
  ) as {
    ms: number;
    numpy: string;
  };
  const raw = readFileSync(out);
  return { ...report, triplets: new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4) };
}

async function main(): Promise<void> {
  // The reference's build goes beside the ratios; a reference on the netlib BLAS is refused here.
  const referenceLine = formatBuild(referenceBuild());
  console.log(`reference: ${referenceLine}`);
  const backend = await initBackend('wasm');
  const { embeddings, labels } = makeSet();
  const dir = mkdtempSync(join(tmpdir(), 'dm-hardest-'));
  try {
    writeFileSync(join(dir, 'emb.f32'), embeddings);
    writeFileSync(join(dir, 'labels.i32'), labels);
    const reference = runReference(dir);

    const x = tf.tensor2d(embeddings, [N, D]);
    const t0 = performance.now();
    const ours = hardestTriplets(x, labels);
    const ms = performance.now() - t0;
    x.dispose();

    // The same triplets? Float32 rounding may flip the rare near-tie between two candidates.
    let anchors = 0;
    let samePos = 0;
    let sameNeg = 0;
    ours.anchors.forEach((a, k) => {
      anchors += reference.triplets[a] === a ? 1 : 0;
      samePos += reference.triplets[N + a] === ours.positives[k] ? 1 : 0;
      sameNeg += reference.triplets[2 * N + a] === ours.negatives[k] ? 1 : 0;
    });
    const pct = (v: number): string => `${((100 * v) / ours.anchors.length).toFixed(3)}%`;
    console.log(`hardest triplets over ${N} x ${D}, ${LABELS} labels, chunk ${CHUNK} rows (${backend} backend)`);
    console.log(`  deepmetric (${backend}):  ${(ms / 1000).toFixed(2)} s`);
    console.log(`  numpy ${reference.numpy}:       ${(reference.ms / 1000).toFixed(2)} s`);
    console.log(`  ratio deepmetric/numpy: ${(ms / reference.ms).toFixed(2)}`);
    console.log(
      `  agreement: ${ours.anchors.length} anchors (${pct(anchors)} also in numpy), same positive ${pct(samePos)}, same negative ${pct(sameNeg)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
