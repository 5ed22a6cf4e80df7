import { rowPriority } from './row-priority.js';

/** The rows a `PairReservoir` holds, in increasing global row order. */
export interface ReservoirRows {
  /** Global row index of each sampled row. */
  rows: Float64Array;
  /** Their embeddings, row-major (rows.length x dim). */
  data: Float32Array;
  /** Their labels; null when the rows have none. */
  labels: Int32Array | null;
}

/**
 * A seeded uniform sample of `capacity` rows of a stream, chosen by priority: every row gets the
 * key (rowPriority(seed, row), row), and the sample is the `capacity` rows with the smallest keys.
 * The key depends only on the seed and the global row index, so the sample of a set is the same
 * however it was cut into chunks or shards, and two reservoirs of disjoint rows merge into the
 * reservoir of their union. Memory: capacity x dim floats. A max-heap finds the largest key kept.
 *
 * @example
 * const sample = new PairReservoir(4096, 128, 0, true);
 * sample.add(chunk, rows, labels, firstRow); // for every chunk of every shard
 * sample.sorted().data;                      // <= 4096 x 128 rows, in row order
 */
export class PairReservoir {
  private size = 0;
  private readonly priorities: Uint32Array;
  private readonly rowIndex: Float64Array;
  private readonly data: Float32Array;
  private readonly labels: Int32Array | null;
  /** Heap of slots, largest key at the top. */
  private readonly heap: Int32Array;

  constructor(
    readonly capacity: number,
    readonly dim: number,
    readonly seed: number,
    withLabels: boolean,
  ) {
    this.priorities = new Uint32Array(capacity);
    this.rowIndex = new Float64Array(capacity);
    this.data = new Float32Array(capacity * dim);
    this.labels = withLabels ? new Int32Array(capacity) : null;
    this.heap = new Int32Array(capacity);
  }

  /** Rows held (at most `capacity`). */
  get length(): number {
    return this.size;
  }

  /** Offers rows firstRow .. firstRow + rows - 1 of the stream (`data` rows x dim, `labels` one per row or null). */
  add(data: Float32Array, rows: number, labels: ArrayLike<number> | null, firstRow: number): void {
    const { dim } = this;
    for (let r = 0; r < rows; r++) {
      const row = firstRow + r;
      this.offer(rowPriority(this.seed, row), row, data, r * dim, labels === null ? 0 : labels[r]);
    }
  }

  /** Adds every row another reservoir (of other rows, same seed, dim and capacity) holds. */
  merge(other: PairReservoir): void {
    for (let s = 0; s < other.size; s++) {
      const slot = other.heap[s];
      const label = other.labels === null ? 0 : other.labels[slot];
      this.offer(other.priorities[slot], other.rowIndex[slot], other.data, slot * this.dim, label);
    }
  }

  /** The rows held, in increasing row order (the order the pair statistics read them in). */
  sorted(): ReservoirRows {
    const { dim } = this;
    const slots = Array.from(this.heap.subarray(0, this.size)).sort((a, b) => this.rowIndex[a] - this.rowIndex[b]);
    const rows = Float64Array.from(slots, (s) => this.rowIndex[s]);
    const data = new Float32Array(slots.length * dim);
    slots.forEach((s, i) => data.set(this.data.subarray(s * dim, (s + 1) * dim), i * dim));
    const labels = this.labels === null ? null : Int32Array.from(slots, (s) => (this.labels as Int32Array)[s]);
    return { rows, data, labels };
  }

  private offer(priority: number, row: number, source: Float32Array, offset: number, label: number): void {
    let slot: number;
    if (this.size < this.capacity) {
      slot = this.size;
      this.heap[this.size++] = slot;
      this.write(slot, priority, row, source, offset, label);
      this.siftUp(this.size - 1);
      return;
    }
    slot = this.heap[0];
    if (!this.less(priority, row, this.priorities[slot], this.rowIndex[slot])) return;
    this.write(slot, priority, row, source, offset, label);
    this.siftDown(0);
  }

  private write(
    slot: number,
    priority: number,
    row: number,
    source: Float32Array,
    offset: number,
    label: number,
  ): void {
    this.priorities[slot] = priority;
    this.rowIndex[slot] = row;
    this.data.set(source.subarray(offset, offset + this.dim), slot * this.dim);
    if (this.labels !== null) this.labels[slot] = label;
  }

  private less(p: number, row: number, q: number, other: number): boolean {
    return p < q || (p === q && row < other);
  }

  /** Slot a's key is above slot b's. */
  private above(a: number, b: number): boolean {
    return this.less(this.priorities[b], this.rowIndex[b], this.priorities[a], this.rowIndex[a]);
  }

  private siftUp(i: number): void {
    const { heap } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(heap[i], heap[parent])) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const { heap, size } = this;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.above(heap[right], heap[left]) ? right : left;
      if (!this.above(heap[child], heap[i])) return;
      [heap[i], heap[child]] = [heap[child], heap[i]];
      i = child;
    }
  }
}
