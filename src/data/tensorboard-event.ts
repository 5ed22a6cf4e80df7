import protobuf from 'protobufjs/minimal.js';
import { bfloat16ToFloat, halfToFloat } from './half-float.js';

type Reader = protobuf.Reader;
type Long = ReturnType<Reader['int64']>;

/** A `TensorProto` as far as a scalar needs it: its dtype, shape and values (null for a dtype that is not a number). */
export interface TensorValue {
  /** TensorFlow's `DataType` enum: 1 float, 2 double, 3 int32, 9 int64, 14 bfloat16, 19 half, 7 string, ... */
  dtype: number;
  shape: number[];
  values: number[] | null;
}

/** One `Summary.Value` of an event: a tag and what it holds. */
export interface SummaryValue {
  tag: string;
  /** An old-style scalar (`simple_value`); null when the value holds something else. */
  simpleValue: number | null;
  /** The plugin of its `SummaryMetadata` ('scalars', 'images', 'histograms', 'text', ...); null without metadata. */
  pluginName: string | null;
  /** `SummaryMetadata.data_class`: 1 scalar, 2 tensor, 3 blob sequence; 0 when not set. */
  dataClass: number;
  /** A new-style value's tensor; null for old-style images, histograms and audio. */
  tensor: TensorValue | null;
}

/** A TensorBoard `Event`: its time, step, and either the file version (the first record) or the summary values. */
export interface TensorBoardEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  /** `brain.Event:2` on the first record of an event file; null otherwise. */
  fileVersion: string | null;
  values: SummaryValue[];
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_UINT8 = 4;
const DT_INT16 = 5;
const DT_INT8 = 6;
const DT_INT64 = 9;
const DT_BFLOAT16 = 14;
const DT_UINT16 = 17;
const DT_HALF = 19;

/** The wire type of a length-delimited field: a packed repeated field, a string, bytes or a message. */
const LENGTH_DELIMITED = 2;

/**
 * Decodes one record of an event file (`tensorflow/core/util/event.proto`):
 * `Event { double wall_time = 1; int64 step = 2; oneof { string file_version = 3; Summary summary = 5; ... } }`,
 * `Summary { repeated Value value = 1; }`,
 * `Value { string tag = 1; SummaryMetadata metadata = 9; oneof { float simple_value = 2; TensorProto tensor = 8; image, histo, audio } }`.
 * Fields it does not need (graphs, session logs, image bytes, ...) are skipped. It reads with
 * protobufjs's `Reader`, which throws a `RangeError` on bytes that are not such a protobuf; the
 * caller names the file and record.
 *
 * @example
 * const event = decodeEvent(record.data); // { wallTime: 1.7e9, step: 50, fileVersion: null, values: [{ tag: 'train/loss', simpleValue: 0.21, ... }] }
 */
export function decodeEvent(bytes: Uint8Array): TensorBoardEvent {
  const r = protobuf.Reader.create(bytes);
  const event: TensorBoardEvent = { wallTime: 0, step: 0, fileVersion: null, values: [] };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        event.wallTime = r.double();
        break;
      case 2:
        event.step = toInteger(r.int64(), 'step');
        break;
      case 3:
        event.fileVersion = r.string();
        break;
      case 5:
        event.values.push(...decodeSummary(r, r.uint32()));
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return event;
}

/**
 * The value of a summary when it is a scalar: an old-style `simple_value`, or a new-style tensor
 * of one number (as `tf.summary.scalar` in TF2 and torch's `add_scalar(new_style=True)` write
 * it) whose metadata says scalar (plugin 'scalars' or data class scalar). `first` is the metadata
 * seen first for the tag in the run: TF2 writes the metadata only with a tag's first value.
 * Null for anything else (images, histograms, text, audio): those are skipped, not errors.
 */
export function scalarOf(value: SummaryValue, first: Pick<SummaryValue, 'pluginName' | 'dataClass'> | undefined): number | null {
  if (value.simpleValue !== null) return value.simpleValue;
  const tensor = value.tensor;
  if (tensor === null || tensor.values === null || tensor.values.length !== 1) return null;
  const metadata = value.pluginName !== null || value.dataClass !== 0 ? value : first;
  const scalar = metadata !== undefined && (metadata.pluginName === 'scalars' || metadata.dataClass === 1);
  return scalar ? tensor.values[0] : null;
}

function decodeSummary(r: Reader, length: number): SummaryValue[] {
  const end = r.pos + length;
  const values: SummaryValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) values.push(decodeValue(r, r.uint32()));
    else r.skipType(tag & 7);
  }
  return values;
}

function decodeValue(r: Reader, length: number): SummaryValue {
  const end = r.pos + length;
  const value: SummaryValue = { tag: '', simpleValue: null, pluginName: null, dataClass: 0, tensor: null };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        value.tag = r.string();
        break;
      case 2:
        value.simpleValue = r.float();
        break;
      case 8:
        value.tensor = decodeTensor(r, r.uint32());
        break;
      case 9:
        Object.assign(value, decodeMetadata(r, r.uint32()));
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return value;
}

/** `SummaryMetadata { PluginData plugin_data = 1; ...; DataClass data_class = 4; }`, `PluginData { string plugin_name = 1; bytes content = 2; }`. */
function decodeMetadata(r: Reader, length: number): Pick<SummaryValue, 'pluginName' | 'dataClass'> {
  const end = r.pos + length;
  const metadata: Pick<SummaryValue, 'pluginName' | 'dataClass'> = { pluginName: null, dataClass: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 4) {
      metadata.dataClass = r.int32();
    } else if (tag >>> 3 === 1) {
      const pluginEnd = r.uint32() + r.pos;
      while (r.pos < pluginEnd) {
        const inner = r.uint32();
        if (inner >>> 3 === 1) metadata.pluginName = r.string();
        else r.skipType(inner & 7);
      }
    } else {
      r.skipType(tag & 7);
    }
  }
  return metadata;
}

/**
 * `TensorProto { DataType dtype = 1; TensorShapeProto tensor_shape = 2; bytes tensor_content = 4;
 * repeated int32 half_val = 13; repeated float float_val = 5; repeated double double_val = 6;
 * repeated int32 int_val = 7; repeated int64 int64_val = 10; ... }`. The values are in
 * `tensor_content` (raw little-endian, as TF2 writes) or in the typed repeated field (as torch
 * writes), packed or not.
 */
function decodeTensor(r: Reader, length: number): TensorValue {
  const end = r.pos + length;
  let dtype = 0;
  const shape: number[] = [];
  let content: Uint8Array | null = null;
  const listed: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        dtype = r.int32();
        break;
      case 2:
        shape.push(...decodeShape(r, r.uint32()));
        break;
      case 4:
        content = r.bytes();
        break;
      case 5:
        if (wire === LENGTH_DELIMITED) r.floats(listed);
        else listed.push(r.float());
        break;
      case 6:
        if (wire === LENGTH_DELIMITED) r.doubles(listed);
        else listed.push(r.double());
        break;
      case 7:
      case 13:
        if (wire === LENGTH_DELIMITED) r.int32s(listed);
        else listed.push(r.int32());
        break;
      case 10:
        if (wire === LENGTH_DELIMITED) listed.push(...r.int64s().map((v) => toInteger(v, 'int64_val')));
        else listed.push(toInteger(r.int64(), 'int64_val'));
        break;
      default:
        r.skipType(wire);
    }
  }
  return { dtype, shape, values: content === null ? fromListed(dtype, listed) : fromContent(dtype, content) };
}

/** `TensorShapeProto { repeated Dim dim = 2; bool unknown_rank = 3; }`, `Dim { int64 size = 1; string name = 2; }`. */
function decodeShape(r: Reader, length: number): number[] {
  const end = r.pos + length;
  const dims: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 !== 2) {
      r.skipType(tag & 7);
      continue;
    }
    const dimEnd = r.uint32() + r.pos;
    let size = 0;
    while (r.pos < dimEnd) {
      const inner = r.uint32();
      if (inner >>> 3 === 1) size = toInteger(r.int64(), 'dim size');
      else r.skipType(inner & 7);
    }
    dims.push(size);
  }
  return dims;
}

function fromListed(dtype: number, listed: number[]): number[] | null {
  switch (dtype) {
    case DT_FLOAT:
    case DT_DOUBLE:
    case DT_INT32:
    case DT_INT16:
    case DT_INT8:
    case DT_UINT8:
    case DT_UINT16:
    case DT_INT64:
      return listed;
    case DT_HALF:
      return listed.map(halfToFloat);
    case DT_BFLOAT16:
      return listed.map(bfloat16ToFloat);
    default:
      return null;
  }
}

function fromContent(dtype: number, content: Uint8Array): number[] | null {
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  const read = (size: number, at: (offset: number) => number) =>
    Array.from({ length: Math.floor(content.length / size) }, (_, i) => at(i * size));
  switch (dtype) {
    case DT_FLOAT:
      return read(4, (o) => view.getFloat32(o, true));
    case DT_DOUBLE:
      return read(8, (o) => view.getFloat64(o, true));
    case DT_INT32:
      return read(4, (o) => view.getInt32(o, true));
    case DT_INT64:
      return read(8, (o) => Number(view.getBigInt64(o, true)));
    case DT_INT16:
      return read(2, (o) => view.getInt16(o, true));
    case DT_UINT16:
      return read(2, (o) => view.getUint16(o, true));
    case DT_INT8:
      return read(1, (o) => view.getInt8(o));
    case DT_UINT8:
      return read(1, (o) => view.getUint8(o));
    case DT_HALF:
      return read(2, (o) => halfToFloat(view.getUint16(o, true)));
    case DT_BFLOAT16:
      return read(2, (o) => bfloat16ToFloat(view.getUint16(o, true)));
    default:
      return null;
  }
}

/** An int64 as a number (protobufjs gives a `Long` of two 32-bit halves); beyond 2^53 it would lose digits, so it is refused. */
function toInteger(value: Long | number, field: string): number {
  const n = typeof value === 'number' ? value : (value.unsigned ? value.high >>> 0 : value.high) * 2 ** 32 + (value.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${field} is beyond 2^53 (high word ${typeof value === 'number' ? n : value.high})`);
  return n;
}
