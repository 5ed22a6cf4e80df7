import type { MessagePort } from 'node:worker_threads';
import type { BackendChoice } from '../../backend/index.js';

/**
 * What the main thread and a parallel worker share. A training step is driven through a small
 * Int32Array of shared control words with `Atomics.wait` / `Atomics.notify` on both sides, so
 * that the main thread can run a step synchronously (the Trainer's step is synchronous) while the
 * workers compute; bulk data (weights, inputs, embeddings, their gradients, weight gradients)
 * lives in SharedArrayBuffers, written by one side and read by the other between two signals.
 */

/** Indices into the control words. */
export const CONTROL = {
  /** What the main thread asks for: a `Command`. */
  command: 0,
  /** Where the worker is: a `Status`. */
  status: 1,
  /** Rows of the batch this worker embeds in this step. */
  rows: 2,
  /** Bumped by the main thread whenever it writes new weights. */
  weightsVersion: 3,
} as const;
export const CONTROL_WORDS = 4;

/**
 * `forward` then `backward` make a training step; `embed` writes the rows' outputs before the
 * model's final L2Normalize (its outputs when it has none) to `embeddings`, for the health probe.
 */
export const Command = { idle: 0, forward: 1, backward: 2, quit: 3, embed: 4 } as const;
export const Status = { idle: 0, embedded: 1, done: 2, failed: 3 } as const;

/** The shared memory of one training worker. */
export interface TrainBuffers {
  control: SharedArrayBuffer;
  /** Every trainable weight, concatenated in the model's order; one buffer shared by all workers. */
  weights: SharedArrayBuffer;
  /** This worker's rows of the batch, `rows × sampleSize` float32. */
  inputs: SharedArrayBuffer;
  /** The worker's embeddings of its rows, `rows × dim`. */
  embeddings: SharedArrayBuffer;
  /** The loss's gradient with respect to those embeddings, `rows × dim`. */
  upstream: SharedArrayBuffer;
  /** The worker's gradient of every trainable weight, laid out as `weights`. */
  gradients: SharedArrayBuffer;
}

/** `workerData` of a worker that computes gradients for a `ParallelTrainer`. */
export interface TrainWorkerData {
  mode: 'train';
  backend: BackendChoice;
  /** The model's topology (`model.toJSON(null, false)`): the worker builds its own replica. */
  topology: string;
  /** Shapes of the trainable weights, in order, to check the replica against. */
  weightShapes: number[][];
  sampleShape: number[];
  embeddingDim: number;
  buffers: TrainBuffers;
  /** Where the worker posts the message of an error it caught (read synchronously by the main thread). */
  errors: MessagePort;
}

/**
 * `workerData` of a worker that embeds batches for `embedDatasetParallel`: it posts 'ready' once
 * its replica holds the weights, then answers each `EmbedRequest` with an `EmbedResult`.
 */
export interface EmbedWorkerData {
  mode: 'embed';
  backend: BackendChoice;
  topology: string;
  weights: Array<{ shape: number[]; values: Float32Array }>;
  sampleShape: number[];
}

/** One batch to embed: rows `[start, start + rows)` of the dataset, their features. */
export interface EmbedRequest {
  start: number;
  features: Float32Array;
}

/** The embeddings of a request's rows, `rows × dim`, or what went wrong. */
export type EmbedResult = { start: number; embeddings: Float32Array } | { start: number; error: string };

export type WorkerData = TrainWorkerData | EmbedWorkerData;
