/**
 * The miners a run chooses by name (`--miner`): `none` (every triplet of the batch), the
 * TripletMarginMiner's four selections, and the batch miners.
 */
export const MINERS = [
  'none',
  'all',
  'hard',
  'semihard',
  'easy',
  'batch-hard',
  'batch-easy-hard',
  'multi-similarity',
  'distance-weighted',
] as const;

export type MinerName = (typeof MINERS)[number];

/** The miners of the hardest triplets, which collapse an embedding trained from scratch (docs/collapse.md). */
export const HARD_MINERS: readonly MinerName[] = ['batch-hard', 'hard'];
