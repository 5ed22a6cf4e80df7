import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/base-distance.js';
import { LpDistance } from '../distances/lp-distance.js';
import { Random } from '../random.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import type { TripletIndices } from './indices.js';
import { IntList } from './int-list.js';
import { sampleIndex } from './sample-index.js';

export interface SoftmaxHardMinerOptions {
  /**
   * How sharply the draws favour the hardest: each candidate's weight is exp(hardness / T). Large
   * T draws almost uniformly, T -> 0 is batch-hard. Default 0.1.
   */
  temperature?: number;
  /** Default `new LpDistance()`. */
  distance?: BaseDistance;
  /** The generator the picks are drawn from; its state advances with each call. Default `new Random(0)`. */
  rng?: Random;
}

/**
 * Batch-hard mining softened (Hermans et al. 2017, sec. 4, for batch-hard runs that do not
 * converge): for each anchor one triplet, its positive drawn with probability proportional to
 * exp(d(a,p) / T) over the anchor's other positives, its negative with probability proportional
 * to exp(-d(a,n) / T) over its negatives (for a similarity, exp(-s(a,p) / T) and exp(s(a,n) / T)).
 * The farthest positive and the closest negative are the likeliest picks; as the temperature T
 * falls towards 0 the miner becomes BatchHardMiner, which is how a curriculum anneals it.
 *
 * Anchors without a positive or a negative are dropped; triplets come out in anchor order, the
 * positive drawn before the negative. A NaN distance gets no weight (an anchor whose candidates
 * are all NaN is dropped).
 *
 * Options: `temperature = 0.1`, `distance = new LpDistance()`, `rng = new Random(0)`.
 *
 * @example
 * const miner = new dm.SoftmaxHardMiner({ temperature: 0.25, rng: new dm.Random(1) });
 * const { anchors, positives, negatives } = miner.mine(embeddings, labels);
 */
export class SoftmaxHardMiner extends BaseMiner<TripletIndices> {
  readonly temperature: number;
  readonly rng: Random;

  constructor(options: SoftmaxHardMinerOptions = {}) {
    super(options.distance, () => new LpDistance());
    this.temperature = options.temperature ?? 0.1;
    if (!(typeof this.temperature === 'number' && Number.isFinite(this.temperature) && this.temperature > 0)) {
      throw invalidArgument(
        `Option \`temperature\` must be a finite number > 0. Received: temperature=${String(options.temperature)}`,
      );
    }
    if (options.rng !== undefined && !(options.rng instanceof Random)) {
      throw invalidArgument(`Option \`rng\` must be a Random (src/random.ts). Received: rng=${String(options.rng)}`);
    }
    this.rng = options.rng ?? new Random(0);
  }

  protected mineBatch({ matrix, size, labels, isInverted }: MiningBatch): TripletIndices {
    const anchors = new IntList();
    const positives = new IntList();
    const negatives = new IntList();
    const cumulative = new Float64Array(size);
    // Hardness grows with the distance of a positive and the closeness of a negative.
    const sign = isInverted ? -1 : 1;
    for (let a = 0; a < size; a++) {
      const row = a * size;
      const isPositive = (j: number) => j !== a && labels[j] === labels[a];
      const isNegative = (j: number) => labels[j] !== labels[a];
      const p = this.draw(matrix, row, size, isPositive, sign, cumulative);
      if (p < 0) continue;
      const n = this.draw(matrix, row, size, isNegative, -sign, cumulative);
      if (n < 0) continue;
      anchors.push(a);
      positives.push(p);
      negatives.push(n);
    }
    return { anchors: anchors.toArray(), positives: positives.toArray(), negatives: negatives.toArray() };
  }

  /** One column j of the row among `eligible` ones, with probability exp(sign * d_j / T) / total; -1 if none. */
  private draw(
    matrix: Float32Array,
    row: number,
    size: number,
    eligible: (j: number) => boolean,
    sign: number,
    cumulative: Float64Array,
  ): number {
    // Shift by the largest exponent so that exp never overflows, whatever T.
    let top = -Infinity;
    for (let j = 0; j < size; j++) {
      const x = sign * matrix[row + j];
      if (eligible(j) && x > top) top = x;
    }
    if (top === -Infinity) return -1;
    let total = 0;
    for (let j = 0; j < size; j++) {
      const x = sign * matrix[row + j];
      if (eligible(j) && !Number.isNaN(x)) total += Math.exp((x - top) / this.temperature);
      cumulative[j] = total;
    }
    return sampleIndex(cumulative, this.rng.float() * total);
  }
}
