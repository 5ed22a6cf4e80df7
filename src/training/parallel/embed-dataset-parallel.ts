import { nodeModule } from '../../io/node-module.js';
import type { Worker } from 'node:worker_threads';
import type * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { DeepmetricError, invalidArgument } from '../../errors.js';
import { batchTensor, sampleSize, type Dataset } from '../../data/index.js';
import { embedDataset } from '../../models/index.js';
import { currentBackendChoice } from './current-backend-choice.js';
import { firstMessage, startWorker } from './start-worker.js';
import type { EmbedRequest, EmbedResult } from './worker-protocol.js';

export interface EmbedDatasetParallelOptions {
  /** Threads that run the model, this one included. Default: the cores available (`os.availableParallelism()`). */
  threads?: number;
  /** Rows per forward pass. Default 256. */
  batchSize?: number;
}

/**
 * `embedDataset` on several threads: the rows are cut into batches of `batchSize`, and this
 * thread and `threads − 1` worker threads (each with its own backend and a replica of the model:
 * same topology, same weights) take the next batch whenever they are free, until none is left.
 * This thread starts at once, so the workers' start-up (a second or two: each loads tfjs) costs
 * nothing but their share. The result is `embedDataset(model, dataset, batchSize)`'s, value for
 * value: every batch is the same forward pass whichever thread runs it. Runs on this thread's
 * backend (wasm, cpu or node); the caller disposes the `[n, dim]` result.
 *
 * @example
 * const embeddings = await embedDatasetParallel(model, test); // [2000, 64], on every core
 */
export async function embedDatasetParallel(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: EmbedDatasetParallelOptions = {},
): Promise<tf.Tensor2D> {
  const { threads = nodeModule('node:os').availableParallelism(), batchSize = 256 } = options;
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw invalidArgument(`Argument \`threads\` must be an integer >= 1. Received: threads=${String(threads)}`);
  }
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw invalidArgument(`Argument \`batchSize\` must be an integer > 0. Received: batchSize=${String(batchSize)}`);
  }
  const n = dataset.labels.length;
  const batches = Math.ceil(n / batchSize);
  const outShape = model.outputs.length === 1 ? model.outputs[0].shape : [];
  if (threads === 1 || batches < 2 || outShape.length !== 2 || outShape[1] === null) {
    // One thread's work, or a model embedDataset will reject with its own message.
    return embedDataset(model, dataset, batchSize);
  }
  const dim = outShape[1];
  const embeddings = new Float32Array(n * dim);
  let next = 0;
  const take = (): number => (next < batches ? next++ : -1);
  const rowsOf = (batch: number): [number, number] => [batch * batchSize, Math.min(n, (batch + 1) * batchSize)];

  const size = sampleSize(dataset.sampleShape);
  const setup = {
    mode: 'embed' as const,
    backend: currentBackendChoice(),
    topology: JSON.stringify(model.toJSON(null, false)),
    weights: model.getWeights().map((w) => ({ shape: [...w.shape], values: w.dataSync() as Float32Array })),
    sampleShape: dataset.sampleShape,
  };
  /**
   * Feeds one worker until the batches run out. Two requests stay in flight, so that the worker
   * has its next batch while this thread is busy embedding and cannot read its answer.
   */
  const serve = async (worker: Worker): Promise<void> => {
    try {
      await firstMessage(worker, 'ready');
      const send = (): boolean => {
        const batch = take();
        if (batch < 0) return false;
        const [start, end] = rowsOf(batch);
        const request: EmbedRequest = { start, features: dataset.features.slice(start * size, end * size) };
        worker.postMessage(request, [request.features.buffer as ArrayBuffer]);
        return true;
      };
      let pending = Number(send()) + Number(send());
      while (pending > 0) {
        const result = (await firstMessage(worker)) as EmbedResult;
        if ('error' in result) throw new Error(result.error);
        embeddings.set(result.embeddings, result.start * dim);
        pending += Number(send()) - 1;
      }
    } catch (error) {
      failures.push(error);
      next = batches;
    }
  };
  const workers: Worker[] = Array.from({ length: Math.min(threads, batches) - 1 }, () => startWorker(setup, []));
  const failures: unknown[] = [];
  const served = workers.map((worker) => serve(worker));
  try {
    for (let batch = take(); batch >= 0; batch = take()) {
      const [start, end] = rowsOf(batch);
      const out = tf.tidy(
        () =>
          model.predict(
            batchTensor(
              dataset,
              Int32Array.from({ length: end - start }, (_, i) => start + i),
            ),
            { batchSize: end - start },
          ) as tf.Tensor,
      );
      embeddings.set(out.dataSync(), start * dim);
      out.dispose();
      // Let the workers' answers in, so that they get their next batch while this thread works.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(served);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  if (failures.length > 0) {
    throw new DeepmetricError(
      'backend',
      `An embedding worker failed: ${String(failures[0] instanceof Error ? failures[0].message : failures[0])}`,
      {
        cause: failures[0],
      },
    );
  }
  return tf.tensor2d(embeddings, [n, dim]);
}
