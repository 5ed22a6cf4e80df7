import type { TopLevelSpec } from 'vega-lite';
import { invalidArgument } from '../errors.js';
import type { Projection2D } from './pca-projection.js';

export interface EmbeddingMapChartOptions {
  /** How the map was made, for the axis titles. */
  method: 'pca' | 'umap';
  /** The class of each point, as `classNames` indices. */
  labels: ArrayLike<number>;
  classNames: readonly string[];
}

/**
 * A scatter plot of embeddings mapped to 2-D, one colour per class. With PCA the axes say the
 * share of variance they carry (a first axis near 100% is a sign of dimensional collapse); with
 * UMAP the axes carry no units, only the neighbourhoods mean something.
 *
 * @example
 * const spec = embeddingMapChartSpec(pcaProjection(embeddings), { method: 'pca', labels, classNames });
 */
export function embeddingMapChartSpec(projection: Projection2D, options: EmbeddingMapChartOptions): TopLevelSpec {
  const { xy } = projection;
  const { method, labels, classNames } = options;
  if (xy.length !== 2 * labels.length || labels.length === 0) {
    throw invalidArgument(
      `Argument \`projection\` must hold two coordinates per label (${labels.length} labels). Received: ${xy.length} coordinates`,
    );
  }
  const values = Array.from({ length: labels.length }, (_, i) => ({
    x: xy[2 * i],
    y: xy[2 * i + 1],
    class: classNames[labels[i]] ?? String(labels[i]),
  }));
  const shown = new Set(values.map((v) => v.class));
  const domain = classNames.filter((name) => shown.has(name));
  const axis = (k: 0 | 1) =>
    method === 'pca'
      ? `PC${k + 1}${projection.explained === null ? '' : ` (${(100 * projection.explained[k]).toFixed(1)}% of variance)`}`
      : `UMAP ${k + 1}`;
  return {
    data: { values },
    width: 520,
    height: 420,
    mark: { type: 'circle', size: 14, opacity: 0.75 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axis(0), scale: { zero: false, nice: false, padding: 8 } },
      y: { field: 'y', type: 'quantitative', title: axis(1), scale: { zero: false, nice: false, padding: 8 } },
      color: {
        field: 'class',
        type: 'nominal',
        title: 'class',
        scale: { domain, scheme: domain.length <= 10 ? 'tableau10' : 'tableau20' },
      },
    },
  };
}
