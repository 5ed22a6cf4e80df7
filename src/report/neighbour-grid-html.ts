import { invalidArgument } from '../errors.js';
import { escapeHtml } from './escape-html.js';

/** One image of the grid: a data URI and the name of its class. */
export interface GridImage {
  uri: string;
  className: string;
}

/**
 * The image grid: one line per query, the query image first, then its nearest neighbours in the
 * embedding space, each framed green when it has the query's class and red when not, with its class
 * name under it. Images must be `data:image/...` URIs, so the page stays self-contained.
 *
 * @example
 * neighbourGridHtml([{ query: { uri, className: 'Shirt' }, neighbours: [...] }]);
 */
export function neighbourGridHtml(rows: ReadonlyArray<{ query: GridImage; neighbours: readonly GridImage[] }>): string {
  if (rows.length === 0) throw invalidArgument('Argument `rows` must hold at least one query. Received: none');
  const k = Math.max(...rows.map((r) => r.neighbours.length));
  const cell = (image: GridImage, kind: string) => {
    if (!image.uri.startsWith('data:image/')) {
      throw invalidArgument(
        `Argument \`rows\` must hold data:image/ URIs. Received: ${JSON.stringify(image.uri.slice(0, 30))}`,
      );
    }
    const name = escapeHtml(image.className);
    return `<figure class="${kind}"><img src="${image.uri}" alt="${name}" title="${name}"><figcaption>${name}</figcaption></figure>`;
  };
  const lines = rows.map(({ query, neighbours }) => {
    const cells = neighbours.map((n) => cell(n, n.className === query.className ? 'hit' : 'miss'));
    for (let i = neighbours.length; i < k; i++) cells.push('<span></span>');
    return [cell(query, 'query'), ...cells].join('');
  });
  return `<div class="grid" style="--k: ${k}">\n${lines.join('\n')}\n</div>`;
}
