/** The element types of the IDX format, by the type byte of its magic number. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array that holds each IDX element type. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxDtypeInfo {
  dtype: IdxDtype;
  code: number;
  bytes: number;
}

/** The IDX type codes (third byte of the magic number) and element sizes, from the format's definition. */
export const IDX_DTYPES: readonly IdxDtypeInfo[] = [
  { dtype: 'uint8', code: 0x08, bytes: 1 },
  { dtype: 'int8', code: 0x09, bytes: 1 },
  { dtype: 'int16', code: 0x0b, bytes: 2 },
  { dtype: 'int32', code: 0x0c, bytes: 4 },
  { dtype: 'float32', code: 0x0d, bytes: 4 },
  { dtype: 'float64', code: 0x0e, bytes: 8 },
];

export function hex(n: number, digits = 2): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}
