import { DeepmetricError, invalidArgument, type ErrorCode } from '../errors.js';
import { readNpyMatrixHeader, readShardChunks, type ReadShardChunksOptions } from '../data/index.js';
import { mergeHealthPartials, parseHealthPartial, StreamingHealth, type HealthPartial } from '../health/index.js';
import { nodeModule } from '../io/node-module.js';

/** Below this many rows one thread measures the shards: a thread's start costs more than it saves. */
export const PARALLEL_MIN_ROWS = 1_000_000;

/** What a thread of `measureShards` posts back. */
export type ShardWorkerReply =
  { partial: HealthPartial | null } | { error: { code: ErrorCode | null; message: string } };

/** What a thread of `measureShards` is given. */
export interface ShardWorkerData {
  shards: string[];
  options: ReadShardChunksOptions & { window: { start: number; end: number } };
}

/**
 * The StreamingHealth of the rows of shards (`readShardChunks`), measured by `threads` threads
 * (default: 2 when the shards are .npy files of at least PARALLEL_MIN_ROWS rows and the machine has
 * 2 cores, else 1). Each thread measures a contiguous window of the global rows and posts its
 * partial result, which are merged: the same numbers as one thread's (to rounding; the pair sample
 * is the same rows), since the state is keyed by global row index.
 *
 * @example
 * const health = await measureShards(['a.npy', 'b.npy'], { labels: ['a.labels.npy', 'b.labels.npy'] });
 */
export async function measureShards(
  shards: readonly string[],
  options: ReadShardChunksOptions,
  threads?: number,
): Promise<StreamingHealth | null> {
  const npy = shards.every((s) => s.toLowerCase().endsWith('.npy'));
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw invalidArgument(`--threads must be an integer >= 1. Received: ${String(threads)}`);
  }
  let count = threads ?? 1;
  let total = 0;
  if (npy && count !== 1) {
    for (const shard of shards) total += (await readNpyMatrixHeader(shard)).rows;
  } else if (npy && threads === undefined) {
    for (const shard of shards) total += (await readNpyMatrixHeader(shard)).rows;
    // A page (the web app) has no worker threads: it sums on its one thread.
    const cores = globalThis.process?.getBuiltinModule === undefined ? 1 : nodeModule('node:os').availableParallelism();
    count = total >= PARALLEL_MIN_ROWS ? Math.min(2, cores) : 1;
  }
  if (!npy || count === 1 || total < count) return measureInline(shards, options);
  const start = options.rowOffset ?? 0;
  const windows = Array.from({ length: count }, (_, i) => ({
    start: start + Math.floor((i * total) / count),
    end: start + Math.floor(((i + 1) * total) / count),
  }));
  const replies = await Promise.all(
    windows.map((window) => runWorker({ shards: [...shards], options: { ...options, window } })),
  );
  const parts = replies.flatMap((partial, i) =>
    partial === null ? [] : [{ file: `thread ${i}`, health: parseHealthPartial(partial, `thread ${i}`) }],
  );
  return parts.length === 0 ? null : mergeHealthPartials(parts);
}

async function measureInline(
  shards: readonly string[],
  options: ReadShardChunksOptions,
): Promise<StreamingHealth | null> {
  let health: StreamingHealth | null = null;
  for await (const chunk of readShardChunks(shards, options)) {
    health ??= new StreamingHealth(chunk.dim, chunk.labels !== null);
    health.add(chunk.data, chunk.rows, chunk.labels, chunk.firstRow, chunk.shard);
  }
  return health;
}

function runWorker(data: ShardWorkerData): Promise<HealthPartial | null> {
  const { Worker } = nodeModule('node:worker_threads');
  // From dist/ the worker is the .js file beside this one. From the sources (tsx), the .ts file,
  // loaded through tsx's loader registered in the thread itself: Node 20 does not pass the
  // main thread's --import hooks on to a worker.
  const source = import.meta.url.endsWith('.ts');
  const entry = new URL(`./measure-shards-worker.${source ? 'ts' : 'js'}`, import.meta.url);
  const url = source
    ? new URL(
        `data:text/javascript,${encodeURIComponent(
          `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(entry.href)});`,
        )}`,
      )
    : entry;
  const worker = new Worker(url, { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: ShardWorkerReply) => {
      if ('error' in reply) reject(new DeepmetricError(reply.error.code ?? 'invalid-input', reply.error.message));
      else resolve(reply.partial);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`a diagnose thread stopped with exit code ${code}`));
    });
  });
}
