import { extname, join } from 'pathe';
import { fileUrlPath } from '../io/file-url-path.js';
import { nodeModule } from '../io/node-module.js';
import { invalidArgument, invalidInput } from '../errors.js';
import { classDisjointSplit, holdoutClassIds, type ClassDisjointSplitOptions } from './class-disjoint-split.js';
import type { DatasetSplit } from './dataset.js';
import { readCsvDataset, type ReadCsvDatasetOptions } from './read-csv-dataset.js';
import { readFileBytes } from './read-file-bytes.js';
import { readIdxDataset } from './read-idx-dataset.js';
import { readImageFolder, type ReadImageFolderOptions } from './read-image-folder.js';
import { readNpyDataset } from './read-npy-dataset.js';
import { stratifiedSplit } from './stratified-split.js';
import { subset } from './subset.js';

/**
 * The bundled sample of Fashion-MNIST (12,000 train and 2,000 test images), found relative to
 * this module so that it resolves from `dist/` and from `src/` alike.
 */
export const bundledFashionMnistDir: string = fileUrlPath(new URL('../../data/fashion-mnist/', import.meta.url));

/** Options of `loadData`. Format-specific options given for another format are an error. */
export interface LoadDataOptions extends ReadCsvDatasetOptions, ReadImageFolderOptions {
  /** The labels file of a `.npy` features file (`.npy` integers or text, one per line). Required for `.npy`. */
  labels?: string;
  /** For a source without its own test set: the fraction of each class held out for test. Default 0.2. */
  testFraction?: number;
  /** Seed of the split. Default 0. */
  seed?: number;
  /**
   * Hold these classes out for test instead of a stratified split (names, ids, a count or a
   * fraction; see `classDisjointSplit`). With a source that has its own test set, train keeps the
   * other classes of its train part and test the held-out classes of its test part.
   */
  holdoutClasses?: ClassDisjointSplitOptions['holdoutClasses'];
  /** Which classes a count or fraction of `holdoutClasses` picks: 'last' or 'random'. Default 'last'. */
  holdoutPick?: ClassDisjointSplitOptions['pick'];
}

type Format = 'idx' | 'images' | 'npy' | 'csv';

const FORMAT_OPTIONS: Record<Format, readonly (keyof LoadDataOptions)[]> = {
  idx: ['classNames'],
  images: ['size', 'color', 'fit'],
  npy: ['labels', 'classNames'],
  csv: ['header', 'labelColumn', 'delimiter', 'classNames'],
};
const ALL_FORMAT_OPTIONS = [...new Set(Object.values(FORMAT_OPTIONS).flat())];

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * Resolves the CLI's `--data` value to a train and a test dataset:
 *
 * - `fashion-mnist`: the bundled sample (`data/fashion-mnist/`, 12,000 train + 2,000 test).
 * - a folder with `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
 *   `t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]` (e.g. a full MNIST or
 *   Fashion-MNIST copy): its train and test sets. Class names come from `classNames`, else from a
 *   `classes.txt` in the folder (one per line), else "0" .. "9". When both a `.gz` and an
 *   uncompressed file exist, the uncompressed one is read.
 * - any other folder: an image folder, one sub-folder per class (`readImageFolder`).
 * - a `.npy` file with the `labels` option (`readNpyDataset`), or a `.csv` file (`readCsvDataset`).
 *
 * Sources without a test set are split with `stratifiedSplit({ fraction: testFraction, seed })`,
 * or by class with `holdoutClasses`.
 *
 * @example
 * const { train, test } = await loadData('fashion-mnist');
 * const csv = await loadData('iris.csv', { header: true, labelColumn: 'species', testFraction: 0.3, seed: 7 });
 */
export async function loadData(spec: string, options: LoadDataOptions = {}): Promise<DatasetSplit> {
  if (typeof spec !== 'string' || spec === '') {
    throw invalidArgument(`Argument \`spec\` must be 'fashion-mnist' or a path. Received: spec=${JSON.stringify(spec)}`);
  }
  const path = spec === 'fashion-mnist' ? bundledFashionMnistDir : spec;
  const format = await formatOf(path);
  for (const key of ALL_FORMAT_OPTIONS) {
    if (options[key] !== undefined && !FORMAT_OPTIONS[format].includes(key)) {
      throw invalidArgument(
        `Argument \`${key}\` does not apply to ${describe(format)} (${path}). Received: ${key}=${JSON.stringify(options[key])}`,
      );
    }
  }
  if (options.testFraction !== undefined && options.holdoutClasses !== undefined) {
    throw invalidArgument(
      `Arguments \`testFraction\` and \`holdoutClasses\` are two ways to make the test set; give one. Received: testFraction=${options.testFraction}, holdoutClasses=${JSON.stringify(options.holdoutClasses)}`,
    );
  }
  if (format === 'idx') return loadIdxFolder(path, options);
  const whole =
    format === 'images'
      ? await readImageFolder(path, options)
      : format === 'csv'
        ? await readCsvDataset(path, options)
        : await readNpyDataset(path, requireLabels(path, options.labels), options);
  if (options.holdoutClasses !== undefined) {
    return classDisjointSplit(whole, { holdoutClasses: options.holdoutClasses, pick: options.holdoutPick, seed: options.seed });
  }
  return stratifiedSplit(whole, { fraction: options.testFraction, seed: options.seed });
}

async function loadIdxFolder(dir: string, options: LoadDataOptions): Promise<DatasetSplit> {
  if (options.testFraction !== undefined) {
    throw invalidArgument(
      `Argument \`testFraction\` does not apply to ${dir}, which has its own test set (t10k files). Received: testFraction=${options.testFraction}`,
    );
  }
  const names = new Set(await nodeModule('node:fs/promises').readdir(dir));
  const file = (base: string): string => {
    if (names.has(base)) return join(dir, base);
    if (names.has(`${base}.gz`)) return join(dir, `${base}.gz`);
    throw invalidInput(dir, `has IDX files but no ${base} or ${base}.gz; expected ${Object.values(IDX_FILES).join(', ')} (each optionally .gz)`);
  };
  const paths = {
    trainImages: file(IDX_FILES.trainImages),
    trainLabels: file(IDX_FILES.trainLabels),
    testImages: file(IDX_FILES.testImages),
    testLabels: file(IDX_FILES.testLabels),
  };
  const classNames = options.classNames ?? (names.has('classes.txt') ? await readClassNames(join(dir, 'classes.txt')) : undefined);
  const [train, test] = await Promise.all([
    readIdxDataset(paths.trainImages, paths.trainLabels, { classNames }),
    readIdxDataset(paths.testImages, paths.testLabels, { classNames }),
  ]);
  if (train.classNames.length !== test.classNames.length) {
    // Without given names, each part numbers its classes up to its own largest label.
    const all = train.classNames.length > test.classNames.length ? train.classNames : test.classNames;
    train.classNames = [...all];
    test.classNames = [...all];
  }
  if (options.holdoutClasses === undefined) return { train, test };
  const held = new Set(holdoutClassIds(train, { holdoutClasses: options.holdoutClasses, pick: options.holdoutPick, seed: options.seed }));
  const keep = (ds: typeof train, wantHeld: boolean): number[] =>
    Array.from(ds.labels.keys()).filter((i) => held.has(ds.labels[i]) === wantHeld);
  const testIndices = keep(test, true);
  if (testIndices.length === 0) {
    throw invalidInput(paths.testImages, `has no sample of the held-out classes ${[...held].map((c) => train.classNames[c]).join(', ')}`);
  }
  return { train: subset(train, keep(train, false)), test: subset(test, testIndices) };
}

async function formatOf(path: string): Promise<Format> {
  let isDir: boolean;
  const { stat } = nodeModule('node:fs/promises');
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (error) {
    throw invalidInput(
      path,
      "no such file or folder; expected 'fashion-mnist', a folder of IDX files, a folder of class sub-folders of images, a .npy or a .csv file",
      error,
    );
  }
  if (isDir) {
    const entries = await nodeModule('node:fs/promises').readdir(path);
    return entries.some((e) => /^(train|t10k)-(images|labels)-idx\d-ubyte(\.gz)?$/.test(e)) ? 'idx' : 'images';
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.csv') return 'csv';
  throw invalidInput(path, `has extension '${ext}'; expected a .npy or .csv file, or a folder`);
}

function requireLabels(path: string, labels: string | undefined): string {
  if (labels === undefined) {
    throw invalidArgument(`Argument \`labels\` is required with .npy features (${path}): the path of a .npy or text labels file. Received: labels=undefined`);
  }
  return labels;
}

async function readClassNames(path: string): Promise<string[]> {
  const lines = new TextDecoder('utf-8').decode(await readFileBytes(path)).split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const empty = lines.indexOf('');
  if (lines.length === 0 || empty !== -1) {
    throw invalidInput(path, lines.length === 0 ? 'is empty; expected one class name per line' : `line ${empty + 1} is empty; expected one class name per line`);
  }
  return lines;
}

function describe(format: Format): string {
  switch (format) {
    case 'idx':
      return 'a folder of IDX files';
    case 'images':
      return 'an image folder';
    case 'npy':
      return 'a .npy file';
    case 'csv':
      return 'a .csv file';
    default: {
      const never: never = format;
      throw new Error(`unreachable format ${String(never)}`);
    }
  }
}
