/** The numpy element types deepmetric reads from `.npy` files, in either byte order. */
export type NpyDtype =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64';

/** The typed array that holds each `NpyDtype` (float16 is widened to a Float32Array: JavaScript has no half floats). */
export type NpyData =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface NpyDtypeInfo {
  dtype: NpyDtype;
  /** numpy's type code without the byte-order character: `f4`, `u1`, ... */
  code: string;
  bytes: number;
}

/** The numpy array-protocol type codes (`descr` without byte order) of each supported type. */
export const NPY_DTYPES: readonly NpyDtypeInfo[] = [
  { dtype: 'float16', code: 'f2', bytes: 2 },
  { dtype: 'float32', code: 'f4', bytes: 4 },
  { dtype: 'float64', code: 'f8', bytes: 8 },
  { dtype: 'uint8', code: 'u1', bytes: 1 },
  { dtype: 'int8', code: 'i1', bytes: 1 },
  { dtype: 'int16', code: 'i2', bytes: 2 },
  { dtype: 'uint16', code: 'u2', bytes: 2 },
  { dtype: 'int32', code: 'i4', bytes: 4 },
  { dtype: 'uint32', code: 'u4', bytes: 4 },
  { dtype: 'int64', code: 'i8', bytes: 8 },
  { dtype: 'uint64', code: 'u8', bytes: 8 },
];

/** numpy's `descr` string for a type: `<f4`, `|u1` (one-byte types have no byte order). */
export function npyDescr(info: NpyDtypeInfo): string {
  return `${info.bytes === 1 ? '|' : '<'}${info.code}`;
}

/** The 6 magic bytes that open every `.npy` file: 0x93 then "NUMPY". */
export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
