import { invalidArgument } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';
import { nodeModule } from '../io/node-module.js';
import { IDX_DTYPES, type IdxDtype } from './idx-dtype.js';

/** Options of `writeIdx`. */
export interface WriteIdxOptions {
  /** zlib level used when `path` ends in `.gz` (fixed, so the same data gives the same bytes). Default 9. */
  gzipLevel?: number;
}

/**
 * Writes an IDX file (the MNIST layout read by `readIdx`), gzipped when `path` ends in `.gz`,
 * atomically. Values are stored big-endian in the given `dtype`; each must be representable in it
 * (integers in range for the integer types).
 *
 * @example
 * await writeIdx('labels-idx1-ubyte.gz', new Uint8Array([3, 1, 4]), [3], 'uint8');
 */
export async function writeIdx(
  path: string,
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: IdxDtype,
  options: WriteIdxOptions = {},
): Promise<void> {
  const bytes = encodeIdx(data, shape, dtype);
  const level = options.gzipLevel ?? 9;
  if (!(Number.isInteger(level) && level >= 0 && level <= 9)) {
    throw invalidArgument(`Argument \`gzipLevel\` must be an integer in [0, 9]. Received: gzipLevel=${String(level)}`);
  }
  await writeFileAtomic(path, path.endsWith('.gz') ? nodeModule('node:zlib').gzipSync(bytes, { level }) : bytes);
}

/** The bytes of an uncompressed IDX file holding `data` with `shape` as `dtype`. */
export function encodeIdx(data: ArrayLike<number>, shape: readonly number[], dtype: IdxDtype): Uint8Array {
  const info = IDX_DTYPES.find((d) => d.dtype === dtype);
  if (info === undefined) {
    const known = IDX_DTYPES.map((d) => d.dtype).join(', ');
    throw invalidArgument(`Argument \`dtype\` must be one of ${known}. Received: dtype=${String(dtype)}`);
  }
  if (shape.length === 0 || shape.length > 255 || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 0xffffffff)) {
    throw invalidArgument(
      `Argument \`shape\` must have 1 to 255 non-negative 32-bit integer dimensions. Received: shape=[${shape.join(', ')}]`,
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw invalidArgument(
      `Argument \`data\` must hold prod(shape) = ${count} values for shape [${shape.join(', ')}]. Received: ${data.length} values`,
    );
  }
  const header = 4 + 4 * shape.length;
  const bytes = new Uint8Array(header + count * info.bytes);
  const view = new DataView(bytes.buffer);
  bytes[2] = info.code;
  bytes[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const range = INTEGER_RANGES[dtype];
  for (let i = 0; i < count; i++) {
    const v = data[i];
    if (range !== undefined && !(Number.isInteger(v) && v >= range[0] && v <= range[1])) {
      throw invalidArgument(
        `Argument \`data\` must hold integers in [${range[0]}, ${range[1]}] for dtype ${dtype}. Received: data[${i}]=${v}`,
      );
    }
    const at = header + i * info.bytes;
    switch (dtype) {
      case 'uint8':
        view.setUint8(at, v);
        break;
      case 'int8':
        view.setInt8(at, v);
        break;
      case 'int16':
        view.setInt16(at, v, false);
        break;
      case 'int32':
        view.setInt32(at, v, false);
        break;
      case 'float32':
        view.setFloat32(at, v, false);
        break;
      case 'float64':
        view.setFloat64(at, v, false);
        break;
      default: {
        const never: never = dtype;
        throw new Error(`unreachable IDX dtype ${String(never)}`);
      }
    }
  }
  return bytes;
}

const INTEGER_RANGES: Partial<Record<IdxDtype, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};
