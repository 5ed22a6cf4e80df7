/**
 * Takes a screenshot of a report in headless chromium, with the code the browser test uses:
 *
 *   npx tsx scripts/screenshot-report.ts RUN_DIR/report.html docs/report.png [width] [height]
 *
 * `width` is the viewport width (default 1100); `height`, when given, keeps only the top of the page
 * (else the full page). Fails if the page logs an error or requests anything.
 */
import { openInChromium } from '../test/helpers/browser.js';

const [input, output, width = '1100', height] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  process.stderr.write('usage: npx tsx scripts/screenshot-report.ts REPORT.html OUT.png [width] [height]\n');
  process.exit(2);
}
const opened = await openInChromium(input, { width: Number(width), height: 900 });
try {
  await opened.page.screenshot({
    path: output,
    fullPage: true,
    ...(height === undefined ? {} : { clip: { x: 0, y: 0, width: Number(width), height: Number(height) } }),
  });
  if (opened.errors.length > 0) throw new Error(`the page had errors:\n${opened.errors.join('\n')}`);
  process.stdout.write(`${output}\n`);
} finally {
  await opened.close();
}
