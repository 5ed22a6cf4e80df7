import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diagnoseCommand, diagnoseJson, type DiagnoseFlags } from '../../src/cli/diagnose-command.js';
import { readEmbeddings } from '../../src/data/index.js';
import { DeepmetricError } from '../../src/errors.js';

const DIR = join(import.meta.dirname, '../fixtures/formats');
const at = (name: string) => join(DIR, name);
const json = async (name: string, flags: Partial<DiagnoseFlags> = {}) =>
  diagnoseJson(await diagnoseCommand(at(name), { backend: 'cpu', ...flags }));

describe('diagnose reads the files numpy, torch, safetensors and pandas users save (test/fixtures/formats)', () => {
  it('the same labelled embeddings in every format give a byte-identical --json', async () => {
    const reference = await json('emb.npy', { labels: at('labels.npy') });
    assert.match(reference, /"verdict"/);
    const same: Array<[string, Partial<DiagnoseFlags>]> = [
      ['emb.npz', {}],
      ['xy_compressed.npz', {}],
      ['custom_keys.npz', { key: 'feats_final', labelsKey: 'cls' }],
      ['emb.safetensors', {}],
      ['emb_f16.safetensors', {}],
      ['emb.parquet', { labelColumn: 'label' }],
      ['emb_fixed.parquet', { key: 'vec', labelColumn: 'label' }],
      ['tensors.tsv', { labels: at('metadata.tsv') }],
      ['emb.csv', { labelColumn: 'label' }],
    ];
    for (const [name, flags] of same) assert.equal(await json(name, flags), reference, name);
  });

  it('an archive finds its arrays by their usual names, and says which arrays it has when it cannot', async () => {
    const { matrix, labels } = await readEmbeddings(at('emb.npz'));
    assert.deepEqual([matrix.rows, matrix.dim, labels?.length], [48, 8, 48]);
    // The only 2-D array is the embeddings; labels under another name need --labels-key.
    const custom = await readEmbeddings(at('custom_keys.npz'));
    assert.deepEqual([custom.matrix.rows, custom.matrix.dim, custom.labels], [48, 8, null]);
    await assert.rejects(readEmbeddings(at('two_matrices.npz')), (e: unknown) => {
      assert.ok(e instanceof DeepmetricError && e.code === 'invalid-input');
      assert.match(
        e.message,
        /two_matrices\.npz: has no embeddings array named embeddings, .*give its name with --key; arrays: a \[48, 8\], b \[48, 8\]/,
      );
      return true;
    });
    await assert.rejects(readEmbeddings(at('emb.npz'), { key: 'nope' }), /has no array 'nope' \(--key\)/);
    await assert.rejects(
      readEmbeddings(at('emb.npy'), { key: 'x' }),
      /--key applies to an \.npz, safetensors or Parquet file/,
    );
  });

  it('--csv-header reads a header whose names are numbers, which the automatic rule would take for data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-formats-'));
    await writeFile(join(dir, 'e.csv'), '0,1,2\n0.5,1,2\n3,4,5\n6,7,8\n');
    assert.equal((await readEmbeddings(join(dir, 'e.csv'))).matrix.rows, 4);
    assert.equal((await readEmbeddings(join(dir, 'e.csv'), { csvHeader: true })).matrix.rows, 3);
    await assert.rejects(readEmbeddings(at('emb.npz'), { csvHeader: true }), /--csv-header applies to a \.csv file/);
  });

  it('a Parquet file without a list column of numbers is refused, naming its columns', async () => {
    await assert.rejects(
      readEmbeddings(at('emb_fixed.parquet'), { key: 'label' }),
      /row 0, column 'label': expected a list/,
    );
    await assert.rejects(
      readEmbeddings(at('emb.parquet'), { labelColumn: 'missing' }),
      /has no label column "missing"; columns: label, embedding/,
    );
  });

  it('labels that do not match the rows, and ragged TSV rows, are bad input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-formats-'));
    await writeFile(join(dir, 'tensors.tsv'), '1\t2\n3\n');
    await assert.rejects(readEmbeddings(join(dir, 'tensors.tsv')), /tensors\.tsv: line 2 has 1 fields, expected 2/);
    await assert.rejects(
      diagnoseCommand(at('tensors.tsv'), { backend: 'cpu', labels: at('labels.npy'), key: 'x' }),
      /--key applies/,
    );
    await assert.rejects(
      readEmbeddings(at('emb.npz'), { labelsKey: 'embeddings' }),
      /array 'embeddings' has shape \[48, 8\]; labels of 'embeddings' need shape \[48\]/,
    );
  });
});
