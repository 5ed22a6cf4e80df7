/**
 * The scale goal of issue 15: `deepmetric diagnose` of sharded embeddings (10,000,000 x 128
 * float32 = 5 GB in 20 shards by default) in <= 2 minutes and <= 2 GB resident memory, against
 * numpy doing the same sums on its BLAS (bench/scale/numpy_reference.py), whose BLAS and threads
 * are printed beside the ratio. The shards are made by bench/scale/make_shards.py when the folder
 * has none. Time and peak RSS are /usr/bin/time -v's for the whole process (node, its threads; the
 * Python process for the reference); the sums are checked against numpy's (1e-4 relative).
 *
 *   bash bench/scale/setup.sh
 *   npx tsx bench/scale/diagnose-scale.bench.ts --dir /tmp/dm-10m --rows 10000000 --dim 128 --shards 20
 *   npx tsx bench/scale/diagnose-scale.bench.ts --dir /tmp/dm-200k --rows 200000 --shards 5   # small, to try it
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from '../option.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = process.env.DEEPMETRIC_REFERENCE_PYTHON ?? join(ROOT, 'bench/.venv/bin/python');
const DIR = option('dir', '/tmp/dm-scale');
const ROWS = option('rows', 10_000_000);
const DIM = option('dim', 128);
const SHARDS = option('shards', 20);
const VARIANT = option('variant', 'healthy');
const THREADS = option('threads', '');

interface Timed {
  seconds: number;
  peakMiB: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time -v: its output, wall time and peak resident set (all threads). */
function timed(command: string, args: string[]): Timed {
  const run = spawnSync('/usr/bin/time', ['-v', command, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0 && run.status !== 1)
    throw new Error(`${command} ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(run.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  if (wall === null || rss === null) throw new Error(`no /usr/bin/time -v report in: ${run.stderr.slice(-500)}`);
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { seconds, peakMiB: Number(rss[1]) / 1024, stdout: run.stdout };
}

function main(): void {
  if (!existsSync(PYTHON)) throw new Error(`No ${PYTHON}: run \`bash bench/scale/setup.sh\` first.`);
  const shards = existsSync(DIR) ? readdirSync(DIR).filter((f) => /^part-\d+\.npy$/.test(f)) : [];
  if (shards.length === 0) {
    console.log(`making ${SHARDS} shards of ${ROWS} x ${DIM} (${VARIANT}) in ${DIR} ...`);
    execFileSync(
      PYTHON,
      [
        join(ROOT, 'bench/scale/make_shards.py'),
        DIR,
        '--rows',
        String(ROWS),
        '--dim',
        String(DIM),
        '--shards',
        String(SHARDS),
        '--variant',
        VARIANT,
      ],
      { stdio: 'inherit' },
    );
  }
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'src/cli/main.ts'),
    'diagnose',
    join(DIR, 'part-*.npy'),
    '--labels',
    join(DIR, 'part-*.labels.npy'),
    '--json',
    '--backend',
    'wasm',
  ];
  if (THREADS !== '') args.push('--threads', THREADS);
  const dm = timed(process.execPath, args);
  const result = JSON.parse(dm.stdout) as {
    verdict: string;
    evidence: Record<string, number | null>;
    limits: string[];
  };
  const ref = timed(PYTHON, [join(ROOT, 'bench/scale/numpy_reference.py'), DIR]);
  const numpy = JSON.parse(ref.stdout) as {
    rows: number;
    dim: number;
    seconds: number;
    numpy: string;
    blas: Array<{ api: string; version: string; threads: number; library: string }>;
    evidence: Record<string, number>;
  };
  const rows = numpy.rows;
  console.log(
    `deepmetric diagnose of ${rows} x ${numpy.dim} in ${shards.length || SHARDS} shards: verdict ${result.verdict}`,
  );
  console.log(
    `  deepmetric: ${dm.seconds.toFixed(1)} s, peak RSS ${dm.peakMiB.toFixed(0)} MiB (goal <= 120 s, <= 2048 MiB)`,
  );
  console.log(
    `  numpy ${numpy.numpy} sums: ${ref.seconds.toFixed(1)} s (${numpy.seconds.toFixed(1)} s in the sums), peak RSS ${ref.peakMiB.toFixed(0)} MiB`,
  );
  console.log(`  ratio deepmetric / numpy: ${(dm.seconds / ref.seconds).toFixed(2)}x wall time`);
  console.log(
    `  numpy BLAS: ${numpy.blas.map((b) => `${b.api} ${b.version}, ${b.threads} threads (${b.library})`).join('; ')}`,
  );
  let worst = 0;
  for (const [key, want] of Object.entries(numpy.evidence)) {
    const got = result.evidence[key] as number;
    const rel = Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
    worst = Math.max(worst, rel);
    console.log(`  ${key}: deepmetric ${got}, numpy ${want} (relative difference ${rel.toExponential(1)})`);
  }
  console.log(`  sums ${worst <= 1e-4 ? 'within' : 'NOT within'} 1e-4 of numpy's (worst ${worst.toExponential(1)})`);
  const sample = result.limits.find((l) => /seeded sample/.test(l));
  if (sample !== undefined) console.log(`  ${sample}`);
}

main();
