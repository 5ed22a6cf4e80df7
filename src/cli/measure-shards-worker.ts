// A thread of measureShards: measures its window of the shards' rows and posts the partial result.
import { parentPort, workerData } from 'node:worker_threads';
import { DeepmetricError } from '../errors.js';
import { readShardChunks } from '../data/index.js';
import { healthPartial, StreamingHealth } from '../health/index.js';
import type { ShardWorkerData, ShardWorkerReply } from './measure-shards.js';

const { shards, options } = workerData as ShardWorkerData;
let reply: ShardWorkerReply;
try {
  let health: StreamingHealth | null = null;
  for await (const chunk of readShardChunks(shards, options)) {
    health ??= new StreamingHealth(chunk.dim, chunk.labels !== null);
    health.add(chunk.data, chunk.rows, chunk.labels, chunk.firstRow, chunk.shard);
  }
  reply = { partial: health === null ? null : healthPartial(health) };
} catch (error) {
  reply = {
    error: {
      code: error instanceof DeepmetricError ? error.code : null,
      message: (error as Error).message ?? String(error),
    },
  };
}
parentPort?.postMessage(reply);
