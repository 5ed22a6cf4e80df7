import { CosineSimilarity, DotProductSimilarity, LpDistance, type BaseDistance } from '../../src/distances/index.js';
import {
  AvgNonZeroReducer,
  DivisorReducer,
  MeanReducer,
  SumReducer,
  type BaseReducer,
} from '../../src/reducers/index.js';
import { TripletMarginLoss } from '../../src/losses/index.js';
import {
  BatchEasyHardMiner,
  BatchHardMiner,
  MultiSimilarityMiner,
  PairMarginMiner,
  TripletMarginMiner,
  type BaseMiner,
  type PairIndices,
  type TripletIndices,
} from '../../src/miners/index.js';
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

/** The deepmetric reducer for a PML reducer spec from the oracle. */
export function reducerFromSpec(spec: Spec): BaseReducer {
  switch (spec.class) {
    case 'AvgNonZeroReducer':
      return new AvgNonZeroReducer();
    case 'MeanReducer':
      return new MeanReducer();
    case 'SumReducer':
      return new SumReducer();
    case 'DivisorReducer':
      return new DivisorReducer();
    default:
      throw new Error(`unknown reducer class ${spec.class}`);
  }
}

/** An oracle `indices_tuple` (`{anchors, positives, negatives}`, `{a1, p, a2, n}` or null) as deepmetric's index types. */
export function indicesFromOracle(
  tuple: Record<string, number[]> | null | undefined,
): TripletIndices | PairIndices | undefined {
  if (tuple === null || tuple === undefined) return undefined;
  const arr = (key: string): Int32Array => {
    const values = tuple[key];
    if (!Array.isArray(values)) throw new Error(`indices_tuple has no ${key}`);
    return Int32Array.from(values);
  };
  if ('anchors' in tuple) return { anchors: arr('anchors'), positives: arr('positives'), negatives: arr('negatives') };
  return { a1: arr('a1'), p: arr('p'), a2: arr('a2'), n: arr('n') };
}

/** The TripletMarginLoss of an oracle case's `params` (`loss`, `distance`, `reducer`). */
export function tripletLossFromParams(params: { loss: Spec; distance: Spec; reducer: Spec }): TripletMarginLoss {
  const { margin, swap, smoothLoss, tripletsPerAnchor } = camelKwargs(params.loss.kwargs);
  return new TripletMarginLoss({
    margin: margin as number,
    swap: swap as boolean,
    smoothLoss: smoothLoss as boolean,
    tripletsPerAnchor: tripletsPerAnchor as 'all' | number,
    distance: distanceFromSpec(params.distance),
    reducer: reducerFromSpec(params.reducer),
  });
}

/** The deepmetric miner for a PML miner spec from the oracle (`{ class, kwargs, distance }`). */
export function minerFromSpec(spec: Spec): BaseMiner {
  const options = {
    ...camelKwargs(spec.kwargs),
    ...(spec.distance ? { distance: distanceFromSpec(spec.distance) } : {}),
  };
  switch (spec.class) {
    case 'TripletMarginMiner':
      return new TripletMarginMiner(options);
    case 'BatchHardMiner':
      return new BatchHardMiner(options);
    case 'BatchEasyHardMiner':
      return new BatchEasyHardMiner(options);
    case 'MultiSimilarityMiner':
      return new MultiSimilarityMiner(options);
    case 'PairMarginMiner':
      return new PairMarginMiner(options);
    default:
      throw new Error(`unknown miner class ${spec.class}`);
  }
}
