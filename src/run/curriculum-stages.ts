import { invalidArgument } from '../errors.js';
import {
  BatchEasyHardMiner,
  BatchHardRandomMiner,
  HARD_MINERS,
  SoftmaxHardMiner,
  TripletMarginMiner,
  type MinerName,
} from '../miners/index.js';
import type { Random } from '../random.js';
import type { CurriculumName, CurriculumStage, Mining } from '../training/index.js';
import { distanceFor, minerFor } from './run-parts.js';
import type { LossName, TrainConfig } from './train-config.js';

/** The losses that are a TripletMarginLoss, whose triplets can be selectively contrastive. */
const TRIPLET_LOSSES: readonly LossName[] = ['triplet', 'soft-triplet', 'selective-triplet'];

/**
 * The temperatures of `softmax`'s stages, one per healthy probe: from draws that favour the hard
 * triplets a little (a negative 0.4 closer than another is e times likelier) to nearly batch-hard.
 */
export const SOFTMAX_TEMPERATURES: readonly number[] = [0.4, 0.2, 0.1, 0.05];

/**
 * The semi-hard triplets `auto` draws per anchor beside batch-hard's hardest one: 3 measured best
 * of 1, 3 and 7 and of every semi-hard triplet (docs/collapse.md, "Hard mining from scratch").
 */
export const AUTO_SEMIHARD_PER_ANCHOR = 3;

/**
 * The stages of a run's curriculum, the last the live miner (`mining.miner`, the run's `--miner`
 * unless the guard changed it), all measuring with the run's distance and `mining`'s normalization:
 *
 * - `none`: the live miner only;
 * - `semihard-first`: semi-hard triplets (TripletMarginMiner, the run's miner margin), then the miner;
 * - `softmax`: SoftmaxHardMiner at each of SOFTMAX_TEMPERATURES, then the miner;
 * - `mixed`: each anchor's hardest triplet with one random one (BatchHardRandomMiner), then the miner;
 * - `easy-positive`: the closest positive with the closest negative (Xuan et al. 2020's easy
 *   positives, BatchEasyHardMiner easy/hard), then the miner;
 * - `auto`: semi-hard triplets, then, for the triplet losses, the hard triplets with selectively
 *   contrastive triplets (Xuan et al. 2020: a triplet whose negative is closer than its positive
 *   only pushes the negative away) and semi-hard ones beside them, which still pull the positives
 *   in: for `batch-hard` each anchor's hardest triplet and AUTO_SEMIHARD_PER_ANCHOR semi-hard ones
 *   (BatchHardRandomMiner), for `hard` every hard and every semi-hard triplet (TripletMarginMiner
 *   `all`); for another loss, as `semihard-first`. The one docs/collapse.md's measurements chose:
 *   it reaches the hardest triplets, does not collapse, and matches semi-hard mining's MAP@R.
 *
 * @example
 * const stages = curriculumStages('auto', config, { miner: 'batch-hard', normalizeEmbeddings: true, curriculum: 'auto' }, rng);
 * stages.map((s) => s.label); // ['semihard', 'batch-hard+3semihard+selective']
 */
export function curriculumStages(
  curriculum: CurriculumName,
  config: TrainConfig,
  mining: Mining,
  rng: Random,
): CurriculumStage[] {
  const settings = { ...config, ...mining };
  const distance = () => distanceFor(config.distance, mining.normalizeEmbeddings);
  const stage = (label: string, miner: () => ReturnType<typeof minerFor>, selective?: boolean): CurriculumStage => ({
    label,
    mining: () => ({ miner: miner(), distance: distance(), ...(selective ? { selectivelyContrastive: true } : {}) }),
  });
  const last = stage(mining.miner, () => minerFor(mining.miner, settings));
  // auto's last stage: the hard triplets, selectively contrastive, with semi-hard ones that pull.
  const withSemihard = (miner: MinerName): CurriculumStage =>
    miner === 'batch-hard'
      ? stage(
          `batch-hard+${AUTO_SEMIHARD_PER_ANCHOR}semihard+selective`,
          () =>
            new BatchHardRandomMiner({
              randomPerAnchor: AUTO_SEMIHARD_PER_ANCHOR,
              randomFrom: 'semihard',
              margin: config.minerMargin,
              rng,
              distance: distance(),
            }),
          true,
        )
      : stage(
          'hard+semihard+selective',
          () => new TripletMarginMiner({ margin: config.minerMargin, typeOfTriplets: 'all', distance: distance() }),
          true,
        );
  if (curriculum === 'none') return [last];
  if (!HARD_MINERS.includes(mining.miner)) {
    throw invalidArgument(
      `Curriculum ${curriculum} leads to hardest-triplet mining and needs miner=${HARD_MINERS.join(' or ')}. Received: miner=${mining.miner}`,
    );
  }
  const semihard = stage(
    'semihard',
    () => new TripletMarginMiner({ margin: config.minerMargin, typeOfTriplets: 'semihard', distance: distance() }),
  );
  switch (curriculum) {
    case 'auto':
      return TRIPLET_LOSSES.includes(config.loss) ? [semihard, withSemihard(mining.miner)] : [semihard, last];
    case 'semihard-first':
      return [semihard, last];
    case 'softmax':
      return [
        ...SOFTMAX_TEMPERATURES.map((temperature) =>
          stage(
            `softmax-hard T=${temperature}`,
            () => new SoftmaxHardMiner({ temperature, rng, distance: distance() }),
          ),
        ),
        last,
      ];
    case 'mixed':
      return [stage('batch-hard+random', () => new BatchHardRandomMiner({ rng, distance: distance() })), last];
    case 'easy-positive':
      return [
        stage(
          'easy-positive',
          () => new BatchEasyHardMiner({ posStrategy: 'easy', negStrategy: 'hard', distance: distance() }),
        ),
        last,
      ];
    default: {
      const never: never = curriculum;
      throw invalidArgument(`Unknown curriculum ${String(never)}`);
    }
  }
}
