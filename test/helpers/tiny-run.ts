import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Random } from '../../src/random.js';
import { writeIdx } from '../../src/data/index.js';
import { resolveConfig, type TrainConfig } from '../../src/run/index.js';

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
  return resolveConfig(
    {},
    {
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
    },
  );
}

/**
 * A folder of IDX files (the MNIST layout) with 4 classes of 8 x 8 grey images, 24 per class
 * to train on and 8 per class to test: class c is a bright 3 x 3 square in corner c over noise.
 * Image data, so a report of a run on it shows the neighbour grid.
 */
export async function tinyImagesIdx(dir: string): Promise<string> {
  const rng = new Random(5);
  const folder = join(dir, 'images');
  const make = async (perClass: number, images: string, labels: string) => {
    const pixels = new Uint8Array(4 * perClass * 64);
    const classes = new Uint8Array(4 * perClass);
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < perClass; i++) {
        const n = c * perClass + i;
        classes[n] = c;
        for (let p = 0; p < 64; p++) {
          const [y, x] = [Math.floor(p / 8), p % 8];
          const inSquare = (c < 2 ? y < 3 : y > 4) && (c % 2 === 0 ? x < 3 : x > 4);
          pixels[n * 64 + p] = (inSquare ? 180 : 0) + rng.int(60);
        }
      }
    }
    await writeIdx(join(folder, images), pixels, [4 * perClass, 8, 8], 'uint8');
    await writeIdx(join(folder, labels), classes, [4 * perClass], 'uint8');
  };
  await make(24, 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte');
  await make(8, 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte');
  return folder;
}
