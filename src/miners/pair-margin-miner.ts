import { tf } from '../tf.js';
import { checkEmbeddings, checkLabels } from '../checks.js';
import { invalidArgument } from '../errors.js';
import type { BaseDistance } from '../distances/base-distance.js';
import { LpDistance } from '../distances/lp-distance.js';
import { noGradient } from '../ops/no-gradient.js';
import { BaseMiner, type MiningBatch } from './base-miner.js';
import type { PairIndices } from './indices.js';
import { IntList } from './int-list.js';
import { minerStats } from './miner-stats.js';

export interface PairMarginMinerOptions {
  /** Positive pairs farther apart than this (less similar, for a similarity) are kept. Default 0.2. */
  posMargin?: number;
  /** Negative pairs closer than this (more similar, for a similarity) are kept. Default 0.8. */
  negMargin?: number;
  /** Default `new LpDistance()` (Euclidean on L2-normalized rows). */
  distance?: BaseDistance;
}

/**
 * Keeps the pairs that violate their margin, as PML's PairMarginMiner: of every positive pair
 * (same label, not the same row) those with `d(a, p) > posMargin`, and of every negative pair
 * those with `d(a, n) < negMargin` (for a similarity, `s(a, p) < posMargin` and
 * `s(a, n) > negMargin`). Comparisons are float32, as in PML; NaN fails them. Pairs come out in
 * row-major order of (anchor, other).
 *
 * `mineAgainst` mines a batch against a reference set (PML's `ref_emb`), as CrossBatchMemory does
 * with its memory: there a row's copy in the reference counts as one of its positives.
 *
 * Options (PML's names and defaults): `posMargin = 0.2`, `negMargin = 0.8`,
 * `distance = new LpDistance()`.
 *
 * @example
 * const miner = new dm.PairMarginMiner({ posMargin: 0.2, negMargin: 0.8 });
 * const pairs = miner.mine(embeddings, labels);          // { a1, p, a2, n }
 * const loss = new dm.ContrastiveLoss().compute(embeddings, labels, pairs);
 */
export class PairMarginMiner extends BaseMiner<PairIndices> {
  readonly posMargin: number;
  readonly negMargin: number;

  constructor(options: PairMarginMinerOptions = {}) {
    super(options.distance, () => new LpDistance());
    this.posMargin = options.posMargin ?? 0.2;
    this.negMargin = options.negMargin ?? 0.8;
    for (const key of ['posMargin', 'negMargin'] as const) {
      if (typeof this[key] !== 'number' || !Number.isFinite(this[key])) {
        throw invalidArgument(`Option \`${key}\` must be a finite number. Received: ${key}=${String(options[key])}`);
      }
    }
  }

  /**
   * The pairs between the rows of `embeddings` (anchors) and those of `ref`, with `refLabels`;
   * indices are rows of `embeddings` (a1, a2) and of `ref` (p, n). Sets `lastStats`.
   */
  mineAgainst(
    embeddings: tf.Tensor2D,
    labels: Int32Array | number[],
    ref: tf.Tensor2D,
    refLabels: Int32Array | number[],
  ): PairIndices {
    checkEmbeddings(embeddings);
    checkEmbeddings(ref, 'ref');
    const n = embeddings.shape[0];
    const m = ref.shape[0];
    const rowLabels = checkLabels(labels, n);
    const colLabels = checkLabels(refLabels, m, 'refLabels');
    const mat = tf.tidy(() =>
      noGradient((x, y) => this.distance.pairwise(x as tf.Tensor2D, y as tf.Tensor2D), embeddings, ref),
    );
    let matrix: Float32Array;
    try {
      matrix = mat.dataSync() as Float32Array;
    } finally {
      mat.dispose();
    }
    const output = this.select(matrix, rowLabels, colLabels, false);
    this.lastStats = { ...minerStats(output, matrix, m, this.distance.isInverted), batchSize: n };
    return output;
  }

  protected mineBatch({ matrix, labels }: MiningBatch): PairIndices {
    return this.select(matrix, labels, labels, true);
  }

  private select(matrix: Float32Array, rowLabels: Int32Array, colLabels: Int32Array, self: boolean): PairIndices {
    // PML compares a float32 tensor with a Python float, which torch does in float32.
    const posMargin = Math.fround(this.posMargin);
    const negMargin = Math.fround(this.negMargin);
    const inverted = this.distance.isInverted;
    const m = colLabels.length;
    const a1 = new IntList();
    const p = new IntList();
    const a2 = new IntList();
    const n = new IntList();
    for (let i = 0; i < rowLabels.length; i++) {
      for (let j = 0; j < m; j++) {
        const v = matrix[i * m + j];
        if (rowLabels[i] !== colLabels[j]) {
          if (inverted ? v > negMargin : v < negMargin) {
            a2.push(i);
            n.push(j);
          }
        } else if (!(self && i === j) && (inverted ? v < posMargin : v > posMargin)) {
          a1.push(i);
          p.push(j);
        }
      }
    }
    return { a1: a1.toArray(), p: p.toArray(), a2: a2.toArray(), n: n.toArray() };
  }
}
