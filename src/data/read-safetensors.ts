import { invalidInput } from '../errors.js';
import { bfloat16ToFloat, halfToFloat } from './half-float.js';
import type { NpyData } from './npy-dtype.js';
import { readFileBytes } from './read-file-bytes.js';
import type { TensorArray } from './tensor-array.js';

/** safetensors' element types: bytes per element and how to read one little-endian value. */
const DTYPES: Record<string, { bytes: number; read: (view: DataView, count: number) => NpyData }> = {
  F16: { bytes: 2, read: (v, n) => Float32Array.from({ length: n }, (_, i) => halfToFloat(v.getUint16(2 * i, true))) },
  BF16: { bytes: 2, read: (v, n) => Float32Array.from({ length: n }, (_, i) => bfloat16ToFloat(v.getUint16(2 * i, true))) },
  F32: { bytes: 4, read: (v, n) => Float32Array.from({ length: n }, (_, i) => v.getFloat32(4 * i, true)) },
  F64: { bytes: 8, read: (v, n) => Float64Array.from({ length: n }, (_, i) => v.getFloat64(8 * i, true)) },
  I8: { bytes: 1, read: (v, n) => Int8Array.from({ length: n }, (_, i) => v.getInt8(i)) },
  U8: { bytes: 1, read: (v, n) => Uint8Array.from({ length: n }, (_, i) => v.getUint8(i)) },
  BOOL: { bytes: 1, read: (v, n) => Uint8Array.from({ length: n }, (_, i) => v.getUint8(i)) },
  I16: { bytes: 2, read: (v, n) => Int16Array.from({ length: n }, (_, i) => v.getInt16(2 * i, true)) },
  I32: { bytes: 4, read: (v, n) => Int32Array.from({ length: n }, (_, i) => v.getInt32(4 * i, true)) },
  I64: { bytes: 8, read: (v, n) => BigInt64Array.from({ length: n }, (_, i) => v.getBigInt64(8 * i, true)) },
};

const NAMES: Record<string, string> = {
  F16: 'float16',
  BF16: 'bfloat16',
  F32: 'float32',
  F64: 'float64',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
  I16: 'int16',
  I32: 'int32',
  I64: 'int64',
};

/**
 * Reads a safetensors file (`safetensors.torch.save_file`, `save_model`): an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte range, then the bytes.
 * Every tensor comes back by name; the `__metadata__` entry is skipped.
 *
 * @example
 * const { embeddings, labels } = await readSafetensors('out.safetensors');
 */
export async function readSafetensors(path: string): Promise<Record<string, TensorArray>> {
  const bytes = await readFileBytes(path);
  if (bytes.length < 8) throw invalidInput(path, `is truncated at offset ${bytes.length}: a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) {
    throw invalidInput(path, `is not a safetensors file (or is truncated): its header length ${headerLength} runs past the end at ${bytes.length}`);
  }
  let header: Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (cause) {
    throw invalidInput(path, 'is not a safetensors file: its header is not JSON', cause);
  }
  const dataStart = 8 + headerLength;
  const tensors: Record<string, TensorArray> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry;
    const type = typeof dtype === 'string' ? DTYPES[dtype] : undefined;
    if (type === undefined) {
      throw invalidInput(path, `tensor '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPES).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) || !Array.isArray(offsets) || offsets.length !== 2) {
      throw invalidInput(path, `tensor '${name}' has no valid shape and data_offsets in the header`);
    }
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    const [begin, end] = offsets as number[];
    if (end - begin !== count * type.bytes || dataStart + end > bytes.length) {
      throw invalidInput(path, `tensor '${name}' ([${shape.join(', ')}] ${dtype}) needs ${count * type.bytes} bytes; its data_offsets [${begin}, ${end}] do not fit the file`);
    }
    const slice = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end)).buffer;
    tensors[name] = { dtype: NAMES[dtype as string], shape: shape as number[], data: type.read(new DataView(slice), count) };
  }
  return tensors;
}
