import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/base-distance.js';
import { LpDistance } from '../distances/lp-distance.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import { selectEasyHard, type BatchStrategy, type DistanceRange } from './easy-hard-selection.js';
import type { PairIndices } from './indices.js';

const STRATEGIES: readonly BatchStrategy[] = ['easy', 'semihard', 'hard', 'all'];

export interface BatchEasyHardMinerOptions {
  /** How each anchor's positive is picked. Default 'easy' (the closest positive). */
  posStrategy?: BatchStrategy;
  /** How each anchor's negative is picked. Default 'semihard'. */
  negStrategy?: BatchStrategy;
  /** Only positives whose distance lies in [low, high] (inclusive) are candidates. Default: no bound. */
  allowedPosRange?: DistanceRange | null;
  /** Only negatives whose distance lies in [low, high] (inclusive) are candidates. Default: no bound. */
  allowedNegRange?: DistanceRange | null;
  /** Default `new LpDistance()`. */
  distance?: BaseDistance;
}

/**
 * For each anchor of the batch, one positive and one negative chosen by strategy (PML's
 * BatchEasyHardMiner). Returns pairs `(a1, p, a2, n)`.
 *
 * - positive: `easy` = the closest positive, `hard` = the farthest, `semihard` = the farthest
 *   positive strictly closer than the chosen negative, `all` = every positive pair;
 * - negative: `easy` = the farthest negative, `hard` = the closest, `semihard` = the closest
 *   negative strictly farther than the chosen positive — **no margin upper bound**, unlike
 *   TripletMarginMiner's semihard — and `all` = every negative pair.
 *
 * When neither side is `all`, an anchor is kept only if it has both picks, and a1 == a2.
 * `allowedPosRange` / `allowedNegRange` remove candidates outside [low, high] before picking.
 * Among equal distances the lowest index is picked; a NaN candidate wins, as with torch.min/max.
 * Both strategies `semihard`, or `semihard` with `all`, are rejected (each needs the other's pick).
 *
 * Options (PML's names and defaults): `posStrategy = 'easy'`, `negStrategy = 'semihard'`,
 * `allowedPosRange = null`, `allowedNegRange = null`, `distance = new LpDistance()`.
 *
 * @example
 * const miner = new dm.BatchEasyHardMiner({ posStrategy: 'easy', negStrategy: 'semihard' });
 * const { a1, p, a2, n } = miner.mine(embeddings, labels);
 */
export class BatchEasyHardMiner extends BaseMiner<PairIndices> {
  readonly posStrategy: BatchStrategy;
  readonly negStrategy: BatchStrategy;
  readonly allowedPosRange: DistanceRange | null;
  readonly allowedNegRange: DistanceRange | null;

  constructor(options: BatchEasyHardMinerOptions = {}) {
    super(options.distance, () => new LpDistance());
    this.posStrategy = checkStrategy('posStrategy', options.posStrategy ?? 'easy');
    this.negStrategy = checkStrategy('negStrategy', options.negStrategy ?? 'semihard');
    if (this.posStrategy === 'semihard' && this.negStrategy === 'semihard') {
      throw invalidArgument(
        "Options `posStrategy` and `negStrategy` cannot both be 'semihard': each bounds its pick by the other's. Received: posStrategy='semihard', negStrategy='semihard'",
      );
    }
    if (
      (this.posStrategy === 'all' && this.negStrategy === 'semihard') ||
      (this.posStrategy === 'semihard' && this.negStrategy === 'all')
    ) {
      throw invalidArgument(
        `'semihard' cannot be combined with 'all': a semihard pick is bounded by a single pick on the other side. Received: posStrategy='${this.posStrategy}', negStrategy='${this.negStrategy}'`,
      );
    }
    this.allowedPosRange = checkRange('allowedPosRange', options.allowedPosRange);
    this.allowedNegRange = checkRange('allowedNegRange', options.allowedNegRange);
  }

  protected mineBatch(batch: MiningBatch): PairIndices {
    return selectEasyHard(batch, this);
  }
}

function checkStrategy(name: string, value: unknown): BatchStrategy {
  if (!STRATEGIES.includes(value as BatchStrategy)) {
    throw invalidArgument(
      `Option \`${name}\` must be one of ${STRATEGIES.map((s) => `'${s}'`).join(', ')}. Received: ${name}=${String(value)}`,
    );
  }
  return value as BatchStrategy;
}

function checkRange(name: string, value: DistanceRange | null | undefined): DistanceRange | null {
  if (value === undefined || value === null) return null;
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'number' ||
    typeof value[1] !== 'number' ||
    Number.isNaN(value[0]) ||
    Number.isNaN(value[1]) ||
    value[0] > value[1]
  ) {
    throw invalidArgument(
      `Option \`${name}\` must be null or [low, high] with numbers low <= high. Received: ${name}=${JSON.stringify(value)}`,
    );
  }
  return [value[0], value[1]];
}
