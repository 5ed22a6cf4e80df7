import type { NpyData } from './npy-dtype.js';

/**
 * A named array read from a file of arrays (`.npy`, `.npz`, safetensors): its element type as the
 * file names it (`float16`, `bfloat16`, `int64`, ...), its shape, its values in row-major order
 * (half floats widened to a Float32Array, 64-bit integers as BigInt arrays).
 */
export interface TensorArray {
  dtype: string;
  shape: number[];
  data: NpyData;
}
