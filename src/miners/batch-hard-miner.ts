import type { BaseDistance } from '../distances/base-distance.js';
import { LpDistance } from '../distances/lp-distance.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import { selectEasyHard } from './easy-hard-selection.js';
import type { TripletIndices } from './indices.js';

export interface BatchHardMinerOptions {
  /** Default `new LpDistance()`. */
  distance?: BaseDistance;
}

/**
 * Batch-hard mining (Hermans et al. 2017, "In Defense of the Triplet Loss"): for each anchor the
 * farthest positive and the closest negative, as one triplet. Anchors without a positive or a
 * negative are dropped. It is PML's BatchHardMiner: BatchEasyHardMiner with both strategies
 * `hard`, returned as triplets (in anchor order, hence lexicographic). Among equal distances the
 * lowest index is picked; a NaN candidate wins, as with torch.max/min.
 *
 * Options: `distance = new LpDistance()`.
 *
 * @example
 * const miner = new dm.BatchHardMiner();
 * const { anchors, positives, negatives } = miner.mine(embeddings, labels);
 */
export class BatchHardMiner extends BaseMiner<TripletIndices> {
  constructor(options: BatchHardMinerOptions = {}) {
    super(options.distance, () => new LpDistance());
  }

  protected mineBatch(batch: MiningBatch): TripletIndices {
    const { a1, p, n } = selectEasyHard(batch, {
      posStrategy: 'hard',
      negStrategy: 'hard',
      allowedPosRange: null,
      allowedNegRange: null,
    });
    return { anchors: a1, positives: p, negatives: n };
  }
}
