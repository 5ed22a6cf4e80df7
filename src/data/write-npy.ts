import { invalidArgument } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';
import { NPY_DTYPES, NPY_MAGIC, npyDescr } from './npy-dtype.js';

/** The element types `writeNpy` writes. */
export type WriteNpyDtype = 'float32' | 'float64' | 'int32' | 'uint8';

/**
 * Writes `data` as a numpy `.npy` file (format 1.0, little-endian, C order), atomically, so numpy
 * reads it with `np.load(path)`. The header is the Python literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }`, padded with spaces and ended by a
 * newline so that the data starts at a multiple of 64 bytes, as numpy writes it.
 *
 * @example
 * await writeNpy('embeddings.npy', embeddings, [n, 64], 'float32');
 * await writeNpy('labels.npy', labels, [n], 'int32');
 */
export async function writeNpy(
  path: string,
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: WriteNpyDtype,
): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape, dtype));
}

/** The bytes of a `.npy` file holding `data` with `shape` as `dtype`. */
export function encodeNpy(data: ArrayLike<number>, shape: readonly number[], dtype: WriteNpyDtype): Uint8Array {
  const info = NPY_DTYPES.find((d) => d.dtype === dtype);
  if (info === undefined || !WRITABLE.includes(dtype)) {
    throw invalidArgument(`Argument \`dtype\` must be one of ${WRITABLE.join(', ')}. Received: dtype=${String(dtype)}`);
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw invalidArgument(`Argument \`shape\` must be a list of non-negative integers. Received: shape=[${String(shape)}]`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw invalidArgument(
      `Argument \`data\` must hold prod(shape) = ${count} values for shape [${shape.join(', ')}]. Received: ${data.length} values`,
    );
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${npyDescr(info)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Magic (6) + version (2) + length (2) + header + '\n' is padded with spaces to a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 0xffff) {
    throw invalidArgument(`Argument \`shape\` has too many dimensions for a .npy 1.0 header. Received: ${shape.length} dimensions`);
  }
  const start = 10 + header.length;
  const bytes = new Uint8Array(start + count * info.bytes);
  bytes.set(NPY_MAGIC, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  for (let i = 0; i < count; i++) {
    const v = data[i];
    const at = start + i * info.bytes;
    switch (dtype) {
      case 'float32':
        view.setFloat32(at, v, true);
        break;
      case 'float64':
        view.setFloat64(at, v, true);
        break;
      case 'int32':
        if (!(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) {
          throw invalidArgument(`Argument \`data\` must hold 32-bit integers for dtype int32. Received: data[${i}]=${v}`);
        }
        view.setInt32(at, v, true);
        break;
      case 'uint8':
        if (!(Number.isInteger(v) && v >= 0 && v <= 255)) {
          throw invalidArgument(`Argument \`data\` must hold integers in [0, 255] for dtype uint8. Received: data[${i}]=${v}`);
        }
        view.setUint8(at, v);
        break;
      default: {
        const never: never = dtype;
        throw new Error(`unreachable npy dtype ${String(never)}`);
      }
    }
  }
  return bytes;
}

const WRITABLE: readonly string[] = ['float32', 'float64', 'int32', 'uint8'];
