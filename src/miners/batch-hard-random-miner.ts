import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/base-distance.js';
import { LpDistance } from '../distances/lp-distance.js';
import { Random } from '../random.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import { selectEasyHard } from './easy-hard-selection.js';
import type { TripletIndices } from './indices.js';
import { IntList } from './int-list.js';
import { keepTest } from './triplet-margin-miner.js';

/** Where the random triplets come from: any of the anchor's triplets, or its semi-hard ones. */
export type RandomTriplets = 'any' | 'semihard';

export interface BatchHardRandomMinerOptions {
  /** Random triplets added for each anchor besides its hardest one. Default 1. */
  randomPerAnchor?: number;
  /**
   * `any` (default): the positive and the negative drawn uniformly and independently; `semihard`:
   * a triplet drawn uniformly from the anchor's semi-hard ones (as TripletMarginMiner's `semihard`
   * at `margin`), none for an anchor that has none.
   */
  randomFrom?: RandomTriplets;
  /** The margin of the semi-hard triplets (`randomFrom: 'semihard'`). Default 0.2, as TripletMarginMiner. */
  margin?: number;
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
 * spreads the whole batch while the hardest ones would pull it together. With `randomFrom:
 * 'semihard'` they are drawn from the anchor's semi-hard triplets (negative farther than the
 * positive, within `margin`): those still pull each positive in where the hardest triplet, whose
 * negative is usually the closer one, no longer does under selectively contrastive triplets
 * (docs/collapse.md, "Hard mining from scratch"). Anchors without a positive or a negative are
 * dropped.
 *
 * Options: `randomPerAnchor = 1`, `randomFrom = 'any'`, `margin = 0.2`, `distance = new LpDistance()`,
 * `rng = new Random(0)`.
 *
 * @example
 * const miner = new dm.BatchHardRandomMiner({ randomPerAnchor: 1, rng: new dm.Random(1) });
 * const { anchors, positives, negatives } = miner.mine(embeddings, labels);
 * const withSemihard = new dm.BatchHardRandomMiner({ randomPerAnchor: 3, randomFrom: 'semihard', margin: 0.2 });
 */
export class BatchHardRandomMiner extends BaseMiner<TripletIndices> {
  readonly randomPerAnchor: number;
  readonly randomFrom: RandomTriplets;
  readonly margin: number;
  readonly rng: Random;

  constructor(options: BatchHardRandomMinerOptions = {}) {
    super(options.distance, () => new LpDistance());
    this.randomPerAnchor = options.randomPerAnchor ?? 1;
    if (!(Number.isInteger(this.randomPerAnchor) && this.randomPerAnchor >= 0)) {
      throw invalidArgument(
        `Option \`randomPerAnchor\` must be an integer >= 0. Received: randomPerAnchor=${String(options.randomPerAnchor)}`,
      );
    }
    this.randomFrom = options.randomFrom ?? 'any';
    if (this.randomFrom !== 'any' && this.randomFrom !== 'semihard') {
      throw invalidArgument(
        `Option \`randomFrom\` must be 'any' or 'semihard'. Received: randomFrom=${String(options.randomFrom)}`,
      );
    }
    this.margin = options.margin ?? 0.2;
    if (typeof this.margin !== 'number' || !Number.isFinite(this.margin)) {
      throw invalidArgument(`Option \`margin\` must be a finite number. Received: margin=${String(options.margin)}`);
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
    const { size, labels, matrix, isInverted } = batch;
    const anchors = new IntList();
    const positives = new IntList();
    const negatives = new IntList();
    const pos = new Int32Array(size);
    const neg = new Int32Array(size);
    // The semi-hard (positive, negative) pairs of one anchor, as positive * size + negative.
    const semihard = new Int32Array(this.randomFrom === 'semihard' ? size * size : 0);
    const keep = keepTest('semihard', Math.fround(this.margin));
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
      if (this.randomFrom === 'any') {
        for (let r = 0; r < this.randomPerAnchor; r++) {
          anchors.push(a);
          positives.push(pos[this.rng.int(numPos)]);
          negatives.push(neg[this.rng.int(numNeg)]);
        }
        return;
      }
      let numSemihard = 0;
      for (let i = 0; i < numPos; i++) {
        const ap = matrix[a * size + pos[i]];
        for (let j = 0; j < numNeg; j++) {
          const an = matrix[a * size + neg[j]];
          if (keep(Math.fround(isInverted ? ap - an : an - ap))) semihard[numSemihard++] = pos[i] * size + neg[j];
        }
      }
      for (let r = 0; r < this.randomPerAnchor && numSemihard > 0; r++) {
        const pair = semihard[this.rng.int(numSemihard)];
        anchors.push(a);
        positives.push(Math.floor(pair / size));
        negatives.push(pair % size);
      }
    });
    return { anchors: anchors.toArray(), positives: positives.toArray(), negatives: negatives.toArray() };
  }
}
