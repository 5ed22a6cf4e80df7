import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { WorkerData } from './worker-protocol.js';

/**
 * Starts a thread running parallel-worker with `data`. From compiled JavaScript the worker is
 * parallel-worker.js next to this file; from TypeScript sources (tests, benchmarks run with tsx)
 * a worker does not inherit tsx's loader, so a two-line bootstrap registers it first.
 *
 * @example
 * const worker = startWorker({ mode: 'embed', ... }, []);
 * worker.once('message', (result) => ...);
 */
export function startWorker(data: WorkerData, transferList: TransferListItem[]): Worker {
  const here = fileURLToPath(import.meta.url);
  const entry = new URL(`./parallel-worker${extname(here)}`, import.meta.url);
  if (extname(here) !== '.ts') return new Worker(entry, { workerData: data, transferList });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data, transferList });
}

/** The worker's next message (`expected`, when given), or its error or exit as a rejection. */
export function firstMessage(worker: Worker, expected?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      cleanup();
      if (expected !== undefined && message !== expected)
        reject(new Error(`unexpected message ${JSON.stringify(message)}`));
      else resolve(message);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the worker exited with code ${code}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
