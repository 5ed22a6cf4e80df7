/**
 * Issue 15's check of the sampled numbers: `deepmetric diagnose` of 200,000 x 128 sharded rows
 * measures spread, d(a, p), d(a, n), gap and violations on a seeded sample of 4,096 rows and states
 * a standard error for each; bench/scale/exact_pairs.py computes them over every pair and triplet of
 * all the rows (torch). Seed 0 is diagnose's own sample (its `--partial` state, read back); seeds
 * 1 .. `--seeds` - 1 draw other samples of the same shards through the library (`StreamingHealth`
 * with `sampleSeed`, fed by `readShardChunks` as diagnose feeds it). For each, the deviation from
 * the exact value in stated standard errors is printed; the claim is that it stays within 3. The
 * sums are checked by bench/scale/diagnose-scale.bench.ts (numpy).
 *
 *   bash bench/scale/setup.sh
 *   npx tsx bench/scale/sampled-vs-exact.bench.ts --dir /tmp/dm-200k --rows 200000 --shards 5
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend/index.js';
import { expandShardGlob, readShardChunks } from '../../src/data/index.js';
import { parseHealthPartial, StreamingHealth, type HealthMetrics } from '../../src/health/index.js';
import { option } from '../option.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = process.env.DEEPMETRIC_REFERENCE_PYTHON ?? join(ROOT, 'bench/.venv/bin/python');
const DIR = option('dir', '/tmp/dm-200k');
const ROWS = option('rows', 200_000);
const SHARDS = option('shards', 5);
const SEEDS = option('seeds', 3);
const KEYS = [
  'meanDistance',
  'meanNormalizedDistance',
  'meanPositive',
  'meanNegative',
  'gap',
  'violationFraction',
] as const;

/** `deepmetric diagnose` of the shards with `--partial`, its state read back and measured. */
function diagnosePartial(partial: string): HealthMetrics {
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'diagnose',
      join(DIR, 'part-*.npy'),
      '--labels',
      join(DIR, 'part-*.labels.npy'),
      '--partial',
      partial,
      '--backend',
      'wasm',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return parseHealthPartial(JSON.parse(readFileSync(partial, 'utf8')), partial).metrics();
}

/** The shards streamed into a StreamingHealth whose pair sample has another seed. */
async function streamed(sampleSeed: number): Promise<HealthMetrics> {
  const labels = await expandShardGlob(join(DIR, 'part-*.labels.npy'));
  // As diagnose does: 'part-*.npy' matches the labels files too, which are never shards.
  const shards = (await expandShardGlob(join(DIR, 'part-*.npy'))).filter((file) => !labels.includes(file));
  let health: StreamingHealth | null = null;
  for await (const chunk of readShardChunks(shards, { labels })) {
    health ??= new StreamingHealth(chunk.dim, true, { sampleSeed });
    health.add(chunk.data, chunk.rows, chunk.labels, chunk.firstRow, chunk.shard);
  }
  return health!.metrics();
}

async function main(): Promise<void> {
  if (!existsSync(PYTHON)) throw new Error(`No ${PYTHON}: run \`bash bench/scale/setup.sh\` first.`);
  if (!existsSync(DIR) || !readdirSync(DIR).some((f) => /^part-\d+\.npy$/.test(f))) {
    execFileSync(
      PYTHON,
      [join(ROOT, 'bench/scale/make_shards.py'), DIR, '--rows', String(ROWS), '--shards', String(SHARDS)],
      {
        stdio: 'inherit',
      },
    );
  }
  await initBackend('wasm');
  let t = performance.now();
  const exact = JSON.parse(
    execFileSync(PYTHON, [join(ROOT, 'bench/scale/exact_pairs.py'), DIR], { encoding: 'utf8', maxBuffer: 1 << 26 }),
  ) as Record<(typeof KEYS)[number], number> & {
    rows: number;
    seconds: number;
    torch: string;
    threads: number;
    build: string;
  };
  const capability = /CPU capability usage: (\S+)/.exec(exact.build)?.[1] ?? '?';
  const blas = /BLAS_INFO=(\w+)/.exec(exact.build)?.[1] ?? '?';
  console.log(
    `exact (torch ${exact.torch}, BLAS ${blas}, CPU capability ${capability}, ${exact.threads} threads): every pair and triplet of ${exact.rows} rows in ${exact.seconds.toFixed(1)} s (${((performance.now() - t) / 1000).toFixed(1)} s with loading)`,
  );
  const scratch = mkdtempSync(join(tmpdir(), 'dm-sampled-'));
  let worst = 0;
  try {
    for (let seed = 0; seed < SEEDS; seed++) {
      t = performance.now();
      const metrics = seed === 0 ? diagnosePartial(join(scratch, 'partial.json')) : await streamed(seed);
      const seconds = (performance.now() - t) / 1000;
      const sample = metrics.pairSample!;
      const sampled = { ...metrics.spread, ...metrics.separation! };
      const errors = { ...sample.standardErrors, ...sample.standardErrors.separation! };
      console.log(
        `sample seed ${seed}: ${sample.rows} of ${sample.of} rows (${seed === 0 ? 'deepmetric diagnose --partial' : 'StreamingHealth'}, ${seconds.toFixed(1)} s)`,
      );
      for (const key of KEYS) {
        const deviation = Math.abs(sampled[key] - exact[key]) / errors[key];
        worst = Math.max(worst, deviation);
        console.log(
          `  ${key}: sampled ${sampled[key].toPrecision(6)}, exact ${exact[key].toPrecision(6)}, standard error ${errors[key].toPrecision(2)}: ${deviation.toFixed(2)} standard errors off`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`worst deviation ${worst.toFixed(2)} standard errors: ${worst <= 3 ? 'within' : 'NOT within'} 3`);
}

await main();
