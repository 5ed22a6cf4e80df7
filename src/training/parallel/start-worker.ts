import { extname } from 'pathe';
import type { TransferListItem, Worker } from 'node:worker_threads';
import { nodeModule } from '../../io/node-module.js';
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
  const { Worker } = nodeModule('node:worker_threads');
  const ext = extname(new URL(import.meta.url).pathname);
  const entry = new URL(`./parallel-worker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(entry, { workerData: data, transferList });
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
