import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { csvNumber, readCsvDataset } from '../../src/data/index.js';
import { rejectsArgument, rejectsInput, tempDir } from './input-error.js';

async function csv(text: string): Promise<string> {
  const path = join(await tempDir(), 'd.csv');
  await writeFile(path, text);
  return path;
}

describe('CSV', () => {
  it('reads numbers and integer labels in the last column by default', async () => {
    const ds = await readCsvDataset(await csv('1,2.5,0\n-3e2, .5 ,2\n\n4,+5,2\n'));
    assert.deepEqual(ds.sampleShape, [2]);
    assert.deepEqual([...ds.features], [1, 2.5, -300, 0.5, 4, 5]);
    assert.deepEqual([...ds.labels], [0, 2, 2]);
    assert.deepEqual(ds.classNames, ['0', '1', '2']);
  });

  it('takes a label column by name with a header, string labels become sorted class names', async () => {
    const path = await csv('species,sepal,"petal, width"\r\nvirginica,5.1,1.8\r\n"setosa",4.9,0.2\r\nversicolor,6.0,1.3\r\nsetosa,4.7,0.1\r\n');
    const ds = await readCsvDataset(path, { header: true, labelColumn: 'species' });
    assert.deepEqual(ds.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual([...ds.labels], [2, 0, 1, 0]);
    assert.deepEqual([...ds.features], [5.1, 1.8, 4.9, 0.2, 6.0, 1.3, 4.7, 0.1].map(Math.fround));
    const byIndex = await readCsvDataset(path, { header: true, labelColumn: 0 });
    assert.deepEqual([...byIndex.labels], [...ds.labels]);
  });

  it('reads nan and inf, as numpy writes them, only when told non-finite values are data', async () => {
    const path = await csv('nan,1,0\n-inf,INF,1\n2,Infinity,1\n');
    await rejectsInput(readCsvDataset(path), path, /line 1, column 0: expected a decimal number, found "nan"/);
    assert.deepEqual([csvNumber('-1.5e3'), csvNumber('NaN'), csvNumber('nan', true), csvNumber('+inf', true), csvNumber('infinite', true)], [-1500, null, NaN, Infinity, null]);
  });

  it('takes a label column by index (negative from the end) and another delimiter', async () => {
    const ds = await readCsvDataset(await csv('7;1;9\n8;0;9\n'), { labelColumn: 1, delimiter: ';' });
    assert.deepEqual([...ds.features], [7, 9, 8, 9]);
    assert.deepEqual([...ds.labels], [1, 0]);
    const last2 = await readCsvDataset(await csv('1\t3\t5\n2\t4\t6\n'), { labelColumn: -2, delimiter: '\t' });
    assert.deepEqual([...last2.features], [1, 5, 2, 6]);
    assert.deepEqual([...last2.labels], [3, 4]);
  });

  it('unescapes doubled quotes in a quoted label', async () => {
    const ds = await readCsvDataset(await csv('1,"say ""hi"""\n2,plain\n'));
    assert.deepEqual(ds.classNames, ['plain', 'say "hi"']);
  });

  describe('bad input names the file, the line and the column', () => {
    it('a line with the wrong number of fields', async () => {
      const path = await csv('a,b,label\n1,2,x\n\n3,4\n');
      await rejectsInput(readCsvDataset(path, { header: true }), path, /line 4 has 2 fields, expected 3 \(as on line 1/);
    });
    it('a non-numeric value', async () => {
      const path = await csv('a,b,label\n1,2,x\n3,abc,y\n');
      await rejectsInput(readCsvDataset(path, { header: true }), path, /line 3, column 1 \("b"\): expected a decimal number, found "abc"/);
      const noHeader = await csv('1,2,x\n3,NaN,y\n');
      await rejectsInput(readCsvDataset(noHeader), noHeader, /line 2, column 1: expected a decimal number, found "NaN"/);
      const empty = await csv('1,,x\n');
      await rejectsInput(readCsvDataset(empty), empty, /line 1, column 1: expected a decimal number, found ""/);
    });
    it('an empty label', async () => {
      const path = await csv('1,2,x\n3,4,\n');
      await rejectsInput(readCsvDataset(path), path, /line 2, column 2: the label is empty/);
    });
    it('an unterminated quote', async () => {
      const path = await csv('1,"2\n3",x\n');
      await rejectsInput(readCsvDataset(path), path, /line 1: the quote opened at character 3 is never closed/);
    });
    it('no data lines, one column', async () => {
      const header = await csv('a,b\n\n');
      await rejectsInput(readCsvDataset(header, { header: true }), header, /has a header but no data lines/);
      const blank = await csv('\n\n');
      await rejectsInput(readCsvDataset(blank), blank, /contains no data lines/);
      const one = await csv('1\n2\n');
      await rejectsInput(readCsvDataset(one), one, /line 1 has 1 field; a CSV dataset needs at least one feature column and a label column/);
    });
    it('a label column that does not exist', async () => {
      const path = await csv('a,b\n1,2\n');
      await rejectsInput(readCsvDataset(path, { header: true, labelColumn: 'c' }), path, /has no column named "c" in its header; columns: "a", "b"/);
      await rejectsInput(readCsvDataset(path, { labelColumn: 2 }), path, /has 2 columns, so label column 2 does not exist \(allowed: -2 to 1\)/);
      await rejectsArgument(() => readCsvDataset(path, { labelColumn: 'a' }), /column name only when the file has a header/);
    });
    it('a missing file', async () => {
      const path = join(await tempDir(), 'none.csv');
      await rejectsInput(readCsvDataset(path), path, /no such file/);
    });
  });
});
