import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { gatherFlat } from '../ops/gather-flat.js';
import { checkNumber } from '../validation.js';
import { BaseMiner, isPairIndices, isTripletIndices, type PairIndices, type TripletIndices } from '../miners/index.js';
import type { BaseMetricLossFunction } from './base-metric-loss-function.js';
import { CircleLoss } from './circle-loss.js';
import { ContrastiveLoss } from './contrastive-loss.js';
import { allPairIndices, convertToPairs } from './convert-to-pairs.js';
import { pairsToTriplets } from './convert-to-triplets.js';
import { MarginLoss } from './margin-loss.js';
import { mineAgainstMemory } from './mine-against-memory.js';
import { MultiSimilarityLoss } from './multi-similarity-loss.js';
import { NTXentLoss } from './ntxent-loss.js';
import { SupConLoss } from './sup-con-loss.js';
import { TripletMarginLoss } from './triplet-margin-loss.js';

export interface CrossBatchMemoryOptions {
  /** The loss computed between the batch and the memory. Required. */
  loss: BaseMetricLossFunction<unknown>;
  /** The width of the embeddings. Required. */
  embeddingSize: number;
  /** Rows the memory holds. Default 1024. */
  memorySize?: number;
  /** Mines the batch against the memory (TripletMarginMiner, MultiSimilarityMiner, PairMarginMiner). Default none: every pair. */
  miner?: BaseMiner | null;
}

/** What the last `CrossBatchMemory.compute` did. */
export interface CrossBatchMemoryStats {
  /** Where the next batch will be written. */
  queueIdx: number;
  hasBeenFilled: boolean;
  /** Rows of the memory the batch was compared with. */
  memoryRowsUsed: number;
  /** The tuple handed to the loss, after the self-comparisons were removed: triplets, or pairs. */
  numTriplets?: number;
  numPosPairs?: number;
  numNegPairs?: number;
}

/** The losses PML's CrossBatchMemory supports that deepmetric has. */
const SUPPORTED = [
  TripletMarginLoss,
  ContrastiveLoss,
  MultiSimilarityLoss,
  NTXentLoss,
  SupConLoss,
  CircleLoss,
  MarginLoss,
] as const;

const OPTION_KEYS = ['loss', 'embeddingSize', 'memorySize', 'miner'] as const;

/**
 * Cross-batch memory (Wang et al. 2020), exactly as pytorch-metric-learning's `CrossBatchMemory`:
 * a queue of the last `memorySize` embeddings (detached copies) and labels, against which each
 * batch's loss is computed, so every step sees many more negatives than one batch holds.
 *
 * Per `compute(embeddings, labels)`, as PML's forward:
 * 1. the batch is written into the queue at `queueIdx` (wrapping around); `hasBeenFilled`
 *    turns true when the index wraps, which a batch exactly as large as the memory does;
 * 2. the memory used is its filled part until it has been filled, then all of it;
 * 3. the tuple is the miner's, mined between the batch and the memory, or every pair;
 * 4. self-comparisons — a row paired as a positive with its own copy in the memory — are
 *    removed (with PML's index arithmetic, which keeps them for a batch of one row);
 * 5. `indices`, if given, are appended (their positives and negatives index the memory);
 * 6. the loss is computed with the batch as anchors and the memory as the reference.
 *
 * The gradient flows through the batch as anchors only, not through its copy in the memory. With
 * `enqueueMask`, only the rows it marks go into the memory and only the others are anchors (no
 * self-comparison is removed); it excludes `indices`.
 *
 * Options (PML's names and defaults): `loss` (TripletMarginLoss without swap, ContrastiveLoss,
 * MultiSimilarityLoss, NTXentLoss, SupConLoss, CircleLoss or MarginLoss), `embeddingSize`,
 * `memorySize = 1024`, `miner` (TripletMarginMiner, MultiSimilarityMiner or PairMarginMiner).
 *
 * @example
 * const memory = new dm.CrossBatchMemory({ loss: new dm.ContrastiveLoss(), embeddingSize: 128, memorySize: 4096,
 *   miner: new dm.MultiSimilarityMiner({ epsilon: 0.1 }) });
 * optimizer.minimize(() => memory.compute(model.apply(x) as dm.tf.Tensor2D, labels));
 * memory.lastStats; // { queueIdx, hasBeenFilled, memoryRowsUsed, numPosPairs, numNegPairs }
 */
export class CrossBatchMemory {
  readonly loss: BaseMetricLossFunction<unknown>;
  readonly embeddingSize: number;
  readonly memorySize: number;
  readonly miner: BaseMiner | null;
  private embeddingMemory: Float32Array;
  private labelMemory: Int32Array;
  private queue = 0;
  private filled = false;
  private stats: CrossBatchMemoryStats | null = null;

  constructor(options: CrossBatchMemoryOptions) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`Argument \`options\` of CrossBatchMemory must be an object. Received: ${String(options)}`);
    }
    const unknown = Object.keys(options).filter((key) => !(OPTION_KEYS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw invalidArgument(
        `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')} for CrossBatchMemory. Allowed: ${OPTION_KEYS.join(', ')}`,
      );
    }
    const loss: unknown = options.loss;
    if (!SUPPORTED.some((cls) => loss instanceof cls)) {
      const received = loss !== null && typeof loss === 'object' ? loss.constructor.name : String(loss);
      throw invalidArgument(
        `Option \`loss\` of CrossBatchMemory must be one of ${SUPPORTED.map((c) => c.name).join(', ')} (PML's supported losses). Received: loss=${received}`,
      );
    }
    if (loss instanceof TripletMarginLoss && loss.swap) {
      throw invalidArgument(
        'Option `loss` of CrossBatchMemory must not be a TripletMarginLoss with swap: PML indexes the batch x memory matrix with memory rows there. Received: swap=true',
      );
    }
    this.loss = options.loss;
    this.embeddingSize = checkNumber('embeddingSize', options.embeddingSize, { integer: true, min: 1 });
    this.memorySize = checkNumber('memorySize', options.memorySize ?? 1024, { integer: true, min: 1 });
    this.miner = options.miner ?? null;
    if (this.miner !== null && !(this.miner instanceof BaseMiner)) {
      throw invalidArgument(
        `Option \`miner\` of CrossBatchMemory must be a miner. Received: miner=${String(this.miner)}`,
      );
    }
    this.embeddingMemory = new Float32Array(this.memorySize * this.embeddingSize);
    this.labelMemory = new Int32Array(this.memorySize);
  }

  /** Where the next batch will be written (PML's `queue_idx`). */
  get queueIdx(): number {
    return this.queue;
  }

  /** True once the queue has wrapped around (PML's `has_been_filled`). */
  get hasBeenFilled(): boolean {
    return this.filled;
  }

  /** What the last `compute` did, or null before the first. */
  get lastStats(): CrossBatchMemoryStats | null {
    return this.stats;
  }

  /** The inner loss's trainable parameters (e.g. MarginLoss's learned beta). */
  trainableWeights(): tf.Variable[] {
    return this.loss.trainableWeights();
  }

  /** Empties the memory (PML's `reset_queue`). */
  resetQueue(): void {
    this.embeddingMemory.fill(0);
    this.labelMemory.fill(0);
    this.queue = 0;
    this.filled = false;
  }

  /** The loss of a batch against the memory, after the batch has been added to it (see the class). */
  compute(
    embeddings: tf.Tensor2D,
    labels: Int32Array | number[],
    indices?: TripletIndices | PairIndices | null,
    enqueueMask?: ArrayLike<boolean> | null,
  ): tf.Scalar {
    checkEmbeddings(embeddings);
    const [b, d] = embeddings.shape;
    if (d !== this.embeddingSize) {
      throw invalidArgument(
        `Argument \`embeddings\` must have ${this.embeddingSize} columns (embeddingSize). Received: ${d}`,
      );
    }
    const checkedLabels = checkLabels(labels, b);
    const mask = enqueueMask ?? null;
    const tuple = indices ?? null;
    if (mask !== null && tuple !== null) {
      throw invalidArgument(
        'Arguments `indices` and `enqueueMask` of CrossBatchMemory.compute are mutually exclusive (as in PML)',
      );
    }
    const queued: number[] = [];
    const queries: number[] = [];
    if (mask === null) {
      if (b > this.memorySize) {
        throw invalidArgument(
          `Argument \`embeddings\` must have at most memorySize=${this.memorySize} rows. Received: ${b} rows`,
        );
      }
      for (let i = 0; i < b; i++) (queued.push(i), queries.push(i));
    } else {
      if (mask.length !== b) {
        throw invalidArgument(
          `Argument \`enqueueMask\` must have one entry per embedding row (${b}). Received: ${mask.length} entries`,
        );
      }
      for (let i = 0; i < b; i++) (mask[i] ? queued : queries).push(i);
      if (queries.length === 0)
        throw invalidArgument(
          'Argument `enqueueMask` must leave at least one row out of the memory: those rows are the anchors',
        );
    }
    const batchIdx = this.addToMemory(embeddings.dataSync() as Float32Array, checkedLabels, queued);
    const rows = this.filled ? this.memorySize : this.queue;
    const memoryLabels = this.labelMemory.slice(0, rows);
    const queryLabels = mask === null ? checkedLabels : Int32Array.from(queries, (i) => checkedLabels[i]);
    let stats: CrossBatchMemoryStats | null = null;
    const loss = tf.tidy(() => {
      const memory = tf.tensor2d(this.embeddingMemory.subarray(0, rows * d), [rows, d]);
      const query = mask === null ? embeddings : gatherRows(embeddings, queries);
      let mined =
        this.miner === null
          ? allPairIndices(queryLabels, memoryLabels)
          : mineAgainstMemory(this.miner, query, queryLabels, memory, memoryLabels);
      if (mask === null) mined = removeSelfComparisons(mined, batchIdx, this.memorySize);
      if (tuple !== null) mined = concatenate(mined, tuple, queryLabels.length);
      stats = {
        queueIdx: this.queue,
        hasBeenFilled: this.filled,
        memoryRowsUsed: rows,
        ...(isTripletIndices(mined)
          ? { numTriplets: mined.anchors.length }
          : { numPosPairs: mined.a1.length, numNegPairs: mined.a2.length }),
      };
      return this.loss.compute(query, queryLabels, mined, { embeddings: memory, labels: memoryLabels });
    });
    this.stats = stats;
    return loss;
  }

  /** Writes the rows `queued` of the batch at the queue index; returns the memory rows written (PML's `curr_batch_idx`). */
  private addToMemory(values: Float32Array, labels: Int32Array, queued: number[]): Int32Array {
    const d = this.embeddingSize;
    const written = new Int32Array(queued.length);
    queued.forEach((row, k) => {
      const slot = (this.queue + k) % this.memorySize;
      written[k] = slot;
      this.embeddingMemory.set(values.subarray(row * d, (row + 1) * d), slot * d);
      this.labelMemory[slot] = labels[row];
    });
    const previous = this.queue;
    this.queue = (this.queue + queued.length) % this.memorySize;
    if (!this.filled && this.queue <= previous) this.filled = true;
    return written;
  }
}

/** Rows of a matrix, differentiable (gatherFlat's scatter gradient, which the wasm backend has). */
function gatherRows(x: tf.Tensor2D, rows: number[]): tf.Tensor2D {
  const d = x.shape[1];
  const positions = new Int32Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let k = 0; k < d; k++) positions[i * d + k] = r * d + k;
  });
  return tf.reshape(gatherFlat(x, positions), [rows.length, d]);
}

/**
 * Drops the positive pairs (a, p) whose p is a's own copy in the memory, with PML's
 * `not_self_comparisons` arithmetic: p is taken back to a batch row as `p - s`, plus the memory
 * size when the batch wrapped around (`e <= s`) and `p - s <= e - s`.
 */
function removeSelfComparisons(
  tuple: TripletIndices | PairIndices,
  batchIdx: Int32Array,
  memorySize: number,
): TripletIndices | PairIndices {
  if (batchIdx.length === 0) return tuple;
  const s = batchIdx[0];
  const e = batchIdx[batchIdx.length - 1];
  const inBatch = new Uint8Array(memorySize);
  for (const i of batchIdx) inBatch[i] = 1;
  const anchors = isTripletIndices(tuple) ? tuple.anchors : tuple.a1;
  const positives = isTripletIndices(tuple) ? tuple.positives : tuple.p;
  const keep: number[] = [];
  for (let k = 0; k < anchors.length; k++) {
    const p = positives[k];
    let self = false;
    if (inBatch[p] === 1) {
      let pc = p - s;
      if (e <= s && pc <= e - s) pc += memorySize;
      self = anchors[k] === pc;
    }
    if (!self) keep.push(k);
  }
  const pick = (a: Int32Array) => Int32Array.from(keep, (k) => a[k]);
  return isTripletIndices(tuple)
    ? { anchors: pick(tuple.anchors), positives: pick(tuple.positives), negatives: pick(tuple.negatives) }
    : { a1: pick(tuple.a1), p: pick(tuple.p), a2: tuple.a2, n: tuple.n };
}

/** PML's `concatenate_indices_tuples` after converting `extra` to the mined tuple's kind. */
function concatenate(
  mined: TripletIndices | PairIndices,
  extra: TripletIndices | PairIndices,
  numRows: number,
): TripletIndices | PairIndices {
  const cat = (x: Int32Array, y: Int32Array) => {
    const out = new Int32Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  if (isPairIndices(mined)) {
    const pairs = convertToPairs(new Int32Array(numRows), extra);
    return {
      a1: cat(mined.a1, pairs.a1),
      p: cat(mined.p, pairs.p),
      a2: cat(mined.a2, pairs.a2),
      n: cat(mined.n, pairs.n),
    };
  }
  const triplets = isTripletIndices(extra) ? extra : pairsToTriplets(extra, numRows);
  return {
    anchors: cat(mined.anchors, triplets.anchors),
    positives: cat(mined.positives, triplets.positives),
    negatives: cat(mined.negatives, triplets.negatives),
  };
}
