import { invalidInput } from '../errors.js';
import { maskedCrc32c } from './crc32c.js';
import { readFileBytes } from './read-file-bytes.js';

/** One record of a TFRecord file: its bytes (a view into the file's) and the byte offset of its header. */
export interface TfRecord {
  offset: number;
  data: Uint8Array;
}

/**
 * Reads a TFRecord file (TensorBoard's event files are TFRecords of `Event` protobufs) into its records.
 * See `parseTfRecords`.
 *
 * @example
 * const records = await readTfRecords('runs/exp/events.out.tfevents.1700000000.host.1.0');
 */
export async function readTfRecords(path: string): Promise<TfRecord[]> {
  return parseTfRecords(await readFileBytes(path), path);
}

/**
 * Splits TFRecord bytes into records. Each record is framed as
 * `uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)`, all
 * little-endian. Every CRC is checked: a record cut short or a CRC that does not match is an input
 * error naming `file`, the record's byte offset and what was expected there.
 */
export function parseTfRecords(bytes: Uint8Array, file: string): TfRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: TfRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const at = `record at byte ${offset}`;
    if (offset + 12 > bytes.length) {
      throw invalidInput(file, `${at} is truncated: expected a 12-byte header (length and its CRC), found ${bytes.length - offset} bytes`);
    }
    const length = view.getBigUint64(offset, true);
    const lengthCrc = view.getUint32(offset + 8, true);
    const expectedLengthCrc = maskedCrc32c(bytes.subarray(offset, offset + 8));
    if (lengthCrc !== expectedLengthCrc) {
      throw invalidInput(file, `${at}: bad length crc: stored ${hex(lengthCrc)}, computed ${hex(expectedLengthCrc)} (the file is corrupt)`);
    }
    const start = offset + 12;
    const available = bytes.length - start - 4;
    if (length > BigInt(Math.max(available, 0))) {
      throw invalidInput(
        file,
        `${at} is truncated: its header gives ${length} data bytes plus a 4-byte CRC, but only ${bytes.length - start} bytes follow (was the file still being written?)`,
      );
    }
    const end = start + Number(length);
    const data = bytes.subarray(start, end);
    const dataCrc = view.getUint32(end, true);
    const expectedDataCrc = maskedCrc32c(data);
    if (dataCrc !== expectedDataCrc) {
      throw invalidInput(file, `${at}: bad data crc: stored ${hex(dataCrc)}, computed ${hex(expectedDataCrc)} over its ${length} bytes (the file is corrupt)`);
    }
    records.push({ offset, data });
    offset = end + 4;
  }
  return records;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
