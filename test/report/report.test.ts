import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { tf } from '../../src/tf.js';
import { initBackend } from '../../src/backend/index.js';
import { diagnose, HEALTH_SNAPSHOT_FIELDS, parseHealthSnapshot, type HealthSnapshot } from '../../src/health/index.js';
import {
  REPORT_SECTIONS,
  buildReport,
  escapeHtml,
  reportHtml,
  writeReport,
  type ReportPage,
  type SectionId,
} from '../../src/report/index.js';
import { readRunLog, runTraining, type TrainConfig } from '../../src/run/index.js';
import type { StepRecord, Trainer } from '../../src/training/index.js';
import { tinyImagesIdx, tinyRunConfig } from '../helpers/tiny-run.js';

/** The sections of a report page as written: id, whether it has content, its inner HTML. */
function sectionsOf(html: string): Array<{ id: string; present: boolean; body: string }> {
  return [...html.matchAll(/<section id="([^"]+)" class="(present|missing)">([\s\S]*?)<\/section>/g)].map((m) => ({
    id: m[1],
    present: m[2] === 'present',
    body: m[3],
  }));
}

/** Fails on anything that would make the page load something: a URL, a script, a stylesheet link, an external image. */
function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /https?:\/\//i, 'no http(s) URL');
  assert.doesNotMatch(html, /<script|<link|<iframe|<object|<embed|@import/i, 'no script, link, frame or import');
  for (const [, src] of html.matchAll(/\bsrc="([^"]*)"/g))
    assert.match(src, /^data:image\/png;base64,/, 'images are data URIs');
  for (const [, href] of html.matchAll(/\bhref="([^"]*)"/g)) assert.match(href, /^#/, 'links stay on the page');
  for (const [, url] of html.matchAll(/url\(([^)]*)\)/g))
    assert.match(url, /^#/, 'CSS and SVG url() point into the page');
}

/** Open and close tags of the elements the report nests balance, and the document has one html, head and body. */
function assertWellFormed(html: string): void {
  assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
  for (const tag of ['html', 'head', 'body', 'main', 'header']) {
    assert.equal(html.match(new RegExp(`<${tag}[\\s>]`, 'g'))?.length, 1, tag);
    assert.equal(html.match(new RegExp(`</${tag}>`, 'g'))?.length, 1, tag);
  }
  for (const tag of ['section', 'figure', 'table', 'svg', 'g', 'p', 'div', 'tr', 'td']) {
    const open = html.match(new RegExp(`<${tag}[\\s>]`, 'g'))?.length ?? 0;
    const close = html.match(new RegExp(`</${tag}>`, 'g'))?.length ?? 0;
    assert.equal(open, close, `<${tag}> opened ${open} times, closed ${close}`);
  }
}

const ALL_IDS = REPORT_SECTIONS.map((s) => s.id);

describe('reportHtml', () => {
  it('writes every section in order, content or a marked note, escaped, self-contained', () => {
    const sections = Object.fromEntries(
      ALL_IDS.map((id, i) => [
        id,
        i % 2 === 0 ? { html: `<p>content of ${id}</p>` } : { absent: `no ${id} <here> & "there"` },
      ]),
    ) as Record<SectionId, ReportPage['sections'][SectionId]>;
    const html = reportHtml({ title: 'deepmetric report: runs/<1>', subtitle: 'a & b', sections });
    assertSelfContained(html);
    assertWellFormed(html);
    assert.match(html, /<title>deepmetric report: runs\/&lt;1&gt;<\/title>/);
    const found = sectionsOf(html);
    assert.deepEqual(
      found.map((s) => s.id),
      ALL_IDS,
    );
    found.forEach((s, i) => {
      assert.equal(s.present, i % 2 === 0);
      if (s.present) assert.match(s.body, new RegExp(`<p>content of ${s.id}</p>`));
      else
        assert.match(
          s.body,
          new RegExp(
            `<p class="absent"><strong>Not available:</strong> no ${s.id} &lt;here&gt; &amp; &quot;there&quot;</p>`,
          ),
        );
    });
    assert.match(html, /@media print/);
    const { verdict: _dropped, ...partial } = sections;
    assert.throws(
      () => reportHtml({ title: 't', subtitle: 's', sections: partial as typeof sections }),
      /no 'verdict'/,
    );
  });
});

describe('writeReport', () => {
  let dir: string;
  before(async () => {
    await initBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'dm-report-'));
  });

  async function train(config: TrainConfig, stopAt?: number): Promise<void> {
    const stop = { onStepEnd: (t: Trainer) => (t.step === stopAt ? t.requestStop('interrupted', 'test') : undefined) };
    await runTraining(config, { progress: null, callbacks: stopAt === undefined ? [] : [stop] });
  }

  it("reports an image run: every section, the run's metrics, a map point per test image, the neighbour grid", async () => {
    const config = await tinyRunConfig(dir, {
      data: await tinyImagesIdx(dir),
      out: join(dir, 'images-run'),
      classesPerBatch: 4,
    });
    await train(config);
    const before = tf.memory().numTensors;
    const path = await writeReport(config.out);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.equal(path, join(config.out, 'report.html'));
    const html = await readFile(path, 'utf8');
    assertSelfContained(html);
    assertWellFormed(html);
    const sections = new Map(sectionsOf(html).map((s) => [s.id, s]));
    assert.deepEqual([...sections.keys()], ALL_IDS);
    for (const id of ['settings', 'metrics', 'training', 'distances', 'map', 'neighbours'] as const) {
      assert.ok(sections.get(id)?.present, `${id} has content`);
    }
    const measured = (await readRunLog(join(config.out, 'log.jsonl'))).some((r) => r.health !== undefined);
    assert.equal(
      sections.get('health')?.present,
      measured,
      'the health section has content exactly when the log has probes',
    );

    // The metrics table agrees with what training itself measured (summary.json, another code path).
    const summary = JSON.parse(await readFile(join(config.out, 'summary.json'), 'utf8'));
    const row = /<tr><td>precision@1<\/td><td class="num">([\d.]+)<\/td><td class="num">([\d.]+)<\/td>/.exec(
      sections.get('metrics')?.body ?? '',
    );
    assert.deepEqual(
      [row?.[1], row?.[2]],
      [summary.test.precisionAt1.toFixed(4), summary.rawTest.precisionAt1.toFixed(4)],
    );
    assert.match(sections.get('metrics')?.body ?? '', /the 32 test samples \(4 classes\)/);
    // Settings: every setting of config.json.
    for (const key of Object.keys(config))
      assert.match(sections.get('settings')?.body ?? '', new RegExp(`<td>${key}</td>`));

    // The map: one circle per test sample (32), drawn by vega as one path each.
    const map = sections.get('map')?.body ?? '';
    const symbols = /<g class="mark-symbol role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(map)?.[1] ?? '';
    assert.equal(symbols.match(/<path/g)?.length, 32);
    // The grid: 4 queries (one per class) with 8 neighbours each, as 8 x 8 PNGs.
    const grid = sections.get('neighbours')?.body ?? '';
    const images = [...grid.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
    assert.equal(images.length, 4 * 9);
    const meta = await sharp(images[0]).metadata();
    assert.deepEqual([meta.width, meta.height, meta.format], [8, 8, 'png']);
    assert.equal(grid.match(/<figure class="query">/g)?.length, 4);
    assert.equal((grid.match(/<figure class="(hit|miss)">/g) ?? []).length, 32);
  });

  it('diagnoses the probes of the log and charts them with the thresholds; says "not measured in this run" without them', async () => {
    const config = await tinyRunConfig(dir, { out: join(dir, 'csv-run') });
    await train(config);
    const logPath = join(config.out, 'log.jsonl');
    const log = await readRunLog(logPath);
    // Probes every 5 steps of a run whose normalized spread falls to nothing: a collapse.
    const probe = (i: number): HealthSnapshot => {
      const spread = 1.2 * (1 - i / 20) + 0.001;
      const values = Object.fromEntries(HEALTH_SNAPSHOT_FIELDS.map((f) => [f, 0.5])) as Record<
        keyof HealthSnapshot,
        number
      >;
      return {
        ...values,
        rows: 12,
        dim: 4,
        nonFinite: 0,
        numClasses: 3,
        meanNormalizedDistance: spread,
        meanNormalizedDistanceRatio: spread / 1.2,
        normalizedStdSqrtDim: spread / 1.3,
        effectiveRank: 1 + spread,
        deadDimensions: 0,
        margin: 0.2,
      };
    };
    const withHealth: StepRecord[] = log.map((r, i) =>
      i % 5 === 0 || i === log.length - 1 ? { ...r, health: probe(i) } : r,
    );
    await writeFile(logPath, withHealth.map((r) => `${JSON.stringify(r)}\n`).join(''));
    let page = await buildReport(config.out);
    const health = page.sections.health;
    assert.ok('html' in health);
    assert.match(health.html, /data-chart="health"/);
    const svg = health.html;
    for (const metric of [
      'meanNormalizedDistance',
      'meanNormalizedDistanceRatio',
      'normalizedStdSqrtDim',
      'effectiveRank',
      'violationFraction',
    ]) {
      assert.match(svg, new RegExp(`>${metric}<`), `a panel for ${metric}`);
    }
    assert.doesNotMatch(svg, />numClasses</, 'bookkeeping fields are not charted');
    assert.match(svg, />collapsed &lt; 0\.1</, 'the collapse threshold is drawn');
    assert.match(svg, />dimensional collapse &lt; 1</, 'the rank the 3 classes need: 0.5 x min(3 - 1, 4)');

    const expected = diagnose({ health: probe(log.length - 1), history: withHealth, run: config });
    assert.equal(expected.verdict, 'collapsed');
    const verdict = page.sections.verdict;
    assert.ok('html' in verdict);
    assert.match(verdict.html, /<div class="verdict collapsed">\n<div class="label">collapsed<\/div>/);
    assert.match(verdict.html, new RegExp(`the last training probe \\(step ${log.length - 1}, 12 training samples\\)`));
    assert.match(
      verdict.html,
      /<thead><tr><th>metric<\/th><th>probe<\/th><th>test<\/th>/,
      "the test split's final health joins the evidence",
    );
    assert.match(verdict.html, /<tr><td>effectiveRank<\/td><td class="num">1\.0\d*<\/td><td class="num">[\d.]+<\/td>/);
    assert.match(verdict.html, /COLLAPSED_NORMALIZED_DISTANCE/);
    assert.ok(expected.causes.length > 0);
    for (const cause of expected.causes) assert.ok(verdict.html.includes(`<strong>${cause.id}</strong>`), cause.id);
    assert.ok(verdict.html.includes(escapeHtml(expected.causes[0].remedy)));

    const withoutHealth = log.map(({ health: _dropped, ...rest }) => `${JSON.stringify(rest)}\n`);
    await writeFile(logPath, withoutHealth.join(''));
    page = await buildReport(config.out);
    assert.deepEqual(page.sections.health, {
      absent: 'not measured in this run: the log holds no health numbers (probes).',
    });
    // Without probes the verdict is read from the test split's final health in summary.json.
    const summary = JSON.parse(await readFile(join(config.out, 'summary.json'), 'utf8'));
    const fromTest = diagnose({
      health: parseHealthSnapshot(summary.health),
      history: log.map(({ health: _h, ...rest }) => rest),
      run: config,
    });
    const verdictNow = page.sections.verdict;
    assert.ok('html' in verdictNow);
    assert.match(verdictNow.html, new RegExp(`<div class="label">${fromTest.verdict}</div>`));
    assert.match(
      verdictNow.html,
      /Diagnosed from the final embeddings of the 18 test samples, with the run&#39;s log and settings\./,
    );
    // Not image data: no grid, and the note says why.
    assert.deepEqual(page.sections.neighbours, {
      absent: 'the data are not images (each sample has shape [8]), so there is nothing to show.',
    });
    assert.ok('html' in page.sections.map && 'html' in page.sections.distances);
  });

  it('reports an unfinished run with its last checkpoint; without one, the model sections and the verdict say why they are empty', async () => {
    const config = await tinyRunConfig(dir, { out: join(dir, 'stopped-run') });
    await train(config, 5);
    let page = await buildReport(config.out);
    assert.ok('html' in page.sections.training && 'html' in page.sections.settings);
    for (const id of ['metrics', 'distances', 'map'] as const) {
      const body = page.sections[id];
      assert.ok(
        'html' in body &&
          body.html.startsWith(
            '<p class="note"><strong>From the last checkpoint (step 5):</strong> the run has not finished',
          ),
        id,
      );
    }
    assert.match(page.subtitle, /unfinished: 5 logged steps/);
    // The checkpoint's model measures the test split for the verdict, as `deepmetric diagnose` does.
    assert.ok('html' in page.sections.verdict);

    const logPath = join(config.out, 'log.jsonl');
    const log = await readRunLog(logPath);
    await writeFile(logPath, log.map(({ health: _dropped, ...rest }) => `${JSON.stringify(rest)}\n`).join(''));
    await rm(join(config.out, 'checkpoints'), { recursive: true });
    page = await buildReport(config.out);
    for (const id of ['metrics', 'distances', 'map', 'neighbours'] as const) {
      const body = page.sections[id];
      assert.ok(
        'absent' in body &&
          body.absent.includes('saved neither a trained model') &&
          body.absent.includes(`--resume ${config.out}`),
        id,
      );
    }
    assert.deepEqual(page.sections.verdict, {
      absent:
        'not measured in this run: the log holds no health probe and there is no model to measure the test split with, so there is no verdict.',
    });
  });

  it('refuses a folder that is not a run directory, and a bad map method', async () => {
    await assert.rejects(writeReport(join(dir, 'nothing')), /config\.json: not a run directory/);
    await assert.rejects(
      buildReport(join(dir, 'csv-run'), { map: 'tsne' as 'pca' }),
      /Option `map` must be one of pca, umap/,
    );
    await rm(join(dir, 'nothing'), { recursive: true, force: true });
  });
});
