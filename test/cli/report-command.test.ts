import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { reportCommand } from '../../src/cli/report-command.js';
import { runTraining } from '../../src/run/index.js';
import { blobsCsv, tinyRunConfig } from '../helpers/tiny-run.js';
import { cli } from '../helpers/cli.js';

describe('deepmetric report', () => {
  it('writes RUN_DIR/report.html with the map method asked for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-report-cmd-'));
    const config = await tinyRunConfig(dir);
    await runTraining(config, { progress: null });
    const path = await reportCommand(config.out, { map: 'umap', backend: 'cpu' });
    assert.equal(path, join(config.out, 'report.html'));
    const html = await readFile(path, 'utf8');
    assert.match(html, />UMAP 1</);
    assert.doesNotMatch(html, />PC1 /);
  });

  it('is written at the end of `deepmetric train`; `report` on a folder that is not a run exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-train-cli-'));
    const out = join(dir, 'run');
    const [train, bad] = await Promise.all([
      cli([
        'train',
        '--data',
        await blobsCsv(dir),
        '--model',
        'mlp:16',
        '--embedding-dim',
        '4',
        '--batch',
        '3,4',
        '--steps',
        '8',
        '--backend',
        'cpu',
        '--out',
        out,
      ]),
      cli(['report', dir]),
    ]);
    assert.equal(train.code, 0, train.stderr);
    assert.match(
      train.stdout,
      new RegExp(`\\nreport: ${join(out, 'report.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`),
    );
    assert.ok((await readdir(out)).includes('report.html'));
    assert.match(await readFile(join(out, 'report.html'), 'utf8'), /<section id="metrics" class="present">/);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /config\.json: not a run directory/);
  });
});
