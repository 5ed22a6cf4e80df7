import { invalidInput } from '../errors.js';
import { nodeModule } from '../io/node-module.js';
import { halfToFloat } from './half-float.js';
import { NPY_MAGIC } from './npy-dtype.js';

/** Rows per chunk by default: 4 MB of float32 at 128 dimensions. */
const DEFAULT_CHUNK_BYTES = 1 << 22;

/** The shape and element type of a 2-D `.npy` file of floats, read from its header alone. */
export interface NpyMatrixHeader {
  rows: number;
  dim: number;
  dtype: 'float16' | 'float32' | 'float64';
  littleEndian: boolean;
  /** Offset of the first value. */
  dataStart: number;
}

/** One chunk of rows: valid until the next chunk is asked for (its buffer is reused). */
export interface NpyChunk {
  data: Float32Array;
  rows: number;
  /** Index in the file of the chunk's first row. */
  firstRow: number;
}

const BYTES = { float16: 2, float32: 4, float64: 8 } as const;

/**
 * Reads the header of a 2-D C-ordered `.npy` file of float16, float32 or float64 (either byte
 * order) and checks that the file holds exactly its values, without reading them. Anything else
 * (another rank, integers, Fortran order) is refused with the numpy call that converts it.
 *
 * @example
 * const { rows, dim } = await readNpyMatrixHeader('shards/part-000.npy');
 */
export async function readNpyMatrixHeader(path: string): Promise<NpyMatrixHeader> {
  const handle = await openInput(path);
  try {
    const size = (await handle.stat()).size;
    const prefix = new Uint8Array(12);
    const { bytesRead } = await handle.read(prefix, 0, 12, 0);
    if (bytesRead < 10 || !NPY_MAGIC.every((b, i) => prefix[i] === b)) {
      throw invalidInput(path, 'is not a .npy file: bytes 0-5 must be 93 4e 55 4d 50 59 ("\\x93NUMPY")');
    }
    const major = prefix[6];
    if (major !== 1 && major !== 2 && major !== 3) {
      throw invalidInput(path, `byte 6 holds .npy format version ${major}; expected 1, 2 or 3`);
    }
    const view = new DataView(prefix.buffer);
    const headerStart = major === 1 ? 10 : 12;
    const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    const headerBytes = new Uint8Array(headerLength);
    await handle.read(headerBytes, 0, headerLength, headerStart);
    const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
    const descr = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(header)?.[2];
    const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
    const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
    if (descr === undefined || fortran === undefined || shapeText === undefined) {
      throw invalidInput(path, `the .npy header at offset ${headerStart} lacks descr, fortran_order or shape: ${JSON.stringify(header.trim())}`);
    }
    const shape = shapeText
      .split(',')
      .map((s) => s.trim().replace(/L$/, ''))
      .filter((s) => s !== '')
      .map(Number);
    if (shape.length !== 2 || !shape.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      throw invalidInput(path, `embeddings must be a 2-D array (rows x dimensions); found shape (${shapeText.trim()})`);
    }
    const code = /^[<>|=]/.test(descr) ? descr.slice(1) : descr;
    const dtype = code === 'f2' ? 'float16' : code === 'f4' ? 'float32' : code === 'f8' ? 'float64' : null;
    if (dtype === null) {
      throw invalidInput(path, `has dtype '${descr}'; read in chunks are float16, float32 and float64 arrays: in numpy, x.astype('float32')`);
    }
    if (fortran === 'True') {
      throw invalidInput(path, 'is in Fortran (column-major) order, which cannot be read by rows in chunks: in numpy, np.save(path, np.ascontiguousarray(x))');
    }
    const [rows, dim] = shape;
    const dataStart = headerStart + headerLength;
    const expected = dataStart + rows * dim * BYTES[dtype];
    if (size !== expected) {
      throw invalidInput(path, `is ${size} bytes, but its header says a [${rows}, ${dim}] ${dtype} array from offset ${dataStart}: ${expected} bytes (truncated or with trailing bytes)`);
    }
    if (dim < 1) throw invalidInput(path, `holds ${rows} x ${dim} embeddings; at least 1 dimension is needed`);
    return { rows, dim, dtype, littleEndian: descr[0] !== '>', dataStart };
  } finally {
    await handle.close();
  }
}

/**
 * The rows of a 2-D `.npy` file of floats (`readNpyMatrixHeader`), in chunks of about 4 MB read
 * with a file handle: memory stays two chunks whatever the file's size (the next chunk is read
 * while the caller works on this one). float16 and float64 are converted to float32, the byte
 * order to the host's. A chunk's `data` is overwritten by the chunk after the next: copy what you keep.
 * `startRow` / `endRow` read rows startRow .. endRow - 1 only (`firstRow` stays the index in the file).
 *
 * @example
 * for await (const { data, rows, firstRow } of readNpyChunks('big.npy')) health.add(data, rows, null, firstRow);
 */
export async function* readNpyChunks(
  path: string,
  options: { chunkRows?: number; startRow?: number; endRow?: number } = {},
): AsyncGenerator<NpyChunk> {
  const header = await readNpyMatrixHeader(path);
  const { dim, dtype, littleEndian, dataStart } = header;
  // Rows startRow .. endRow - 1 only (default all): a part of a file for one thread.
  const rows = Math.min(header.rows, options.endRow ?? header.rows);
  const startRow = Math.max(0, options.startRow ?? 0);
  const bytesPerRow = dim * BYTES[dtype];
  const chunkRows = Math.max(1, options.chunkRows ?? Math.floor(DEFAULT_CHUNK_BYTES / (dim * 4)));
  const handle = await openInput(path);
  try {
    const direct = dtype === 'float32' && littleEndian === HOST_LITTLE_ENDIAN;
    const raw = [new ArrayBuffer(chunkRows * bytesPerRow), new ArrayBuffer(chunkRows * bytesPerRow)];
    const out = direct ? null : [new Float32Array(chunkRows * dim), new Float32Array(chunkRows * dim)];
    const read = async (start: number, which: number) => {
      const count = Math.min(chunkRows, rows - start);
      const bytes = new Uint8Array(raw[which], 0, count * bytesPerRow);
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, dataStart + start * bytesPerRow + done);
        if (bytesRead === 0) throw invalidInput(path, `ended early at offset ${dataStart + start * bytesPerRow + done}: the file changed while it was read`);
        done += bytesRead;
      }
      return count;
    };
    let which = 0;
    let pending = rows > startRow ? read(startRow, 0) : null;
    for (let start = startRow; pending !== null; start += chunkRows, which ^= 1) {
      const count = await pending;
      const next = start + chunkRows;
      pending = next < rows ? read(next, which ^ 1) : null;
      // A read still in flight must settle before the generator can be abandoned without a leak.
      pending?.catch(() => undefined);
      const data = direct
        ? new Float32Array(raw[which], 0, count * dim)
        : convert(new DataView(raw[which], 0, count * bytesPerRow), dtype, littleEndian, (out as Float32Array[])[which], count * dim);
      yield { data, rows: count, firstRow: start };
    }
  } finally {
    await handle.close();
  }
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function convert(view: DataView, dtype: 'float16' | 'float32' | 'float64', little: boolean, out: Float32Array, n: number): Float32Array {
  const data = out.subarray(0, n);
  if (dtype === 'float16') for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(2 * i, little));
  else if (dtype === 'float32') for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, little);
  else for (let i = 0; i < n; i++) data[i] = view.getFloat64(8 * i, little);
  return data;
}

async function openInput(path: string) {
  try {
    return await nodeModule('node:fs/promises').open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw invalidInput(path, 'no such file', error);
    if (code === 'EACCES') throw invalidInput(path, 'cannot be read (permission denied)', error);
    throw invalidInput(path, `cannot be read: ${(error as Error).message}`, error);
  }
}
