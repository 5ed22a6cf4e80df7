/**
 * Makes the Fashion-MNIST sample bundled in data/fashion-mnist/: 1,200 train and 200 test images
 * per class, drawn with a fixed seed from the full dataset, written as gzipped IDX files with a
 * fixed gzip level, so every run writes the same bytes (with the same Node/zlib).
 *
 *   npx tsx scripts/make-fashion-mnist-sample.ts [sourceDir] [outDir]
 *
 * sourceDir defaults to Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readIdx, writeIdx, type IdxArray } from '../src/data/index.js';
import { invalidInput } from '../src/errors.js';
import { writeFileAtomic } from '../src/io/index.js';
import { Random } from '../src/random.js';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export interface MakeSampleOptions {
  sourceDir: string;
  outDir: string;
  trainPerClass?: number;
  testPerClass?: number;
  seed?: number;
  classNames?: readonly string[];
}

/** What the sample holds: the seed and, per part, the original indices taken (ascending). */
export interface SampleRecord {
  seed: number;
  source: Record<string, string>;
  train: number[];
  test: number[];
}

/** zlib's default level: as small as level 9 within 1% here, and ten times faster. Fixed, so the bytes are too. */
export const GZIP_LEVEL = 6;

const PARTS = [
  { key: 'train', images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  { key: 'test', images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
] as const;

/**
 * Draws `perClass` indices of every class 0 .. numClasses-1 with `rng` (classes in ascending
 * order, each class's indices shuffled and the first `perClass` kept) and returns them sorted,
 * so the sample keeps the original order of the dataset.
 */
export function pickPerClass(
  labels: ArrayLike<number>,
  numClasses: number,
  perClass: number,
  rng: Random,
  file: string,
): number[] {
  const picked: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) members.push(i);
    if (members.length < perClass) {
      throw invalidInput(file, `has ${members.length} samples of class ${c}, fewer than the ${perClass} to sample`);
    }
    picked.push(...rng.shuffle(members).slice(0, perClass));
  }
  return picked.sort((a, b) => a - b);
}

function take(array: IdxArray, indices: number[]): Uint8Array {
  const size = array.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Uint8Array(indices.length * size);
  indices.forEach((i, k) => out.set(array.data.subarray(i * size, (i + 1) * size), k * size));
  return out;
}

/** Writes the sample into `outDir` and returns the record also written to `indices.json`. */
export async function makeSample(options: MakeSampleOptions): Promise<SampleRecord> {
  const { sourceDir, outDir } = options;
  const seed = options.seed ?? 20240601;
  const perClass = { train: options.trainPerClass ?? 1200, test: options.testPerClass ?? 200 };
  const classNames = options.classNames ?? FASHION_MNIST_CLASSES;
  const rng = new Random(seed);
  const record: SampleRecord = { seed, source: {}, train: [], test: [] };
  for (const part of PARTS) {
    const imagesPath = join(sourceDir, part.images);
    const labelsPath = join(sourceDir, part.labels);
    for (const name of [part.images, part.labels]) {
      record.source[name] = createHash('sha256')
        .update(await readFile(join(sourceDir, name)))
        .digest('hex');
    }
    const [images, labels] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
    if (images.dtype !== 'uint8' || labels.dtype !== 'uint8' || labels.shape[0] !== images.shape[0]) {
      throw invalidInput(imagesPath, 'expected uint8 images with a uint8 label per image');
    }
    const indices = pickPerClass(labels.data, classNames.length, perClass[part.key], rng, labelsPath);
    record[part.key] = indices;
    await writeIdx(
      join(outDir, part.images),
      take(images, indices),
      [indices.length, ...images.shape.slice(1)],
      'uint8',
      { gzipLevel: GZIP_LEVEL },
    );
    await writeIdx(join(outDir, part.labels), take(labels, indices), [indices.length], 'uint8', {
      gzipLevel: GZIP_LEVEL,
    });
  }
  await writeFileAtomic(join(outDir, 'classes.txt'), `${classNames.join('\n')}\n`);
  // One line per array keeps the file small and diffable.
  const json =
    `{\n  "seed": ${record.seed},\n  "source": ${JSON.stringify(record.source)},\n` +
    `  "train": ${JSON.stringify(record.train)},\n  "test": ${JSON.stringify(record.test)}\n}\n`;
  await writeFileAtomic(join(outDir, 'indices.json'), json);
  return record;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sourceDir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
  const outDir = process.argv[3] ?? fileURLToPath(new URL('../data/fashion-mnist/', import.meta.url));
  const record = await makeSample({ sourceDir, outDir });
  process.stdout.write(`wrote ${record.train.length} train and ${record.test.length} test images to ${outDir}\n`);
}
