import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diagnoseCommand, diagnoseJson } from '../../src/cli/diagnose-command.js';

const DIR = join(import.meta.dirname, '../fixtures/npy');

describe('the same embeddings in any .npy layout give the same diagnosis', () => {
  it('float16, Fortran-ordered float32 and big-endian float64 of the same values: byte-identical --json', async () => {
    const json = async (name: string) => diagnoseJson(await diagnoseCommand(join(DIR, name), { backend: 'cpu' }));
    const reference = await json('f32_fortran.npy');
    assert.equal(await json('f16.npy'), reference);
    assert.equal(await json('f64_big.npy'), reference);
    assert.equal(await json('f32_big_fortran.npy'), reference);
  });
});
