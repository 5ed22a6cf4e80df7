/**
 * The time and memory of `deepmetric diagnose` on large embedding files: clustered n x 256 float32
 * embeddings with 100 classes, written as .npy with their labels, then diagnosed in this process
 * as the CLI does (`diagnoseCommand`). Peak memory is the process's resident set, sampled every
 * 20 ms. `npx tsx bench/diagnose.bench.ts [--rows 10000,200000] [--dim 256]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnoseCommand } from '../src/cli/diagnose-command.js';
import { writeNpy } from '../src/data/index.js';
import { Random } from '../src/random.js';
import { option } from './option.js';

const ROWS = option('rows', '10000,200000').split(',').map(Number);
const DIM = Number(option('dim', '256'));
const CLASSES = 100;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'deepmetric-diagnose-bench-'));
  try {
    for (const rows of ROWS) {
      const rng = new Random(rows);
      const centres = Float32Array.from({ length: CLASSES * DIM }, () => rng.normal());
      const labels = Int32Array.from({ length: rows }, () => rng.int(CLASSES));
      const data = new Float32Array(rows * DIM);
      for (let i = 0; i < rows; i++) {
        for (let k = 0; k < DIM; k++) data[i * DIM + k] = centres[labels[i] * DIM + k] + 0.7 * rng.normal();
      }
      const emb = join(dir, `emb${rows}.npy`);
      const lab = join(dir, `labels${rows}.npy`);
      await writeNpy(emb, data, [rows, DIM], 'float32');
      await writeNpy(lab, labels, [rows], 'int32');
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const before = process.memoryUsage().rss;
      const t = performance.now();
      const result = await diagnoseCommand(emb, { backend: 'auto', labels: lab });
      const seconds = (performance.now() - t) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
      console.log(
        `${rows} x ${DIM} (${mb(rows * DIM * 4)} MB of float32): ${seconds.toFixed(2)} s, verdict ${result.report.verdict}, ` +
          `peak RSS ${mb(peak)} MB (${mb(before)} MB before the call)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
