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
