import {
  CosineSimilarity,
  DotProductSimilarity,
  LpDistance,
  type BaseDistance,
} from '../../src/distances/index.js';
import { AvgNonZeroReducer, MeanReducer, SumReducer, type BaseReducer } from '../../src/reducers/index.js';
import { camelKwargs, type Spec } from './oracle.js';

/** The deepmetric object for a PML distance spec from the oracle. */
export function distanceFromSpec(spec: Spec): BaseDistance {
  const options = camelKwargs(spec.kwargs);
  switch (spec.class) {
    case 'LpDistance':
      return new LpDistance(options);
    case 'CosineSimilarity':
      return new CosineSimilarity(options);
    case 'DotProductSimilarity':
      return new DotProductSimilarity(options);
    default:
      throw new Error(`unknown distance class ${spec.class}`);
  }
}

export function reducerFromSpec(spec: Spec): BaseReducer {
  switch (spec.class) {
    case 'AvgNonZeroReducer':
      return new AvgNonZeroReducer();
    case 'MeanReducer':
      return new MeanReducer();
    case 'SumReducer':
      return new SumReducer();
    default:
      throw new Error(`unknown reducer class ${spec.class}`);
  }
}
