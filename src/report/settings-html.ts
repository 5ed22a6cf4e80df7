import type { TrainConfig } from '../run/index.js';
import { escapeHtml } from './escape-html.js';

/**
 * The run's settings (its `config.json`, every setting resolved) as a two-column table, in the
 * order the config lists them; null shows as "-".
 *
 * @example
 * settingsHtml(JSON.parse(await readFile('runs/1/config.json', 'utf8')));
 */
export function settingsHtml(config: TrainConfig): string {
  const rows = Object.entries(config).map(
    ([key, value]) =>
      `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(value === null ? '-' : String(value))}</td></tr>`,
  );
  return `<div class="settings"><table>\n${rows.join('\n')}\n</table></div>`;
}
