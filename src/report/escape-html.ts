/**
 * Text made safe to place in HTML content or a double-quoted attribute: `& < > " '` become
 * entities. Every value from a run (class names, paths, settings) goes through it.
 *
 * @example
 * `<td>${escapeHtml(className)}</td>`
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
