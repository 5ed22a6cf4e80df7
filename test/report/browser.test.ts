import assert from 'node:assert/strict';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import sharp from 'sharp';
import { initBackend } from '../../src/backend/index.js';
import { REPORT_SECTIONS, writeReport } from '../../src/report/index.js';
import { readRunLog, runTraining } from '../../src/run/index.js';
import { CHROMIUM, openInChromium, renderedCharts } from '../helpers/browser.js';
import { tinyImagesIdx, tinyRunConfig } from '../helpers/tiny-run.js';

it('a report renders in chromium offline: every chart drawn with axes and marks, every image decoded, no error, printable', async () => {
  await stat(CHROMIUM).catch(() => {
    throw new Error(
      `${CHROMIUM} not found: the browser test needs Debian's chromium (apt-get install chromium), as .ci/run installs it`,
    );
  });
  await initBackend('cpu');
  const dir = await mkdtemp(join(tmpdir(), 'dm-browser-'));
  const config = await tinyRunConfig(dir, {
    data: await tinyImagesIdx(dir),
    out: join(dir, 'run'),
    classesPerBatch: 4,
  });
  await runTraining(config, { progress: null });
  const path = await writeReport(config.out);
  const measured = (await readRunLog(join(config.out, 'log.jsonl'))).some((r) => r.health !== undefined);

  const opened = await openInChromium(path);
  try {
    const { page } = opened;
    const charts = await renderedCharts(page);
    const expected = ['metrics', 'training', ...(measured ? ['health'] : []), 'distances', 'map'];
    assert.deepEqual(
      charts.map((c) => c.name),
      expected,
    );
    for (const chart of charts) {
      assert.ok(chart.width > 200 && chart.height > 100, `${chart.name} is laid out: ${chart.width} x ${chart.height}`);
      assert.ok(chart.axes >= 2, `${chart.name} has axes: ${chart.axes}`);
      assert.ok(chart.marks >= 2, `${chart.name} has drawn marks: ${chart.marks}`);
    }
    const map = charts.find((c) => c.name === 'map');
    assert.ok(map !== undefined && map.marks >= 32, `a point per test image: ${map?.marks}`);
    const images = await page.$$eval('#neighbours img', (imgs) =>
      imgs.map((img) => [(img as HTMLImageElement).complete, (img as HTMLImageElement).naturalWidth]),
    );
    assert.equal(images.length, 36);
    assert.ok(
      images.every(([complete, width]) => complete === true && width === 8),
      'every thumbnail decoded',
    );
    const ids = await page.$$eval('main > section', (sections) => sections.map((s) => s.id));
    assert.deepEqual(
      ids,
      REPORT_SECTIONS.map((s) => s.id),
    );

    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const meta = await sharp(shot).metadata();
    assert.ok(meta.width === 1200 && (meta.height ?? 0) > 2000, `screenshot ${meta.width} x ${meta.height}`);

    // Printed: every section and chart still shows, the navigation does not.
    await page.emulateMedia({ media: 'print' });
    const printed = await page.$$eval('main > section, figure.chart svg', (els) =>
      els.map((el) => el.getBoundingClientRect().height),
    );
    assert.ok(
      printed.every((h) => h > 0),
      `heights in print: ${printed.join(', ')}`,
    );
    assert.equal(await page.$eval('nav', (nav) => getComputedStyle(nav).display), 'none');
    assert.deepEqual(opened.errors, [], 'no console error, page error or request');
  } finally {
    await opened.close();
  }
});
