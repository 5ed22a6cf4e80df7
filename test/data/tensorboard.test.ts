import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import { crc32c, maskedCrc32c } from '../../src/data/crc32c.js';
import { readMetadataLabels, readProjectorConfig, readProjectorEmbedding } from '../../src/data/read-projector.js';
import { parseTfRecords, readTfRecords } from '../../src/data/read-tfrecord.js';
import { decodeEvent, scalarOf } from '../../src/data/tensorboard-event.js';
import { readJsonObject } from '../../src/io/index.js';
import { rejectsInput, tempDir, throwsInput } from './input-error.js';

const DIR = join(import.meta.dirname, '../fixtures/tensorboard');
const eventFile = (run: string) => {
  const names = readdirSync(join(DIR, run)).filter((n) => n.startsWith('events.out.tfevents.'));
  assert.equal(names.length, 1, `${run} should hold one event file`);
  return join(DIR, run, names[0]);
};
const bytesOf = (values: number[]) => Uint8Array.from(values);

/** A TFRecord framed by hand from the format: uint64 length, masked CRC of the length, data, masked CRC of the data. */
function frame(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

type W = protobuf.Writer;
const LEN = 2;
const key = (field: number, wire: number) => (field << 3) | wire;
const message = (w: W, field: number, body: (w: W) => void) => {
  w.uint32(key(field, LEN)).fork();
  body(w);
  w.ldelim();
};
/** An Event with one Summary.Value, encoded with protobufjs's Writer (independent of the decoder under test). */
function eventBytes(step: number, value: (w: W) => void, extra: (w: W) => void = () => {}): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(key(1, 1)).double(1700000000.25);
  w.uint32(key(2, 0)).int64(step);
  extra(w);
  message(w, 5, (s) => message(s, 1, value));
  return w.finish();
}
const scalarMetadata = (plugin: string, dataClass = 0) => (w: W) =>
  message(w, 9, (m) => {
    message(m, 1, (p) => p.uint32(key(1, LEN)).string(plugin));
    if (dataClass !== 0) m.uint32(key(4, 0)).int32(dataClass);
  });
const scalarShape = (w: W) => message(w, 2, () => {});

describe('CRC-32C and TFRecord framing', () => {
  it('crc32c gives the check values of RFC 3720 (B.4) and the Castagnoli check value of "123456789"', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  });

  it('the mask rotates right by 15 and adds 0xa282ead8 (mod 2^32)', () => {
    assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8); // crc 0
    const crc = 0xe3069283;
    const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
    assert.equal(maskedCrc32c(new TextEncoder().encode('123456789')), (rotated + 0xa282ead8) % 2 ** 32);
  });

  it('reads every record of an event file torch wrote (its CRCs computed by tensorboard agree with ours), the file version first', async () => {
    const records = await readTfRecords(eventFile('healthy'));
    assert.ok(records.length > 400, String(records.length));
    assert.equal(records[0].offset, 0);
    assert.equal(decodeEvent(records[0].data).fileVersion, 'brain.Event:2');
    for (let i = 1; i < records.length; i++) {
      const previous = records[i - 1];
      assert.equal(records[i].offset, previous.offset + 16 + previous.data.length);
      assert.equal(decodeEvent(records[i].data).fileVersion, null);
    }
  });

  it('a record framed by hand reads back; an empty file has no records', () => {
    const data = bytesOf([1, 2, 3, 250]);
    const two = new Uint8Array([...frame(data), ...frame(new Uint8Array(0))]);
    const records = parseTfRecords(two, 'x.tfrecord');
    assert.deepEqual(
      records.map((r) => [r.offset, Array.from(r.data)]),
      [
        [0, [1, 2, 3, 250]],
        [20, []],
      ],
    );
    assert.deepEqual(parseTfRecords(new Uint8Array(0), 'empty'), []);
  });

  it('a flipped byte is a bad CRC naming the file, the record offset and which CRC', async () => {
    const original = await readFile(eventFile('healthy'));
    const records = parseTfRecords(original, 'healthy');
    const third = records[3];
    const dataFlipped = Uint8Array.from(original);
    dataFlipped[third.offset + 12 + 2] ^= 0x01;
    throwsInput(() => parseTfRecords(dataFlipped, 'ev'), 'ev', new RegExp(`^ev: record at byte ${third.offset}: bad data crc: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}`));
    const lengthFlipped = Uint8Array.from(original);
    lengthFlipped[third.offset] ^= 0x01;
    throwsInput(() => parseTfRecords(lengthFlipped, 'ev'), 'ev', new RegExp(`record at byte ${third.offset}: bad length crc`));
    const crcFlipped = Uint8Array.from(original);
    crcFlipped[third.offset + 12 + third.data.length] ^= 0x80;
    throwsInput(() => parseTfRecords(crcFlipped, 'ev'), 'ev', new RegExp(`record at byte ${third.offset}: bad data crc`));
    const dir = await tempDir();
    const file = join(dir, 'events.out.tfevents.1.host');
    await writeFile(file, dataFlipped);
    await rejectsInput(readTfRecords(file), file, /bad data crc/);
  });

  it('a truncated file names the record cut short and what it needed', async () => {
    const original = await readFile(eventFile('collapsing'));
    const records = parseTfRecords(original, 'collapsing');
    const last = records[records.length - 1];
    throwsInput(
      () => parseTfRecords(original.subarray(0, original.length - 1), 'ev'),
      'ev',
      new RegExp(`record at byte ${last.offset} is truncated: its header gives ${last.data.length} data bytes plus a 4-byte CRC, but only ${last.data.length + 3} bytes follow`),
    );
    throwsInput(
      () => parseTfRecords(original.subarray(0, last.offset + 5), 'ev'),
      'ev',
      new RegExp(`record at byte ${last.offset} is truncated: expected a 12-byte header \\(length and its CRC\\), found 5 bytes`),
    );
  });
});

describe('decoding Event and Summary protobufs', () => {
  it('old-style simple_value, torch new-style float_val and double_val, TF2 tensor_content: all scalars', () => {
    const simple = decodeEvent(eventBytes(3, (v) => v.uint32(key(1, LEN)).string('loss').uint32(key(2, 5)).float(0)));
    assert.deepEqual([simple.step, simple.wallTime, simple.values[0].tag, simple.values[0].simpleValue], [3, 1700000000.25, 'loss', 0]);
    assert.equal(scalarOf(simple.values[0], undefined), 0); // a zero is present, not missing
    const packedFloat = decodeEvent(
      eventBytes(4, (v) => {
        v.uint32(key(1, LEN)).string('lr');
        scalarMetadata('scalars')(v);
        message(v, 8, (t) => {
          t.uint32(key(1, 0)).int32(1);
          scalarShape(t);
          message(t, 5, (p) => p.float(0.5)); // packed float_val
        });
      }),
    );
    assert.equal(scalarOf(packedFloat.values[0], undefined), 0.5);
    const unpackedDouble = decodeEvent(
      eventBytes(5, (v) => {
        v.uint32(key(1, LEN)).string('mined');
        scalarMetadata('scalars')(v);
        message(v, 8, (t) => t.uint32(key(1, 0)).int32(2).uint32(key(6, 1)).double(1234.125)); // double_val, not packed
      }),
    );
    assert.equal(scalarOf(unpackedDouble.values[0], undefined), 1234.125);
    const content = new Uint8Array(4);
    new DataView(content.buffer).setFloat32(0, 0.25, true);
    const tf2 = decodeEvent(
      eventBytes(6, (v) => {
        v.uint32(key(1, LEN)).string('lr');
        scalarMetadata('', 1)(v); // data class scalar, no plugin name
        message(v, 8, (t) => t.uint32(key(1, 0)).int32(1).uint32(key(4, LEN)).bytes(content));
      }),
    );
    assert.equal(scalarOf(tf2.values[0], undefined), 0.25);
  });

  it('half, bfloat16 and int64 tensors, and a 64-bit step', () => {
    const tensor = (dtype: number, fill: (t: W) => void) =>
      decodeEvent(
        eventBytes(2 ** 40 + 7, (v) => {
          v.uint32(key(1, LEN)).string('x');
          scalarMetadata('scalars')(v);
          message(v, 8, (t) => {
            t.uint32(key(1, 0)).int32(dtype);
            fill(t);
          });
        }),
      );
    const half = tensor(19, (t) => t.uint32(key(13, 0)).int32(0x3e00)); // 1.5
    assert.equal(half.step, 2 ** 40 + 7);
    assert.equal(scalarOf(half.values[0], undefined), 1.5);
    assert.equal(scalarOf(tensor(14, (t) => t.uint32(key(13, 0)).int32(0xc020)).values[0], undefined), -2.5); // bfloat16
    assert.equal(scalarOf(tensor(9, (t) => message(t, 10, (p) => p.int64(-42))).values[0], undefined), -42);
    const int64Content = new Uint8Array(8);
    new DataView(int64Content.buffer).setBigInt64(0, 9007199254740991n, true);
    assert.equal(scalarOf(tensor(9, (t) => t.uint32(key(4, LEN)).bytes(int64Content)).values[0], undefined), 2 ** 53 - 1);
  });

  it('a tensor without metadata is a scalar only when its tag first came with the scalars plugin (TF2 writes it once)', () => {
    const bare = decodeEvent(
      eventBytes(10, (v) => {
        v.uint32(key(1, LEN)).string('lr');
        message(v, 8, (t) => t.uint32(key(1, 0)).int32(1).uint32(key(5, 5)).float(2));
      }),
    ).values[0];
    assert.deepEqual([bare.pluginName, bare.dataClass], [null, 0]);
    assert.equal(scalarOf(bare, undefined), null);
    assert.equal(scalarOf(bare, { pluginName: 'scalars', dataClass: 0 }), 2);
    assert.equal(scalarOf(bare, { pluginName: 'histograms', dataClass: 0 }), null);
  });

  it('histograms, text and images are not scalars; fields it does not know (a graph, a session log) are skipped', () => {
    const histogram = decodeEvent(
      eventBytes(
        1,
        (v) => {
          v.uint32(key(1, LEN)).string('w');
          scalarMetadata('histograms')(v);
          message(v, 8, (t) => {
            t.uint32(key(1, 0)).int32(2);
            message(t, 2, (s) => {
              message(s, 2, (d) => d.uint32(key(1, 0)).int64(1));
              message(s, 2, (d) => d.uint32(key(1, 0)).int64(3));
            });
            message(t, 6, (p) => p.double(0).double(1).double(5));
          });
        },
        (w) => w.uint32(key(4, LEN)).bytes(bytesOf([8, 1, 16, 2])).uint32(key(7, LEN)).bytes(bytesOf([8, 1])),
      ),
    );
    assert.deepEqual(histogram.values[0].tensor?.shape, [1, 3]);
    assert.equal(scalarOf(histogram.values[0], undefined), null);
    const text = decodeEvent(
      eventBytes(1, (v) => {
        v.uint32(key(1, LEN)).string('notes');
        scalarMetadata('text')(v);
        message(v, 8, (t) => t.uint32(key(1, 0)).int32(7).uint32(key(8, LEN)).bytes(new TextEncoder().encode('hi')));
      }),
    );
    assert.equal(text.values[0].tensor?.values, null);
    assert.equal(scalarOf(text.values[0], { pluginName: 'scalars', dataClass: 1 }), null);
    const image = decodeEvent(eventBytes(1, (v) => message(v.uint32(key(1, LEN)).string('img'), 4, (i) => i.uint32(key(1, 0)).int32(8))));
    assert.deepEqual([image.values[0].tag, image.values[0].tensor, scalarOf(image.values[0], undefined)], ['img', null, null]);
  });

  it('bytes that are not an Event protobuf throw', () => {
    assert.throws(() => decodeEvent(bytesOf([0x0a, 0x05, 0x01])), RangeError);
  });

  it('the fixture event files hold a histogram, an image and a text whose tags the decoder sees and calls non-scalar', async () => {
    const seen = new Map<string, boolean>();
    for (const record of await readTfRecords(eventFile('healthy'))) {
      for (const value of decodeEvent(record.data).values) seen.set(value.tag, scalarOf(value, undefined) !== null || seen.get(value.tag) === true);
    }
    assert.deepEqual(Object.fromEntries(seen), {
      'probe/first_digit': false,
      'notes/text_summary': false,
      'weights/fc2': false,
      'train/loss': true,
      'lr-Adam': true,
      'train/mined_triplets': true,
    });
  });
});

describe("the projector's files (projector_config.pbtxt, tensors.tsv, metadata.tsv)", () => {
  const expected = () => readJsonObject(join(DIR, 'expected.json'), 'the expectations make_tensorboard_fixtures.py wrote');

  it('lists the entries torch wrote, with the step from the tensor name and the paths resolved against the run', async () => {
    const entries = await readProjectorConfig(join(DIR, 'collapsing'));
    assert.deepEqual(
      entries.map((e) => [e.tag, e.step, e.name, e.tensorPath.slice(DIR.length), e.metadataPath?.slice(DIR.length)]),
      [
        ['train/batch', 0, 'train/batch:00000', '/collapsing/00000/train%2fbatch/tensors.tsv', '/collapsing/00000/train%2fbatch/metadata.tsv'],
        ['train/batch', 300, 'train/batch:00300', '/collapsing/00300/train%2fbatch/tensors.tsv', '/collapsing/00300/train%2fbatch/metadata.tsv'],
        ...[0, 50, 100, 150, 200, 250, 300].map((s) => {
          const folder = `/collapsing/${String(s).padStart(5, '0')}/val`;
          return ['val', s, `val:${String(s).padStart(5, '0')}`, `${folder}/tensors.tsv`, `${folder}/metadata.tsv`];
        }),
      ],
    );
  });

  it("reads an entry's embeddings and labels: the 'label' column of a two-column metadata, digit names numbered in sorted order", async () => {
    const { collapsing } = (await expected()) as Record<string, { embeddings: Record<string, { labels: number[]; first_rows: number[][]; rows: number }> }>;
    const entries = await readProjectorConfig(join(DIR, 'collapsing'));
    const val = await readProjectorEmbedding(entries.find((e) => e.tag === 'val' && e.step === 50) as (typeof entries)[0]);
    assert.deepEqual([val.matrix.rows, val.matrix.dim], [200, 16]);
    assert.deepEqual(Array.from(val.labels ?? []), collapsing.embeddings.val.labels);
    assert.deepEqual(Array.from(val.matrix.data.subarray(0, 16)), collapsing.embeddings.val.first_rows[1].map(Math.fround));
    const batch = await readProjectorEmbedding(entries[0]);
    assert.deepEqual(Array.from(batch.labels ?? []), collapsing.embeddings['train/batch'].labels);
    assert.ok(new Set(collapsing.embeddings['train/batch'].labels).size > 5);
  });

  it("metadata.tsv: one label per line, or a header with a label/labels/class/y column (any case), else the first column", async () => {
    const dir = await tempDir();
    const write = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return Array.from(await readMetadataLabels(join(dir, name)));
    };
    assert.deepEqual(await write('one.tsv', '3\n1\n3\n'), [3, 1, 3]);
    assert.deepEqual(await write('names.tsv', 'dog\ncat\ndog\n'), [1, 0, 1]);
    assert.deepEqual(await write('class.tsv', 'id\tClass\n7\tb\n8\ta\n9\tb\n'), [1, 0, 1]);
    assert.deepEqual(await write('y.tsv', 'name\ty\nx\t4\nz\t2\n'), [4, 2]);
    assert.deepEqual(await write('first.tsv', 'kind\tid\nb\t1\na\t2\n'), [1, 0]);
    await rejectsInput(readMetadataLabels(join(dir, 'none.tsv')), join(dir, 'none.tsv'), /no such file/);
    await writeFile(join(dir, 'gap.tsv'), '1\n\n2\n');
    await rejectsInput(readMetadataLabels(join(dir, 'gap.tsv')), join(dir, 'gap.tsv'), /line 2: the label is empty/);
  });

  describe('bad projector files are input errors naming the file', () => {
    const run = async (config: string, files: Record<string, string> = {}) => {
      const dir = await tempDir();
      await writeFile(join(dir, 'projector_config.pbtxt'), config);
      for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
      return dir;
    };

    it('a config naming a missing TSV', async () => {
      const dir = await run('embeddings {\n  tensor_name: "default:00050"\n  tensor_path: "00050/default/tensors.tsv"\n}\n');
      await rejectsInput(
        readProjectorConfig(dir),
        join(dir, 'projector_config.pbtxt'),
        /embeddings entry 1 \("default:00050"\): tensor_path "00050\/default\/tensors\.tsv" names a missing file/,
      );
      const meta = await run('embeddings { tensor_name: "a:1" tensor_path: "t.tsv" metadata_path: "m.tsv" }', { 't.tsv': '1\t2\n3\t4\n' });
      await rejectsInput(readProjectorConfig(meta), join(meta, 'projector_config.pbtxt'), /metadata_path "m\.tsv" names a missing file/);
    });

    it('ragged TSV rows, naming the line', async () => {
      const dir = await run('embeddings { tensor_name: "a:7" tensor_path: "t.tsv" }', { 't.tsv': '1\t2\n3\t4\n5\n' });
      const [entry] = await readProjectorConfig(dir);
      assert.deepEqual([entry.tag, entry.step, entry.metadataPath], ['a', 7, null]);
      await rejectsInput(readProjectorEmbedding(entry), join(dir, 't.tsv'), /line 3 has 1 fields, expected 2/);
    });

    it('a metadata.tsv whose label count does not match the tensor rows', async () => {
      const dir = await run('embeddings { tensor_name: "a:7" tensor_path: "t.tsv" metadata_path: "m.tsv" }', { 't.tsv': '1\t2\n3\t4\n5\t6\n', 'm.tsv': '0\n1\n' });
      const [entry] = await readProjectorConfig(dir);
      await rejectsInput(readProjectorEmbedding(entry), join(dir, 'm.tsv'), /has 2 labels, but .*t\.tsv has 3 rows/);
    });

    it('an entry without a step or a tensor path, a file of another kind, and text that is not a config', async () => {
      const config = (dir: string) => join(dir, 'projector_config.pbtxt');
      const noStep = await run('embeddings { tensor_name: "emb" tensor_path: "t.tsv" }', { 't.tsv': '1\n2\n' });
      await rejectsInput(readProjectorConfig(noStep), config(noStep), /entry 1 \("emb"\): no step in its tensor_name/);
      const checkpoint = await run('model_checkpoint_path: "model.ckpt"\nembeddings { tensor_name: "w" }');
      await rejectsInput(readProjectorConfig(checkpoint), config(checkpoint), /entry 1 \("w"\) has no tensor_path: .*TensorFlow checkpoint/);
      const bytes = await run('embeddings { tensor_name: "a:1" tensor_path: "t.bytes" }');
      await rejectsInput(readProjectorConfig(bytes), config(bytes), /tensor_path "t\.bytes" is not a file deepmetric reads/);
      const garbage = await run('embeddings { tensor_name: "a:1" colour: 3 }');
      await rejectsInput(readProjectorConfig(garbage), config(garbage), /is not a projector config in protobuf text format .*unknown field 'colour'/);
    });

    it('the step and tag can come from the folders of the tensor path (a tag quoted as torch quotes it)', async () => {
      const dir = await run('embeddings { tensor_path: "00020/my%2ftag/t.tsv" }');
      await cp(join(DIR, 'healthy/00000/default'), join(dir, '00020/my%2ftag'), { recursive: true });
      await cp(join(dir, '00020/my%2ftag/tensors.tsv'), join(dir, '00020/my%2ftag/t.tsv'));
      const [entry] = await readProjectorConfig(dir);
      assert.deepEqual([entry.tag, entry.step, entry.name], ['my/tag', 20, 'my/tag:20']);
    });
  });
});
