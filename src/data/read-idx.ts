import { invalidInput } from '../errors.js';
import { IDX_DTYPES, hex, type IdxData, type IdxDtype } from './idx-dtype.js';
import { readFileBytes } from './read-file-bytes.js';

/** The contents of an IDX file: its element type, its dimensions and its values in row-major order. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

/**
 * Reads an IDX file, the format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte`), gzipped
 * or not (gzip is recognised by its magic bytes). The layout: two zero bytes, a type byte (0x08
 * uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
 * dimensions, each dimension as a big-endian uint32, then the values, big-endian, row-major.
 *
 * Throws an `invalidInput` error naming the file and the byte offset for a missing file, a wrong
 * magic number, an unknown type, a truncated file or trailing bytes.
 *
 * @example
 * const { shape, data } = await readIdx('data/fashion-mnist/t10k-images-idx3-ubyte.gz');
 * // shape [2000, 28, 28], data a Uint8Array
 */
export async function readIdx(path: string): Promise<IdxArray> {
  return parseIdx(await readFileBytes(path, { gunzip: true }), path);
}

/** Parses the bytes of an (uncompressed) IDX file; `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw invalidInput(file, `is truncated at offset ${bytes.length}: an IDX header needs at least 4 bytes`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw invalidInput(
      file,
      `is not an IDX file: bytes 0-1 (offset 0) must be 0x0000, found ${hex((bytes[0] << 8) | bytes[1], 4)}`,
    );
  }
  const info = IDX_DTYPES.find((d) => d.code === bytes[2]);
  if (info === undefined) {
    const known = IDX_DTYPES.map((d) => `${hex(d.code)} ${d.dtype}`).join(', ');
    throw invalidInput(file, `byte 2 (offset 2, the IDX type) is ${hex(bytes[2])}; expected one of ${known}`);
  }
  const rank = bytes[3];
  if (rank === 0) {
    throw invalidInput(file, 'byte 3 (offset 3, the number of dimensions) is 0; expected at least 1');
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw invalidInput(
      file,
      `is truncated at offset ${bytes.length}: the header of a ${rank}-D IDX file needs ${headerBytes} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * info.bytes;
  const what = `a [${shape.join(', ')}] ${info.dtype} IDX file needs ${headerBytes} + ${count * info.bytes} = ${expected} bytes`;
  if (bytes.length < expected) {
    throw invalidInput(file, `is truncated at offset ${bytes.length}: ${what}`);
  }
  if (bytes.length > expected) {
    throw invalidInput(file, `has ${bytes.length - expected} unexpected bytes after offset ${expected}: ${what}`);
  }
  return { dtype: info.dtype, shape, data: decode(view, headerBytes, count, info.dtype) };
}

function decode(view: DataView, offset: number, count: number, dtype: IdxDtype): IdxData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
    default: {
      const never: never = dtype;
      throw new Error(`unreachable IDX dtype ${String(never)}`);
    }
  }
}
