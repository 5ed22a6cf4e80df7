import { invalidArgument } from './errors.js';

/** The full state of a `Random`, as plain numbers: save it in a checkpoint, restore it with `Random.fromState`. */
export type RandomState = [number, number, number, number];

/**
 * A seeded pseudo-random generator (xoshiro128**), so that sampling and mining are reproducible
 * and a resumed run draws exactly what an uninterrupted one would. Never global: every sampler
 * or miner that draws takes its own.
 *
 * @example
 * const rng = new Random(42);
 * rng.int(10);        // an integer in [0, 10)
 * rng.shuffle(array); // in place
 */
export class Random {
  private s: Uint32Array;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw invalidArgument(`Argument \`seed\` must be an integer. Received: seed=${String(seed)}`);
    }
    // splitmix32 spreads any integer seed over the 128 bits of state.
    let x = seed >>> 0;
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  static fromState(state: RandomState): Random {
    const r = new Random(0);
    r.s = Uint32Array.from(state);
    return r;
  }

  /** Continues from a saved state in place, so every holder of this generator resumes together. */
  setState(state: RandomState): void {
    if (!(
      Array.isArray(state) &&
      state.length === 4 &&
      state.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)
    )) {
      throw invalidArgument(
        `Argument \`state\` must be four unsigned 32-bit integers from state(). Received: ${JSON.stringify(state)}`,
      );
    }
    this.s = Uint32Array.from(state);
  }

  state(): RandomState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 4294967296)) {
      throw invalidArgument(`Argument \`n\` must be an integer in [1, 2^32]. Received: n=${String(n)}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T, A extends { length: number; [i: number]: T }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    let u = this.float();
    while (u === 0) u = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
