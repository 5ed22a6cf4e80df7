import { CosineSimilarity } from '../distances/index.js';
import { invalidArgument } from '../errors.js';

/**
 * PML's `assert_distance_type(self, CosineSimilarity)`, for the constructor and `useDistance`.
 *
 * @example
 * requireCosine('CircleLoss')(new dm.LpDistance()); // throws: must be a CosineSimilarity
 */
export function requireCosine(name: string): (distance: unknown) => void {
  return (distance) => {
    if (!(distance instanceof CosineSimilarity)) {
      const received = distance !== null && typeof distance === 'object' ? distance.constructor.name : String(distance);
      throw invalidArgument(
        `Option \`distance\` of ${name} must be a CosineSimilarity (PML asserts it). Received: distance=${received}`,
      );
    }
  };
}
