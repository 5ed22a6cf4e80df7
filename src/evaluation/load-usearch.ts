import { DeepmetricError } from '../errors.js';
import { join } from 'pathe';
import { nodeModule } from '../io/node-module.js';

/** The part of USearch's Node binding deepmetric uses (its `usearch` npm package, CommonJS entry). */
export type Usearch = typeof import('usearch');

let cached: { module: Usearch; version: string } | null = null;

/**
 * USearch's Node binding and its version, required when first called for, never imported: the core
 * still bundles for a browser (where this throws a `backend` error), and `retrievalMetrics` stays
 * synchronous. The prebuilt binary for linux-x64, linux-arm64 and macOS ships inside the npm package.
 *
 * @example
 * const { module: usearch, version } = loadUsearch();
 * const index = new usearch.Index({ dimensions: 128, metric: usearch.MetricKind.L2sq, ... });
 */
export function loadUsearch(): { module: Usearch; version: string } {
  if (cached !== null) return cached;
  const nodeModuleApi = globalThis.process?.getBuiltinModule?.('node:module') as
    typeof import('node:module') | undefined;
  if (nodeModuleApi === undefined) {
    throw new DeepmetricError(
      'backend',
      "approximate k-NN needs USearch's Node binding, which is not available here: use knn: 'exact' (or Node.js >= 20.16)",
    );
  }
  const require = nodeModuleApi.createRequire(import.meta.url);
  try {
    const module = require('usearch') as Usearch;
    // The package exports no ./package.json: read it beside the resolved entry (javascript/dist/cjs/).
    const entry = require.resolve('usearch');
    const manifest = join(entry, '..', '..', '..', '..', 'package.json');
    const { version } = JSON.parse(nodeModule('node:fs').readFileSync(manifest, 'utf8')) as { version: string };
    cached = { module, version };
    return cached;
  } catch (error) {
    throw new DeepmetricError(
      'backend',
      `approximate k-NN needs the npm package usearch (npm install usearch), which did not load: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
