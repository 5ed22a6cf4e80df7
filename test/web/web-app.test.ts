import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import { diagnoseCommand, diagnoseJson, type DiagnoseFlags } from '../../src/cli/diagnose-command.js';
import { webCommand, type WebServer } from '../../src/cli/web-command.js';
import { writeNpy } from '../../src/data/index.js';
import { Random } from '../../src/random.js';
import { CHROMIUM, openInChromium, type OpenedPage } from '../helpers/browser.js';

const FORMATS = join(import.meta.dirname, '../fixtures/formats');
const LOGS = join(import.meta.dirname, '../fixtures/tensorboard');

/** A case: the files given to the page's file input (or a folder to its folder input), and the flags. */
interface Case {
  name: string;
  files?: string[];
  folder?: string;
  flags?: Partial<Record<'key' | 'labelsKey' | 'labelColumn' | 'embeddingTag', string>>;
  /** The verdict the case was built to have: the fixture is what it claims to be. */
  verdict?: string;
}

/** The option inputs of the page, by the flag they stand for. */
const OPTION_INPUTS = {
  key: '#opt-key',
  labelsKey: '#opt-labels-key',
  labelColumn: '#opt-label-column',
  embeddingTag: '#opt-embedding-tag',
} as const;

/** n x dim embeddings of `classes` classes built from `rank` directions (a collapsed set: rank 0, a point). */
async function writeEmbeddings(dir: string, name: string, rank: number): Promise<string[]> {
  const rng = new Random(7);
  const n = 300;
  const dim = 32;
  const classes = 10;
  const centres = Array.from({ length: classes }, () =>
    Array.from({ length: dim }, (_, d) => (d < rank ? 3 * rng.normal() : 0)),
  );
  const data = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    for (let d = 0; d < dim; d++) {
      const within = rank === 0 ? 1e-4 * rng.normal() : d < rank ? 0.3 * rng.normal() : 0;
      data[i * dim + d] = (rank === 0 ? 1 : centres[labels[i]][d]) + within;
    }
  }
  const npy = join(dir, `${name}.npy`);
  const labelsNpy = join(dir, `${name}_labels.npy`);
  await writeNpy(npy, data, [n, dim], 'float32');
  await writeNpy(labelsNpy, labels, [n], 'int32');
  const csv = join(dir, `${name}.csv`);
  const lines = ['label,' + Array.from({ length: dim }, (_, d) => `e${d}`).join(',')];
  for (let i = 0; i < n; i++) lines.push(`${labels[i]},${Array.from(data.subarray(i * dim, (i + 1) * dim)).join(',')}`);
  await writeFile(csv, `${lines.join('\n')}\n`);
  return [npy, labelsNpy, csv];
}

/** Fills the page's option inputs with `flags`, and empties the others. */
async function setOptions(page: Page, flags: Case['flags'] & object): Promise<void> {
  for (const [flag, selector] of Object.entries(OPTION_INPUTS)) {
    await page.$eval(
      selector,
      (el, value) => ((el as HTMLInputElement).value = value),
      flags[flag as keyof typeof OPTION_INPUTS] ?? '',
    );
  }
}

/** Diagnoses one case in the page: sets the options, gives the files, waits for the verdict. */
async function diagnoseInPage(page: Page, c: Case): Promise<{ json: string; verdict: string | null }> {
  await setOptions(page, c.flags ?? {});
  await page.$eval('#diagnosis-json', (el) => (el.textContent = ''));
  if (c.folder !== undefined) await page.setInputFiles('#folder', c.folder);
  else await page.setInputFiles('#files', c.files ?? []);
  await page.waitForFunction(
    () =>
      document.querySelector('#diagnosis-json')?.textContent !== '' ||
      document.querySelector('#diagnose-status')?.classList.contains('error'),
    null,
    { timeout: 120_000 },
  );
  const error = await page.$eval('#diagnose-status', (el) => (el.classList.contains('error') ? el.textContent : null));
  assert.equal(error, null, `${c.name}: the page reported an error`);
  return {
    json: (await page.textContent('#diagnosis-json')) ?? '',
    verdict: await page.getAttribute('#verdict', 'data-verdict'),
  };
}

describe(
  'the web app in chromium (npm run build:web, deepmetric web)',
  { skip: !existsSync(CHROMIUM) && 'needs Debian chromium' },
  () => {
    let dir: string;
    let server: WebServer;
    let opened: OpenedPage;
    let generated: string[];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dm-web-'));
      await buildWeb(join(dir, 'app'));
      server = await webCommand({ port: 0 }, join(dir, 'app'));
      generated = [
        ...(await writeEmbeddings(dir, 'collapsed', 0)),
        ...(await writeEmbeddings(dir, 'dimensional', 2)),
        ...(await writeEmbeddings(dir, 'healthy', 24)),
      ];
      opened = await openInChromium(server.url);
    });

    after(async () => {
      await opened?.close();
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('gives byte for byte the JSON of `deepmetric diagnose --json`, for every format and a healthy, a collapsed and a dimensionally collapsed input', async () => {
      const at = (name: string) => join(FORMATS, name);
      const [
        collapsed,
        collapsedLabels,
        collapsedCsv,
        dimensional,
        dimensionalLabels,
        dimensionalCsv,
        healthy,
        healthyLabels,
        healthyCsv,
      ] = generated;
      const cases: Case[] = [
        { name: 'npy + labels', files: [at('emb.npy'), at('labels.npy')] },
        { name: 'npz', files: [at('emb.npz')] },
        { name: 'compressed npz', files: [at('xy_compressed.npz')] },
        { name: 'npz, named arrays', files: [at('custom_keys.npz')], flags: { key: 'feats_final', labelsKey: 'cls' } },
        { name: 'safetensors', files: [at('emb.safetensors')] },
        { name: 'safetensors f16', files: [at('emb_f16.safetensors')] },
        { name: 'parquet', files: [at('emb.parquet')], flags: { labelColumn: 'label' } },
        {
          name: 'parquet fixed-size list',
          files: [at('emb_fixed.parquet')],
          flags: { key: 'vec', labelColumn: 'label' },
        },
        { name: "projector's tsv + metadata", files: [at('tensors.tsv'), at('metadata.tsv')] },
        { name: 'csv', files: [at('emb.csv')], flags: { labelColumn: 'label' } },
        { name: 'collapsed npy', files: [collapsed, collapsedLabels], verdict: 'collapsed' },
        { name: 'collapsed csv', files: [collapsedCsv], flags: { labelColumn: 'label' }, verdict: 'collapsed' },
        { name: 'dimensional npy', files: [dimensional, dimensionalLabels], verdict: 'dimensional-collapse' },
        {
          name: 'dimensional csv',
          files: [dimensionalCsv],
          flags: { labelColumn: 'label' },
          verdict: 'dimensional-collapse',
        },
        { name: 'healthy npy', files: [healthy, healthyLabels], verdict: 'healthy' },
        { name: 'healthy csv', files: [healthyCsv], flags: { labelColumn: 'label' }, verdict: 'healthy' },
        { name: 'TensorBoard log, healthy', folder: join(LOGS, 'healthy'), verdict: 'healthy' },
        {
          name: 'TensorBoard log, collapsing',
          folder: join(LOGS, 'collapsing'),
          flags: { embeddingTag: 'val' },
          verdict: 'collapsed',
        },
        { name: 'snapshot folder', folder: join(LOGS, 'snapshots') },
      ];
      for (const c of cases) {
        const labels = c.files?.find((f) => /labels|metadata/.test(f));
        const input = c.folder ?? c.files!.find((f) => f !== labels)!;
        const flags: DiagnoseFlags = { backend: 'auto', ...c.flags, ...(labels === undefined ? {} : { labels }) };
        const expected = diagnoseJson(await diagnoseCommand(input, flags));
        const shown = await diagnoseInPage(opened.page, c);
        assert.equal(shown.json, expected, c.name);
        const verdict = (JSON.parse(expected) as { verdict: string }).verdict;
        assert.equal(shown.verdict, verdict, `${c.name}: data-verdict`);
        if (c.verdict !== undefined) assert.equal(verdict, c.verdict, `${c.name}: the case is what it claims`);
      }
      // The report's sections are shown, and the report can be downloaded.
      assert.ok(await opened.page.$('#distances figure.chart svg'), 'the distance histograms are drawn');
      assert.ok(await opened.page.$('#map figure.chart svg'), 'the map is drawn');
      const href = await opened.page.getAttribute('#download-report', 'href');
      assert.match(href ?? '', /^blob:/);
      assert.deepEqual(opened.errors, []);
    });

    it("a bad file gets the CLI's message, not a verdict", async () => {
      const bad = join(dir, 'bad.npy');
      await writeFile(bad, 'not an npy file');
      await setOptions(opened.page, {});
      await opened.page.setInputFiles('#files', [bad]);
      await opened.page.waitForSelector('#diagnose-status.error');
      const message = await opened.page.textContent('#diagnose-status');
      const cli = await diagnoseCommand(bad, { backend: 'auto' }).then(
        () => 'no error',
        (e: Error) => e.message,
      );
      assert.equal(message, cli.replace(bad, '/input/bad.npy'));
      assert.equal(await opened.page.isHidden('#diagnosis'), true);
    });

    it('trains 20 steps on the bundled sample: finite losses, a verdict, a model to download, no request outside the page', async () => {
      const { page } = opened;
      await page.click('#tab-train');
      await page.fill('#train-steps', '20');
      await page.click('#train-start');
      await page.waitForFunction(
        () =>
          document.querySelector('#train-verdict')?.getAttribute('data-verdict') !== '' ||
          document.querySelector('#train-status')?.classList.contains('error'),
        null,
        { timeout: 300_000 },
      );
      const status = (await page.textContent('#train-status')) ?? '';
      assert.match(status, /^Trained 20 steps: test precision@1 0\.\d+/);
      assert.ok(
        ['healthy', 'collapsing', 'collapsed', 'dimensional-collapse'].includes(
          (await page.getAttribute('#train-verdict', 'data-verdict')) ?? '',
        ),
      );
      assert.ok(await page.$('#training-chart figure.chart svg'), 'the live training chart is drawn');
      const model = await page.$eval('#download-model-json', async (a) =>
        (await fetch((a as HTMLAnchorElement).href)).json(),
      );
      assert.equal((model as { format: string }).format, 'layers-model');
      const fetched = (selector: string) =>
        page.$eval(selector, async (a) => (await fetch((a as HTMLAnchorElement).href)).text());
      const log = (await fetched('#download-train-log'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { step: number; loss: number });
      assert.deepEqual(
        log.map((r) => r.step),
        [0, 10, 19],
      );
      for (const r of log) assert.ok(Number.isFinite(r.loss) && r.loss >= 0, `step ${r.step}: loss ${r.loss}`);
      assert.match(await fetched('#download-train-report'), /<section id="health" class="present">/);
      assert.deepEqual(opened.errors, []);
    });
  },
);
