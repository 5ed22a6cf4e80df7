import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { float, int } from './flag-parsers.js';
import { initBackend, type BackendChoice } from '../backend/index.js';
import { invalidArgument } from '../errors.js';
import { loadData, writeNpy, type Dataset } from '../data/index.js';
import { loadModel } from '../models/index.js';
import { embedDatasetParallel } from '../training/parallel/index.js';
import { dataOptions } from '../run/index.js';
import { dataSourceSettings, withDataSourceFlags, type DataSourceFlags } from './data-source-flags.js';
import { backendOption } from './backend-option.js';

export interface EmbedFlags extends DataSourceFlags {
  model: string;
  data: string;
  out: string;
  split: 'train' | 'test' | 'all';
  holdoutClasses?: string;
  testFraction?: number;
  seed: number;
  batchSize: number;
  backend: BackendChoice;
  /** Threads running the model; 'auto': every core for a convolutional model off the node backend, else 1. */
  threads: number | 'auto';
}

export interface EmbedResult {
  embeddingsPath: string;
  labelsPath: string;
  rows: number;
  dim: number;
}

/**
 * `deepmetric embed`: runs a saved model over a dataset split and writes the embeddings as a
 * float32 `.npy` of shape [n, dim] and the labels as an int32 `.npy` beside it (`<out>.labels.npy`
 * for `<out>.npy`), both readable with `numpy.load`.
 */
export async function embedCommand(flags: EmbedFlags): Promise<EmbedResult> {
  if (!flags.out.endsWith('.npy')) {
    throw invalidArgument(`--out must name a .npy file. Received: ${flags.out}`);
  }
  const backend = await initBackend(flags.backend);
  const model = await loadModel(flags.model);
  // A convnet's forward pass is worth sharing between cores; an MLP's costs less than the hand-off.
  const convolutional = model.layers.some((layer) => layer.getClassName().startsWith('Conv'));
  const threads =
    flags.threads === 'auto' ? (convolutional && backend !== 'node' ? availableParallelism() : 1) : flags.threads;
  const { train, test } = await loadData(
    flags.data,
    dataOptions({
      seed: flags.seed,
      testFraction: flags.testFraction ?? null,
      holdoutClasses: flags.holdoutClasses ?? null,
      ...dataSourceSettings(flags, null),
    }),
  );
  const parts: Dataset[] = flags.split === 'all' ? [train, test] : [flags.split === 'train' ? train : test];
  const arrays: Float32Array[] = [];
  let dim = 0;
  try {
    for (const part of parts) {
      const embeddings = await embedDatasetParallel(model, part, { threads, batchSize: flags.batchSize });
      dim = embeddings.shape[1];
      arrays.push(embeddings.dataSync() as Float32Array);
      embeddings.dispose();
    }
  } finally {
    model.dispose();
  }
  const rows = parts.reduce((n, p) => n + p.labels.length, 0);
  const values = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  let offset = 0;
  parts.forEach((part, i) => {
    values.set(arrays[i], offset * dim);
    labels.set(part.labels, offset);
    offset += part.labels.length;
  });
  const labelsPath = flags.out.replace(/\.npy$/, '.labels.npy');
  await writeNpy(labelsPath, labels, [rows], 'int32');
  await writeNpy(flags.out, values, [rows, dim], 'float32');
  return { embeddingsPath: flags.out, labelsPath, rows, dim };
}

export function embedCommandSpec(run: (flags: EmbedFlags) => Promise<void>): Command {
  return withDataSourceFlags(
    new Command('embed')
      .description(
        'Embed a dataset with a trained model; writes <out>.npy (float32 [n, dim]) and <out>.labels.npy (int32 [n]).',
      )
      .requiredOption('--model <dir>', 'a saved model folder, e.g. RUN_DIR/model')
      .option(
        '--data <spec>',
        "'fashion-mnist', a folder of IDX files, an image folder, a .npy or a .csv",
        'fashion-mnist',
      ),
  )
    .requiredOption('--out <file.npy>', 'where to write the embeddings')
    .addOption(new Option('--split <name>', 'which part of the data').choices(['train', 'test', 'all']).default('all'))
    .option('--holdout-classes <classes>', 'split off these classes as the test part (count, fraction or names)')
    .option('--test-fraction <f>', 'share of each class in the test part, for data without a test split', float)
    .option('--seed <n>', 'seed of the split', int, 0)
    .option('--batch-size <n>', 'rows per forward pass', int, 256)
    .option('--threads <n>', "threads running the model, or 'auto' (every core for a convnet)", threadsFlag, 'auto')
    .addOption(backendOption())
    .action(async (flags: EmbedFlags) => run(flags));
}

function threadsFlag(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = int(value);
  if (n < 1) throw new InvalidArgumentError("expected an integer >= 1 or 'auto'.");
  return n;
}
