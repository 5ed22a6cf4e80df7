import { invalidArgument } from '../errors.js';

/** A parsed model spec: what `buildModel` builds. */
export type ModelSpec =
  { kind: 'mlp'; hidden: number[] } | { kind: 'convnet'; filters: [number, number]; dense: number };

/** `mlp` alone: two hidden layers, wide enough for 28x28 images and narrowing toward the embedding. */
export const DEFAULT_MLP_HIDDEN: readonly number[] = [256, 128];
/** `convnet` alone: the classic MNIST ConvNet (TensorFlow's tutorial sizes). */
export const DEFAULT_CONVNET = { filters: [32, 64] as const, dense: 128 };

const ALLOWED =
  "'mlp', 'mlp:<units>,<units>,...' (e.g. 'mlp:256,128'), 'convnet' or 'convnet:<filters1>,<filters2>,<dense>' (e.g. 'convnet:32,64,128')";
/** Sizes beyond this are typos, not models that fit in memory. */
const MAX_SIZE = 65536;

/**
 * Parses a model spec string:
 *
 * - `mlp` or `mlp:256,128`: flatten, one dense ReLU layer per listed size, then the embedding;
 * - `convnet` or `convnet:32,64,128`: two 5x5 conv + 2x2 max-pool blocks with the given filter
 *   counts, a dense ReLU layer of the given size, then the embedding.
 *
 * @example
 * parseModelSpec('mlp:256,128'); // { kind: 'mlp', hidden: [256, 128] }
 * parseModelSpec('convnet');     // { kind: 'convnet', filters: [32, 64], dense: 128 }
 */
export function parseModelSpec(spec: string): ModelSpec {
  if (typeof spec !== 'string') {
    throw invalidArgument(`Argument \`spec\` must be a string: ${ALLOWED}. Received: spec=${String(spec)}`);
  }
  const colon = spec.indexOf(':');
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  const sizes = colon === -1 ? null : parseSizes(spec, spec.slice(colon + 1));
  switch (kind) {
    case 'mlp':
      return { kind: 'mlp', hidden: sizes ?? [...DEFAULT_MLP_HIDDEN] };
    case 'convnet': {
      if (sizes === null) {
        return { kind: 'convnet', filters: [...DEFAULT_CONVNET.filters], dense: DEFAULT_CONVNET.dense };
      }
      if (sizes.length !== 3) {
        throw invalidArgument(
          `Argument \`spec\` must be ${ALLOWED}. Received: spec='${spec}' (convnet takes exactly 3 sizes: filters1,filters2,dense)`,
        );
      }
      return { kind: 'convnet', filters: [sizes[0], sizes[1]], dense: sizes[2] };
    }
    default:
      throw invalidArgument(`Argument \`spec\` must be ${ALLOWED}. Received: spec='${spec}' (unknown model '${kind}')`);
  }
}

function parseSizes(spec: string, list: string): number[] {
  const parts = list.split(',');
  return parts.map((part) => {
    const n = /^[0-9]+$/.test(part) ? Number(part) : NaN;
    if (!(Number.isInteger(n) && n >= 1 && n <= MAX_SIZE)) {
      throw invalidArgument(
        `Argument \`spec\` must be ${ALLOWED}. Received: spec='${spec}' ('${part}' is not an integer in [1, ${MAX_SIZE}])`,
      );
    }
    return n;
  });
}
