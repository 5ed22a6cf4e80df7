import { invalidArgument } from '../errors.js';
import { LpDistance } from '../distances/lp-distance.js';
import { Random } from '../random.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import { distanceWeights } from './distance-weights.js';
import type { TripletIndices } from './indices.js';
import { IntList } from './int-list.js';
import { sampleIndex } from './sample-index.js';

export interface DistanceWeightedMinerOptions {
  /** Distances below this are raised to it before weighting, which bounds the weights. Default 0.5. */
  cutoff?: number;
  /** Negatives at this distance or farther are never sampled (they give no loss). Default 1.4. */
  nonzeroLossCutoff?: number;
  /** The generator negatives and positives are drawn from; its state advances with each call. Default `new Random(0)`. */
  rng?: Random;
}

/**
 * Distance-weighted sampling (Wu et al. 2017, "Sampling Matters in Deep Embedding Learning"),
 * as PML's DistanceWeightedMiner: negatives are drawn with probability proportional to the
 * inverse density of distances on the unit hypersphere (see `distanceWeights`), which picks
 * negatives over the whole range of distances instead of the crowd near sqrt(2).
 *
 * The distance is fixed to PML's requirement, Euclidean on L2-normalized rows
 * (`new LpDistance()`). As in PML's `get_random_triplet_indices`: for each label in increasing
 * order that has at least 2 rows and some other label in the batch, each of its k rows is an
 * anchor of k triplets, each with a positive drawn uniformly from the other k - 1 rows of the
 * label and a negative drawn from the anchor's weights; anchors whose weights are all 0 are
 * skipped. Draws come from the seeded `rng` instead of torch's generator, so a run is
 * reproducible for a seed but does not draw the numbers torch would.
 *
 * Options (PML's names and defaults): `cutoff = 0.5`, `nonzeroLossCutoff = 1.4`;
 * `rng = new Random(0)`.
 *
 * @example
 * const miner = new dm.DistanceWeightedMiner({ cutoff: 0.5, nonzeroLossCutoff: 1.4, rng: new Random(7) });
 * const { anchors, positives, negatives } = miner.mine(embeddings, labels);
 */
export class DistanceWeightedMiner extends BaseMiner<TripletIndices> {
  readonly cutoff: number;
  readonly nonzeroLossCutoff: number;
  readonly rng: Random;

  constructor(options: DistanceWeightedMinerOptions = {}) {
    super(undefined, () => new LpDistance());
    this.cutoff = options.cutoff ?? 0.5;
    this.nonzeroLossCutoff = options.nonzeroLossCutoff ?? 1.4;
    for (const [name, value] of [
      ['cutoff', this.cutoff],
      ['nonzeroLossCutoff', this.nonzeroLossCutoff],
    ] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw invalidArgument(`Option \`${name}\` must be a finite number. Received: ${name}=${String(value)}`);
      }
    }
    if (options.rng !== undefined && !(options.rng instanceof Random)) {
      throw invalidArgument(`Option \`rng\` must be a Random (src/random.ts). Received: rng=${String(options.rng)}`);
    }
    this.rng = options.rng ?? new Random(0);
  }

  protected mineBatch({ matrix, size, dim, labels }: MiningBatch): TripletIndices {
    const weights = distanceWeights(matrix, labels, dim, this);
    const anchors = new IntList();
    const positives = new IntList();
    const negatives = new IntList();
    const cumulative = new Float64Array(size);
    for (const members of rowsByLabel(labels)) {
      const k = members.length;
      if (k < 2 || k === size) continue;
      for (let m = 0; m < k; m++) {
        const a = members[m];
        let total = 0;
        for (let j = 0; j < size; j++) {
          total += weights[a * size + j];
          cumulative[j] = total;
        }
        if (!(total > 0)) continue;
        for (let t = 0; t < k; t++) {
          const other = this.rng.int(k - 1);
          anchors.push(a);
          positives.push(members[other < m ? other : other + 1]);
          negatives.push(sampleIndex(cumulative, this.rng.float() * total));
        }
      }
    }
    return { anchors: anchors.toArray(), positives: positives.toArray(), negatives: negatives.toArray() };
  }
}

/** The rows of each label, labels in increasing order (torch.unique's order), rows ascending. */
function rowsByLabel(labels: Int32Array): number[][] {
  const groups = new Map<number, number[]>();
  labels.forEach((label, row) => {
    const group = groups.get(label);
    if (group === undefined) groups.set(label, [row]);
    else group.push(row);
  });
  return [...groups.keys()].sort((x, y) => x - y).map((label) => groups.get(label) as number[]);
}
