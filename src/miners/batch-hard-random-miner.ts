import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/base-distance.js';
import { LpDistance } from '../distances/lp-distance.js';
import { Random } from '../random.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import { selectEasyHard } from './easy-hard-selection.js';
import type { TripletIndices } from './indices.js';
import { IntList } from './int-list.js';

export interface BatchHardRandomMinerOptions {
  /** Random triplets added for each anchor besides its hardest one. Default 1. */
  randomPerAnchor?: number;
  /** Default `new LpDistance()`. */
  distance?: BaseDistance;
  /** The generator the random triplets are drawn from; its state advances with each call. Default `new Random(0)`. */
  rng?: Random;
}

/**
 * The hardest triplets mixed with random ones: for each anchor its batch-hard triplet (the
 * farthest positive and the closest negative, as BatchHardMiner picks them), followed by
 * `randomPerAnchor` triplets whose positive is drawn uniformly from the anchor's other positives
 * and whose negative uniformly from its negatives. The random triplets keep a gradient that
 * spreads the whole batch while the hardest ones would pull it together. Anchors without a
 * positive or a negative are dropped.
 *
 * Options: `randomPerAnchor = 1`, `distance = new LpDistance()`, `rng = new Random(0)`.
 *
 * @example
 * const miner = new dm.BatchHardRandomMiner({ randomPerAnchor: 1, rng: new dm.Random(1) });
 * const { anchors, positives, negatives } = miner.mine(embeddings, labels);
 */
export class BatchHardRandomMiner extends BaseMiner<TripletIndices> {
  readonly randomPerAnchor: number;
  readonly rng: Random;

  constructor(options: BatchHardRandomMinerOptions = {}) {
    super(options.distance, () => new LpDistance());
    this.randomPerAnchor = options.randomPerAnchor ?? 1;
    if (!(Number.isInteger(this.randomPerAnchor) && this.randomPerAnchor >= 0)) {
      throw invalidArgument(
        `Option \`randomPerAnchor\` must be an integer >= 0. Received: randomPerAnchor=${String(options.randomPerAnchor)}`,
      );
    }
    if (options.rng !== undefined && !(options.rng instanceof Random)) {
      throw invalidArgument(`Option \`rng\` must be a Random (src/random.ts). Received: rng=${String(options.rng)}`);
    }
    this.rng = options.rng ?? new Random(0);
  }

  protected mineBatch(batch: MiningBatch): TripletIndices {
    const hardest = selectEasyHard(batch, {
      posStrategy: 'hard',
      negStrategy: 'hard',
      allowedPosRange: null,
      allowedNegRange: null,
    });
    const { size, labels } = batch;
    const anchors = new IntList();
    const positives = new IntList();
    const negatives = new IntList();
    const pos = new Int32Array(size);
    const neg = new Int32Array(size);
    hardest.a1.forEach((a, k) => {
      anchors.push(a);
      positives.push(hardest.p[k]);
      negatives.push(hardest.n[k]);
      let numPos = 0;
      let numNeg = 0;
      for (let j = 0; j < size; j++) {
        if (labels[j] !== labels[a]) neg[numNeg++] = j;
        else if (j !== a) pos[numPos++] = j;
      }
      for (let r = 0; r < this.randomPerAnchor; r++) {
        anchors.push(a);
        positives.push(pos[this.rng.int(numPos)]);
        negatives.push(neg[this.rng.int(numNeg)]);
      }
    });
    return { anchors: anchors.toArray(), positives: positives.toArray(), negatives: negatives.toArray() };
  }
}
