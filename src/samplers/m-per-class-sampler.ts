import { checkLabels } from '../checks.js';
import { invalidArgument, invalidInput } from '../errors.js';
import { Random, type RandomState } from '../random.js';
import { checkNumber } from '../validation.js';
import { sampleWithoutReplacement } from './sample-without-replacement.js';

export interface MPerClassSamplerOptions {
  /** Samples per class in a batch (K of "P x K"); at least 2, so that every class has a positive pair. */
  m: number;
  /** Samples per batch, a multiple of `m`; omitted: every class in every batch (`m * numClasses`). */
  batchSize?: number;
  /** Samples per epoch before PML's rounding down to whole batches. */
  lengthBeforeNewIter?: number;
  /** The generator the sampler draws from; give it one of its own. */
  rng: Random;
  /** Where the labels came from (a data file), named in the errors about them. Default 'labels'. */
  source?: string;
  /** Names of the labels (`classNames[label]`), used in the errors about them. */
  classNames?: readonly string[];
}

/** The state of an MPerClassSampler, for checkpoints: where it is and what it was built on. */
export interface MPerClassSamplerState {
  kind: 'm-per-class-sampler';
  rng: RandomState;
  /** The epoch the next batch belongs to. */
  epoch: number;
  /** The index of the next batch within its epoch. */
  batchIndex: number;
  // What the batches depend on, so that a checkpoint is not resumed on other data or options.
  numSamples: number;
  numClasses: number;
  m: number;
  batchSize: number;
  numBatches: number;
}

/**
 * Draws batches of P classes x m samples, PML 2.8.1's `MPerClassSampler`: each batch picks
 * `P = batchSize / m` distinct classes uniformly at random, then `m` samples of each class without
 * replacement, or with replacement for a class that has fewer than `m` samples. A batch is laid
 * out class by class: `batch[j*m .. j*m+m)` are the samples of its j-th class.
 *
 * An epoch is `numBatches = floor(lengthBeforeNewIter / batchSize)` batches (PML's rounding of
 * its length to whole batches; with `batchSize` omitted, to whole passes over the classes, and
 * at least one). `length = numBatches * batchSize` is PML's `len(sampler)`, except that PML
 * reports `lengthBeforeNewIter` when one pass over the classes is longer, yet yields the pass.
 *
 * Stricter than PML, because a triplet needs a positive and a negative: a class with a single
 * sample is an `invalid-input` error (with m >= 2 it would repeat one sample, a positive pair at
 * distance 0), and `m` and P must be at least 2.
 *
 * Batches depend only on the generator's state, so `state()` / `loadState()` (generator and
 * position in the epoch) let an interrupted run draw exactly the batches it would have drawn.
 *
 * Options: `m` (required, >= 2), `batchSize = m * numClasses` (a multiple of m, at most
 * m * numClasses), `lengthBeforeNewIter = 100000` (>= batchSize), `rng` (required).
 *
 * @example
 * const sampler = new dm.MPerClassSampler(labels, { m: 4, batchSize: 32, rng: new dm.Random(0) });
 * for (let b = sampler.batchIndex; b < sampler.numBatches; b++) {
 *   const indices = sampler.nextBatch();   // Int32Array of 32 row indices: 8 classes x 4
 *   trainStep(indices);
 * }
 */
export class MPerClassSampler {
  readonly m: number;
  readonly batchSize: number;
  /** P: the number of classes in a batch. */
  readonly classesPerBatch: number;
  /** Batches per epoch. */
  readonly numBatches: number;
  /** Samples per epoch: `numBatches * batchSize`. */
  readonly length: number;
  /** The class labels, in order of first appearance (PML's order). */
  readonly classes: Int32Array;
  /** The labels of the classes with fewer than `m` samples, which are drawn with replacement. */
  readonly smallClasses: Int32Array;
  readonly numSamples: number;

  private readonly classIndices: Int32Array[];
  private rng: Random;
  private epochIndex = 0;
  private batchInEpoch = 0;

  constructor(labels: Int32Array | readonly number[], options: MPerClassSamplerOptions) {
    // Plain arrays are accepted and checked for 32-bit integers, as everywhere labels are taken.
    const checked = checkLabels(labels, labels?.length ?? 0);
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `Argument \`options\` must be an object with \`m\` and \`rng\`. Received: ${String(options)}`,
      );
    }
    this.m = checkNumber('m', options.m, {
      integer: true,
      min: 2,
      why: 'each class gives m samples to a batch; with m = 1 no batch holds a positive pair',
    });
    if (!(options.rng instanceof Random)) {
      throw invalidArgument(
        `Option \`rng\` must be a Random (new dm.Random(seed)). Received: rng=${String(options.rng)}`,
      );
    }
    this.rng = options.rng;
    this.numSamples = checked.length;

    const byClass = groupByClass(checked);
    this.classes = Int32Array.from(byClass.keys());
    this.classIndices = [...byClass.values()].map((v) => Int32Array.from(v));
    checkClassSizes(this.classes, this.classIndices, options.source ?? 'labels', options.classNames ?? []);
    this.smallClasses = this.classes.filter((_c, i) => this.classIndices[i].length < this.m);

    const numClasses = this.classes.length;
    const onePass = this.m * numClasses;
    const length = checkNumber('lengthBeforeNewIter', options.lengthBeforeNewIter ?? 100000, { integer: true, min: 1 });
    if (options.batchSize === undefined) {
      this.batchSize = onePass;
      this.numBatches = Math.max(1, Math.floor(length / onePass));
    } else {
      this.batchSize = checkNumber('batchSize', options.batchSize, { integer: true, min: 1 });
      if (this.batchSize % this.m !== 0) {
        throw invalidArgument(
          `Option \`batchSize\` must be a multiple of m=${this.m} (m samples of each class). Received: batchSize=${this.batchSize}`,
        );
      }
      if (this.batchSize > onePass) {
        throw invalidArgument(
          `Option \`batchSize\` needs batchSize / m = ${this.batchSize / this.m} classes per batch, but the labels have ${numClasses} classes: use batchSize <= m * ${numClasses} = ${onePass}. Received: batchSize=${this.batchSize}`,
        );
      }
      if (length < this.batchSize) {
        throw invalidArgument(
          `Option \`lengthBeforeNewIter\` must be >= batchSize=${this.batchSize} (an epoch holds at least one batch). Received: lengthBeforeNewIter=${length}`,
        );
      }
      this.numBatches = Math.floor(length / this.batchSize);
    }
    this.classesPerBatch = this.batchSize / this.m;
    if (this.classesPerBatch < 2) {
      throw invalidArgument(
        `Option \`batchSize\` must hold at least 2 classes (batchSize >= 2 * m = ${2 * this.m}): a batch of one class has no negative. Received: batchSize=${this.batchSize}`,
      );
    }
    this.length = this.numBatches * this.batchSize;
  }

  /** The epoch the next batch belongs to (0 at the start). */
  get epoch(): number {
    return this.epochIndex;
  }

  /** The index of the next batch within its epoch, in [0, numBatches). */
  get batchIndex(): number {
    return this.batchInEpoch;
  }

  /** Draws the next batch: `batchSize` row indices, P classes x m samples, class by class. */
  nextBatch(): Int32Array {
    const m = this.m;
    const batch = new Int32Array(this.batchSize);
    const chosen = sampleWithoutReplacement(this.classes.length, this.classesPerBatch, this.rng);
    for (let j = 0; j < chosen.length; j++) {
      const members = this.classIndices[chosen[j]];
      if (members.length >= m) {
        const picks = sampleWithoutReplacement(members.length, m, this.rng);
        for (let q = 0; q < m; q++) batch[j * m + q] = members[picks[q]];
      } else {
        for (let q = 0; q < m; q++) batch[j * m + q] = members[this.rng.int(members.length)];
      }
    }
    this.batchInEpoch += 1;
    if (this.batchInEpoch === this.numBatches) {
      this.batchInEpoch = 0;
      this.epochIndex += 1;
    }
    return batch;
  }

  state(): MPerClassSamplerState {
    return {
      kind: 'm-per-class-sampler',
      rng: this.rng.state(),
      epoch: this.epochIndex,
      batchIndex: this.batchInEpoch,
      numSamples: this.numSamples,
      numClasses: this.classes.length,
      m: this.m,
      batchSize: this.batchSize,
      numBatches: this.numBatches,
    };
  }

  /**
   * Restores a state saved by a sampler built on the same labels and options; the sampler then
   * draws from a generator restored from the state.
   */
  loadState(state: MPerClassSamplerState): void {
    const kind: unknown = state !== null && typeof state === 'object' && 'kind' in state ? state.kind : undefined;
    if (kind !== 'm-per-class-sampler') {
      throw invalidArgument(
        `Argument \`state\` must be a state saved by MPerClassSampler.state(). Received: kind=${String(kind)}`,
      );
    }
    const own = this.state();
    for (const key of ['numSamples', 'numClasses', 'm', 'batchSize', 'numBatches'] as const) {
      if (state[key] !== own[key]) {
        throw invalidArgument(
          `Argument \`state\` was saved by a sampler with ${key}=${String(state[key])}, but this one has ${key}=${own[key]}: resume with the same labels and options`,
        );
      }
    }
    if (!(Number.isInteger(state.epoch) && state.epoch >= 0)) {
      throw invalidArgument(
        `Field \`state.epoch\` must be an integer >= 0. Received: state.epoch=${String(state.epoch)}`,
      );
    }
    if (!(Number.isInteger(state.batchIndex) && state.batchIndex >= 0 && state.batchIndex < this.numBatches)) {
      throw invalidArgument(
        `Field \`state.batchIndex\` must be an integer in [0, ${this.numBatches}). Received: state.batchIndex=${String(state.batchIndex)}`,
      );
    }
    const words = state.rng;
    if (!(
      Array.isArray(words) &&
      words.length === 4 &&
      words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
    )) {
      throw invalidArgument(
        `Field \`state.rng\` must be 4 unsigned 32-bit integers. Received: state.rng=${JSON.stringify(words)}`,
      );
    }
    this.rng = Random.fromState(words);
    this.epochIndex = state.epoch;
    this.batchInEpoch = state.batchIndex;
  }
}

/** Row indices per label, labels in order of first appearance (PML's `get_labels_to_indices`). */
function groupByClass(labels: Int32Array): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]);
    if (members === undefined) byClass.set(labels[i], [i]);
    else members.push(i);
  }
  return byClass;
}

function checkClassSizes(
  classes: Int32Array,
  classIndices: Int32Array[],
  source: string,
  classNames: readonly string[],
): void {
  const name = (label: number) =>
    classNames[label] === undefined ? String(label) : `${label} (${JSON.stringify(classNames[label])})`;
  if (classes.length < 2) {
    throw invalidInput(
      source,
      `has ${classes.length} class${classes.length === 1 ? '' : 'es'} (${classes.length === 0 ? 'no samples' : `class ${name(classes[0])}`}): metric learning needs at least 2 classes, so that a batch has negatives`,
    );
  }
  const singles = classes.filter((_c, i) => classIndices[i].length === 1);
  if (singles.length > 0) {
    const shown = Array.from(singles.slice(0, 10), name).join(', ');
    const more = singles.length > 10 ? ` and ${singles.length - 10} more` : '';
    throw invalidInput(
      source,
      `class ${name(singles[0])} has 1 sample (row ${classIndices[classes.indexOf(singles[0])][0]})${singles.length > 1 ? ` (${singles.length} classes have 1 sample: ${shown}${more})` : ''}; MPerClassSampler needs at least 2 samples per class, because a class with one sample has no positive pair. Remove ${singles.length > 1 ? 'these classes' : 'this class'} or add samples`,
    );
  }
}
