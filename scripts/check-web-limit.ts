/**
 * The web page's size limit, checked end to end (slow: run by .ci/run, not by npm test):
 *
 *   npx tsx scripts/check-web-limit.ts [ROWS] [DIM]      (default 200000 x 128, 100 MB of float32)
 *
 * Writes ROWS x DIM labelled embeddings (.npy, 100 classes), builds and serves the app, drops the
 * files on the page in headless chromium and checks that its `#diagnosis-json` equals
 * `deepmetric diagnose --json --threads 1` byte for byte (the page sums on one thread); prints
 * both times. Exit 1 on a difference or a page
 * error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWeb } from './build-web.js';
import { diagnoseCommand, diagnoseJson } from '../src/cli/diagnose-command.js';
import { webCommand } from '../src/cli/web-command.js';
import { writeNpy } from '../src/data/index.js';
import { Random } from '../src/random.js';
import { openInChromium } from '../test/helpers/browser.js';

const rows = Number(process.argv[2] ?? 200_000);
const dim = Number(process.argv[3] ?? 128);
const classes = 100;
const dir = await mkdtemp(join(tmpdir(), 'dm-web-limit-'));
try {
  const rng = new Random(11);
  const centres = Float32Array.from({ length: classes * dim }, () => rng.normal());
  const data = new Float32Array(rows * dim);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % classes);
  for (let i = 0; i < rows; i++) {
    for (let d = 0; d < dim; d++) data[i * dim + d] = centres[labels[i] * dim + d] + 0.5 * rng.normal();
  }
  const embeddings = join(dir, 'embeddings.npy');
  const labelsFile = join(dir, 'labels.npy');
  await writeNpy(embeddings, data, [rows, dim], 'float32');
  await writeNpy(labelsFile, labels, [rows], 'int32');

  let start = performance.now();
  // One thread, as the page sums: from 1,000,000 rows the CLI's default is 2, whose sums round differently.
  const expected = diagnoseJson(await diagnoseCommand(embeddings, { backend: 'auto', labels: labelsFile, threads: 1 }));
  const cliSeconds = (performance.now() - start) / 1000;

  await buildWeb(join(dir, 'app'));
  const server = await webCommand({ port: 0 }, join(dir, 'app'));
  const opened = await openInChromium(server.url);
  try {
    start = performance.now();
    await opened.page.setInputFiles('#files', [embeddings, labelsFile]);
    await opened.page.waitForFunction(
      () =>
        document.querySelector('#diagnosis-json')?.textContent !== '' ||
        document.querySelector('#diagnose-status')?.classList.contains('error'),
      null,
      { timeout: 600_000 },
    );
    const pageSeconds = (performance.now() - start) / 1000;
    const status = await opened.page.textContent('#diagnose-status');
    const shown = await opened.page.textContent('#diagnosis-json');
    const same = shown === expected;
    process.stdout.write(
      `web limit: ${rows} x ${dim} float32 (${((rows * dim * 4) / 1e6).toFixed(0)} MB), ${classes} classes: ` +
        `page ${pageSeconds.toFixed(1)} s (files handed over included), CLI ${cliSeconds.toFixed(1)} s; ` +
        `JSON ${same ? 'byte-identical' : 'DIFFERENT'}${status ? `; page said: ${status}` : ''}; verdict ${JSON.parse(expected).verdict}\n`,
    );
    if (!same || opened.errors.length > 0) {
      process.stderr.write(`${opened.errors.join('\n')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await opened.close();
    await server.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
