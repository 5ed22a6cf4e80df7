import { tf } from '../../src/tf.js';
import type { BaseDistance } from '../../src/distances/index.js';
import type { Random } from '../../src/random.js';
import type { TripletIndices } from '../../src/miners/index.js';
import { matrix } from './tensors.js';

export interface Batch {
  data: number[][];
  labels: number[];
}

/** Random normal rows (exact float32 values) with labels drawn from `classes`. */
export function randomBatch(rng: Random, n: number, dim: number, classes: number): Batch {
  const data = Array.from({ length: n }, () => Array.from({ length: dim }, () => Math.fround(rng.normal())));
  const labels = Array.from({ length: n }, () => rng.int(classes));
  return { data, labels };
}

/** The distance's float32 matrix as rows: a reference that draws must draw on the very distances the miner saw. */
export function matrixRows(distance: BaseDistance, data: number[][]): number[][] {
  const x = matrix(data);
  const mat = distance.pairwise(x);
  const values = Array.from(mat.dataSync());
  tf.dispose([x, mat]);
  return data.map((_, i) => values.slice(i * data.length, (i + 1) * data.length));
}

/** Triplets as [a, p, n] tuples. */
export function tripletTuples(t: TripletIndices): number[][] {
  return Array.from(t.anchors, (a, k) => [a, t.positives[k], t.negatives[k]]);
}
