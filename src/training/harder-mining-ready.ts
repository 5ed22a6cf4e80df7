import { diagnose, type HealthSnapshot } from '../health/index.js';

/**
 * A probe's share of margin-violating triplets at or below which its classes count as separated
 * enough for harder mining. Semi-hard runs from scratch read 0.34 at step 0, 0.12-0.13 by step 25
 * and 0.07-0.10 from step 100 on (bundled sample and full Fashion-MNIST, `mlp:256,128`); see
 * docs/collapse.md, "Hard mining from scratch", for the runs this was chosen on.
 */
export const SEPARATED_VIOLATION_FRACTION = 0.1;

/**
 * Whether a probe allows a curriculum's next, harder stage: the detector calls the embeddings
 * healthy from the probe's own numbers (no collapse, no fall of the spread from its start, no
 * missing directions) and the classes are separated (violation fraction at most
 * SEPARATED_VIOLATION_FRACTION). Hardest-triplet mining collapses an embedding whose classes
 * still overlap; on separated classes its triplets are the few that still violate the margin.
 *
 * @example
 * if (harderMiningReady(record.health)) curriculum.advance(trainer);
 */
export function harderMiningReady(health: HealthSnapshot): boolean {
  return health.violationFraction <= SEPARATED_VIOLATION_FRACTION && diagnose({ health }).verdict === 'healthy';
}
