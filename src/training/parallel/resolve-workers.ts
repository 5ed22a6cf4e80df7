import { nodeModule } from '../../io/node-module.js';
import { invalidArgument } from '../../errors.js';
import type { BackendName } from '../../backend/index.js';
import { parseModelSpec } from '../../models/index.js';

/**
 * The number of worker threads a run trains with: `workers` itself when it is a number, and for
 * `auto`, every available core (`os.availableParallelism()`, at most `batchSize`) when a step's
 * network work outweighs the cost of sharing it — a convnet on the wasm or cpu backend, where two
 * workers train about 1.6× faster than one thread — else 1: an MLP's step on wasm is a few
 * milliseconds, less than the workers' synchronisation, and the node backend is multi-threaded
 * already.
 *
 * @example
 * resolveWorkers('auto', { model: 'convnet', backend: 'wasm', batchSize: 80 }); // 2 on a 2-core machine
 * resolveWorkers('auto', { model: 'mlp:256,128', backend: 'wasm', batchSize: 80 }); // 1
 */
export function resolveWorkers(
  workers: number | 'auto',
  { model, backend, batchSize }: { model: string; backend: BackendName; batchSize: number },
): number {
  if (workers !== 'auto') {
    if (!(Number.isInteger(workers) && workers >= 1)) {
      throw invalidArgument(
        `Setting \`workers\` must be an integer >= 1 or 'auto'. Received: workers=${String(workers)}`,
      );
    }
    return workers;
  }
  const convnet = parseModelSpec(model).kind === 'convnet';
  return convnet && backend !== 'node'
    ? Math.max(1, Math.min(nodeModule('node:os').availableParallelism(), batchSize))
    : 1;
}
