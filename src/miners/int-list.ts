/**
 * A growable list of 32-bit integers: miners do not know how many tuples they will emit until
 * they have scanned the batch, and a `number[]` of a million triplets costs 8x the memory.
 */
export class IntList {
  private data: Int32Array;
  /** Number of values pushed. */
  length = 0;

  constructor(capacity = 64) {
    this.data = new Int32Array(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  clear(): void {
    this.length = 0;
  }

  /** A copy holding exactly the pushed values. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}
