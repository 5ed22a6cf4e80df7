import { writeFileAtomic } from '../io/index.js';
import { buildReport, type BuildReportOptions } from './build-report.js';
import { runPaths } from '../run/index.js';
import { reportHtml } from './report-html.js';

/**
 * Writes `RUN_DIR/report.html` (atomically: a reader sees the old report or the new one) from what
 * the run directory holds, and returns its path. See `buildReport` for what it shows.
 *
 * @example
 * await initBackend('auto');
 * const path = await writeReport('runs/1');   // 'runs/1/report.html'
 */
export async function writeReport(runDir: string, options: BuildReportOptions = {}): Promise<string> {
  const html = reportHtml(await buildReport(runDir, options));
  const path = runPaths(runDir).report;
  await writeFileAtomic(path, html);
  return path;
}
