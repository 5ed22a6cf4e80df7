import { invalidInput } from '../errors.js';
import { NPY_DTYPES, NPY_MAGIC, npyDescr, type NpyData, type NpyDtype, type NpyDtypeInfo } from './npy-dtype.js';
import { halfToFloat } from './half-float.js';
import { readFileBytes } from './read-file-bytes.js';

/** The contents of a `.npy` file: element type, shape and values in row-major (C) order. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

/**
 * Reads a numpy `.npy` file (format versions 1.0, 2.0 and 3.0): the magic `\x93NUMPY`, the
 * version, the header length (uint16 little-endian in 1.0, uint32 after), a Python-literal header
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }`, then the raw values.
 *
 * Reads floats and integers in either byte order: float16 (mixed precision; widened to float32),
 * float32, float64, uint8, int8, int16, uint16, int32, uint32, int64, uint64 (64-bit integers come
 * back as BigInt arrays). A Fortran-ordered (column-major) array is reordered to C order, as
 * `np.ascontiguousarray` would. Object arrays, structured and other types are refused with an
 * error that says how to convert the array in numpy.
 *
 * @example
 * const { shape, data } = await readNpy('embeddings.npy'); // e.g. shape [1000, 64], Float32Array
 */
export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readFileBytes(path), path);
}

/** Parses the bytes of a `.npy` file; `file` names it in errors. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10) {
    throw invalidInput(file, `is truncated at offset ${bytes.length}: a .npy file starts with at least 10 header bytes`);
  }
  if (!NPY_MAGIC.every((b, i) => bytes[i] === b)) {
    const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw invalidInput(file, `is not a .npy file: bytes 0-5 (offset 0) must be 93 4e 55 4d 50 59 ("\\x93NUMPY"), found ${found}`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw invalidInput(file, `is truncated at offset ${bytes.length}: a version ${major} .npy header needs 12 bytes`);
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw invalidInput(file, `byte 6 (offset 6) holds .npy format version ${major}.${bytes[7]}; expected 1.0, 2.0 or 3.0`);
  }
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) {
    throw invalidInput(file, `is truncated at offset ${bytes.length}: its header says the data starts at offset ${dataStart}`);
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const { info, shape, fortran, bigEndian } = parseHeader(header, file, headerStart);
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataStart + count * info.bytes;
  const what = `a [${shape.join(', ')}] ${info.dtype} array needs ${count * info.bytes} data bytes from offset ${dataStart} (${expected} in all)`;
  if (bytes.length < expected) throw invalidInput(file, `is truncated at offset ${bytes.length}: ${what}`);
  if (bytes.length > expected) {
    throw invalidInput(file, `has ${bytes.length - expected} unexpected bytes after offset ${expected}: ${what}`);
  }
  // Copy into a fresh buffer: it is aligned for any typed array, and the file's bytes are not kept alive.
  const raw = new Uint8Array(bytes.subarray(dataStart, expected)).buffer;
  const data = decode(raw, info.dtype, !bigEndian);
  return { dtype: info.dtype, shape, data: fortran && shape.length > 1 ? toCOrder(data, shape) : data };
}

interface NpyHeader {
  info: NpyDtypeInfo;
  shape: number[];
  fortran: boolean;
  bigEndian: boolean;
}

function parseHeader(header: string, file: string, offset: number): NpyHeader {
  const where = `the .npy header at offset ${offset}`;
  const descrMatch = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(header);
  if (descrMatch === null) {
    if (/['"]descr['"]\s*:\s*\[/.test(header)) {
      throw invalidInput(file, `${where} describes a structured (record) array; save a plain numeric array instead`);
    }
    throw invalidInput(file, `${where} has no 'descr' entry: ${JSON.stringify(header.trim())}`);
  }
  const descr = descrMatch[2];
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  if (fortranMatch === null) {
    throw invalidInput(file, `${where} has no 'fortran_order' entry: ${JSON.stringify(header.trim())}`);
  }
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (shapeMatch === null) {
    throw invalidInput(file, `${where} has no 'shape' entry: ${JSON.stringify(header.trim())}`);
  }
  const parts = shapeMatch[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const shape = parts.map((s) => {
    const m = /^(\d+)L?$/.exec(s);
    if (m === null) throw invalidInput(file, `${where} has a shape entry that is not a dimension: '${s}'`);
    return Number(m[1]);
  });
  return { info: dtypeOf(descr, file), shape, fortran: fortranMatch[1] === 'True', bigEndian: descr[0] === '>' };
}

function dtypeOf(descr: string, file: string): NpyDtypeInfo {
  const supported = NPY_DTYPES.map((d) => `${d.dtype} ('${npyDescr(d)}')`).join(', ');
  const order = descr[0];
  const code = order === '<' || order === '>' || order === '|' || order === '=' ? descr.slice(1) : descr;
  if (code === 'O') {
    throw invalidInput(file, `holds an object array (dtype '${descr}', pickled Python objects), which cannot be read; save a numeric array`);
  }
  const info = NPY_DTYPES.find((d) => d.code === code);
  if (info === undefined) {
    throw invalidInput(file, `has dtype '${descr}', which is not supported; supported: ${supported}`);
  }
  return info;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The typed arrays that can view a file's bytes directly when its byte order is the host's. */
const VIEWS = {
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
} as const;

/** The values of `raw` in the file's byte order (`little`), as a typed array in the host's. */
function decode(raw: ArrayBuffer, dtype: NpyDtype, little: boolean): NpyData {
  // The file's bytes are already the host's numbers: view them (51 M floats in a fraction of a second).
  if (little === HOST_LITTLE_ENDIAN && dtype in VIEWS) return new VIEWS[dtype as keyof typeof VIEWS](raw);
  const count = (n: number): number => raw.byteLength / n;
  const view = new DataView(raw);
  // DataView reads either byte order on any host; the typed array is then filled in native order.
  switch (dtype) {
    case 'float16': {
      const out = new Float32Array(count(2));
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, little));
      return out;
    }
    case 'uint8':
      return new Uint8Array(raw);
    case 'int8':
      return new Int8Array(raw);
    case 'int16':
      return Int16Array.from({ length: count(2) }, (_, i) => view.getInt16(2 * i, little));
    case 'uint16':
      return Uint16Array.from({ length: count(2) }, (_, i) => view.getUint16(2 * i, little));
    case 'int32': {
      const out = new Int32Array(count(4));
      for (let i = 0; i < out.length; i++) out[i] = view.getInt32(4 * i, little);
      return out;
    }
    case 'uint32': {
      const out = new Uint32Array(count(4));
      for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, little);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count(4));
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, little);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count(8));
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, little);
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(count(8));
      for (let i = 0; i < out.length; i++) out[i] = view.getBigInt64(8 * i, little);
      return out;
    }
    case 'uint64': {
      const out = new BigUint64Array(count(8));
      for (let i = 0; i < out.length; i++) out[i] = view.getBigUint64(8 * i, little);
      return out;
    }
    default: {
      const never: never = dtype;
      throw new Error(`unreachable npy dtype ${String(never)}`);
    }
  }
}

/** A column-major array's values in row-major order (the same array, as np.ascontiguousarray gives it). */
function toCOrder<T extends NpyData>(data: T, shape: readonly number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const rank = shape.length;
  // Fortran strides: the first axis varies fastest.
  const fStride = new Array<number>(rank);
  let stride = 1;
  for (let k = 0; k < rank; k++) {
    fStride[k] = stride;
    stride *= shape[k];
  }
  const index = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = 0; k < rank; k++) f += index[k] * fStride[k];
    (out as unknown as ArrayLike<unknown> & { [i: number]: unknown })[c] = data[f];
    for (let k = rank - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}
