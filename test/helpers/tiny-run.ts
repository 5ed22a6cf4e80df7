import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Random } from '../../src/random.js';
import { resolveConfig, type TrainConfig } from '../../src/training/train-config.js';

/** Three Gaussian blobs in 8-D with 30 samples each, as a CSV in `dir` with the label last. */
export async function blobsCsv(dir: string): Promise<string> {
  const rng = new Random(3);
  const lines: string[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 30; i++) {
      const row = Array.from({ length: 8 }, (_, k) => (k === c ? 3 : 0) + rng.normal());
      lines.push([...row.map((v) => v.toFixed(5)), `class${c}`].join(','));
    }
  }
  const path = join(dir, 'blobs.csv');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** Settings for a run of seconds on the blobs: a small MLP, 3 x 4 batches, 20 steps on cpu. */
export async function tinyRunConfig(dir: string, overrides: Partial<TrainConfig> = {}): Promise<TrainConfig> {
  return resolveConfig({}, {
    data: await blobsCsv(dir),
    model: 'mlp:16',
    embeddingDim: 4,
    classesPerBatch: 3,
    samplesPerClass: 4,
    steps: 20,
    stepsPerEpoch: 6,
    logEvery: 1,
    lr: 0.01,
    backend: 'cpu',
    out: join(dir, 'run'),
    ...overrides,
  });
}
