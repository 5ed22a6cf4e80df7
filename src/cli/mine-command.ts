import { Command, Option } from 'commander';
import { tf } from '../tf.js';
import { initBackend, type BackendChoice } from '../backend/index.js';
import { invalidArgument } from '../errors.js';
import { readNpyDataset, sampleSize, writeNpy } from '../data/index.js';
import { hardestTriplets } from '../miners/index.js';
import { distanceFor } from '../run/index.js';
import { backendOption } from './backend-option.js';
import { DISTANCES, type DistanceName } from '../run/index.js';
import { int } from './flag-parsers.js';

export interface MineFlags {
  labels: string;
  out: string;
  distance: DistanceName;
  normalizeEmbeddings: boolean;
  chunkSize?: number;
  backend: BackendChoice;
}

export interface MineResult {
  path: string;
  triplets: number;
  anchors: number;
}

/**
 * `deepmetric mine EMBEDDINGS.npy --labels LABELS --out TRIPLETS.npy`: offline hardest-triplet
 * mining over a whole set (each anchor with its farthest positive and closest negative), in
 * bounded memory; writes an int32 `.npy` of shape [k, 3] holding (anchor, positive, negative)
 * row indices.
 */
export async function mineCommand(embeddingsPath: string, flags: MineFlags): Promise<MineResult> {
  if (!flags.out.endsWith('.npy')) throw invalidArgument(`--out must name a .npy file. Received: ${flags.out}`);
  await initBackend(flags.backend);
  const set = await readNpyDataset(embeddingsPath, flags.labels);
  const n = set.labels.length;
  const embeddings = tf.tensor2d(set.features, [n, sampleSize(set.sampleShape)]);
  try {
    const { anchors, positives, negatives } = hardestTriplets(embeddings, set.labels, {
      distance: distanceFor(flags.distance, flags.normalizeEmbeddings),
      chunkSize: flags.chunkSize,
    });
    const triplets = new Int32Array(anchors.length * 3);
    anchors.forEach((a, i) => triplets.set([a, positives[i], negatives[i]], 3 * i));
    await writeNpy(flags.out, triplets, [anchors.length, 3], 'int32');
    return { path: flags.out, triplets: anchors.length, anchors: n };
  } finally {
    embeddings.dispose();
  }
}

export function mineCommandSpec(run: (embeddings: string, flags: MineFlags) => Promise<void>): Command {
  return new Command('mine')
    .description(
      'Mine the hardest triplet of every anchor over a whole set of embeddings; writes int32 [k, 3] (anchor, positive, negative).',
    )
    .argument('<embeddings.npy>', 'embeddings, float32 or float64 [n, dim] (e.g. from deepmetric embed)')
    .requiredOption('--labels <file>', 'one label per row: a .npy of integers or a text file, one per line')
    .requiredOption('--out <file.npy>', 'where to write the triplets')
    .addOption(new Option('--distance <name>', 'distance to mine by').choices(DISTANCES).default('euclidean'))
    .option('--normalize-embeddings', 'L2-normalize the rows first (the default)', true)
    .option('--no-normalize-embeddings', 'measure the raw rows')
    .option('--chunk-size <n>', 'anchor rows per chunk (default: chunks of about 64 MB)', int)
    .addOption(backendOption())
    .action(async (embeddings: string, flags: MineFlags) => run(embeddings, flags));
}
