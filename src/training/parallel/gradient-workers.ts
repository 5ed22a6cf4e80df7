import type { MessagePort, Worker } from 'node:worker_threads';
import { nodeModule } from '../../io/node-module.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { DeepmetricError, invalidArgument } from '../../errors.js';
import { sampleSize, type Dataset } from '../../data/index.js';
import { currentBackendChoice } from './current-backend-choice.js';
import { firstMessage, startWorker } from './start-worker.js';
import { CONTROL, CONTROL_WORDS, Command, Status, type TrainBuffers } from './worker-protocol.js';

export interface GradientWorkersOptions {
  /** The model whose replicas the workers run; its weights are sent to them at every step. */
  model: tfl.LayersModel;
  /** Worker threads (each its own backend and replica). */
  workers: number;
  /** The largest batch a step will ask for. */
  maxRows: number;
  /** Shape of one input row, as the dataset's `sampleShape`. */
  sampleShape: number[];
}

interface Slot {
  worker: Worker;
  errors: MessagePort;
  control: Int32Array;
  inputs: Float32Array;
  embeddings: Float32Array;
  upstream: Float32Array;
  gradients: Float32Array;
  /** Rows of the current step: [start, end) of the batch. */
  start: number;
  end: number;
}

/**
 * Worker threads that run a model's forward and backward passes on parts of a batch, for a
 * loss computed on the whole batch in the calling thread:
 *
 * 1. the batch's rows are split into contiguous parts, one per worker; each worker embeds its
 *    part with the current weights, E_w = f(x_w; θ);
 * 2. the calling thread computes the loss on all embeddings, L(E) with E = [E_1; ...; E_W]
 *    (mining included: a metric-learning loss does not split over samples), and its gradient G = ∂L/∂E;
 * 3. each worker backpropagates its rows' part of G, g_w = J_wᵀ G_w;
 * 4. the weight gradient is their sum, ∂L/∂θ = Σ_w g_w, added in worker order.
 *
 * So the loss and the gradient are those of the whole batch (as `Trainer` computes them), up to
 * the order of float additions; the same inputs give the same numbers, run after run. The steps
 * run synchronously: the calling thread waits on shared memory with `Atomics.wait`.
 *
 * @example
 * const pool = await GradientWorkers.start({ model, workers: 2, maxRows: 128, sampleShape: [28, 28, 1] });
 * const { value, grads } = pool.lossAndGradients(train, rows, variables, (e) => loss.compute(e, labels));
 * await pool.close();
 */
export class GradientWorkers {
  private readonly weights: Float32Array;
  private version = 0;
  private closed = false;

  private constructor(
    private readonly slots: Slot[],
    weights: SharedArrayBuffer,
    private readonly dim: number,
    private readonly maxRows: number,
  ) {
    this.weights = new Float32Array(weights);
  }

  /** Starts the workers and waits until each has built its replica. */
  static async start(options: GradientWorkersOptions): Promise<GradientWorkers> {
    const { model, workers, maxRows, sampleShape } = options;
    if (!(Number.isInteger(workers) && workers >= 1)) {
      throw invalidArgument(`Argument \`workers\` must be an integer >= 1. Received: workers=${String(workers)}`);
    }
    if (!(Number.isInteger(maxRows) && maxRows >= 1)) {
      throw invalidArgument(`Argument \`maxRows\` must be an integer >= 1. Received: maxRows=${String(maxRows)}`);
    }
    const outShape = model.outputs.length === 1 ? model.outputs[0].shape : [];
    if (outShape.length !== 2 || outShape[1] === null) {
      throw invalidArgument('Argument `model` must have one output of shape [batch, dim] (an embedding model).');
    }
    if (model.nonTrainableWeights.length > 0) {
      throw invalidArgument(
        `Argument \`model\` has non-trainable weights (${model.nonTrainableWeights.map((w) => w.name).join(', ')}), which its replicas would update on their own; parallel training supports models without them.`,
      );
    }
    const dim = outShape[1];
    const shapes = model.trainableWeights.map((w) => [...w.shape] as number[]);
    const numWeights = shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    const perWorker = Math.ceil(maxRows / workers);
    const floats = (n: number) => new SharedArrayBuffer(4 * n);
    const weights = floats(numWeights);
    const topology = JSON.stringify(model.toJSON(null, false));
    const backend = currentBackendChoice();
    const slots: Slot[] = [];
    try {
      for (let w = 0; w < workers; w++) {
        const buffers: TrainBuffers = {
          control: new SharedArrayBuffer(4 * CONTROL_WORDS),
          weights,
          inputs: floats(perWorker * sampleSize(sampleShape)),
          embeddings: floats(perWorker * dim),
          upstream: floats(perWorker * dim),
          gradients: floats(numWeights),
        };
        const channel = new (nodeModule('node:worker_threads').MessageChannel)();
        const worker = startWorker(
          {
            mode: 'train',
            backend,
            topology,
            weightShapes: shapes,
            sampleShape,
            embeddingDim: dim,
            buffers,
            errors: channel.port2,
          },
          [channel.port2],
        );
        slots.push({
          worker,
          errors: channel.port1,
          control: new Int32Array(buffers.control),
          inputs: new Float32Array(buffers.inputs),
          embeddings: new Float32Array(buffers.embeddings),
          upstream: new Float32Array(buffers.upstream),
          gradients: new Float32Array(buffers.gradients),
          start: 0,
          end: 0,
        });
      }
      await Promise.all(slots.map((slot) => firstMessage(slot.worker, 'ready')));
    } catch (cause) {
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
      slots.forEach((slot) => slot.errors.close());
      throw new DeepmetricError('backend', `A parallel training worker failed to start: ${message(cause)}`, { cause });
    }
    return new GradientWorkers(slots, weights, dim, maxRows);
  }

  get workers(): number {
    return this.slots.length;
  }

  /**
   * The value of `loss` on the embeddings of `rows` of `dataset`, and its gradients with respect
   * to `variables` (the model's trainable weights, in order), keyed by variable name; the caller
   * disposes both. `loss` runs in the calling thread and must be differentiable in its input.
   */
  lossAndGradients(
    dataset: Dataset,
    rows: Int32Array,
    variables: tf.Variable[],
    loss: (embeddings: tf.Tensor2D) => tf.Scalar,
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    if (this.closed) throw new DeepmetricError('backend', 'The parallel training workers are closed.');
    const n = rows.length;
    if (n === 0 || n > this.maxRows) {
      throw invalidArgument(
        `Argument \`rows\` must hold 1 to ${this.maxRows} rows (the workers' capacity). Received: ${n} rows`,
      );
    }
    this.writeWeights(variables);
    const active = this.split(n);
    this.dispatch(active, dataset, rows, Command.forward);
    this.awaitAll(active, Status.embedded);

    const embedded = new Float32Array(n * this.dim);
    this.gather(active, embedded, 0);
    let value: tf.Scalar;
    let upstream: Float32Array;
    try {
      const result = tf.tidy(() => {
        const { value: v, grad } = tf.valueAndGrad(loss)(tf.tensor2d(embedded, [n, this.dim]));
        return [v, grad] as const;
      });
      value = result[0];
      upstream = result[1].dataSync() as Float32Array;
      result[1].dispose();
    } catch (error) {
      this.abandon(active);
      throw error;
    }
    for (const slot of active) {
      slot.upstream.set(upstream.subarray(slot.start * this.dim, slot.end * this.dim));
      this.command(slot, Command.backward);
    }
    try {
      this.awaitAll(active, Status.done);
    } catch (error) {
      value.dispose();
      throw error;
    }
    return { value, grads: this.sumGradients(active, variables) };
  }

  /**
   * The outputs before the model's final L2Normalize (its outputs when it has none) for `rows` of
   * `dataset`, `[rows, dim]`, computed on the workers with `variables`' current values, at most
   * `maxRows` rows at a time: the health probe's forward pass, which this thread would otherwise
   * run alone while the workers wait. The caller disposes the result.
   */
  embedBody(dataset: Dataset, rows: Int32Array, variables: tf.Variable[]): tf.Tensor2D {
    if (this.closed) throw new DeepmetricError('backend', 'The parallel training workers are closed.');
    this.writeWeights(variables);
    const out = new Float32Array(rows.length * this.dim);
    for (let first = 0; first < rows.length; first += this.maxRows) {
      const chunk = rows.subarray(first, Math.min(rows.length, first + this.maxRows));
      const active = this.split(chunk.length);
      this.dispatch(active, dataset, chunk, Command.embed);
      this.awaitAll(active, Status.done);
      this.gather(active, out, first);
    }
    return tf.tensor2d(out, [rows.length, this.dim]);
  }

  /** Stops the workers and waits until they have exited. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) this.command(slot, Command.quit);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.forEach((slot) => slot.errors.close());
  }

  private writeWeights(variables: tf.Variable[]): void {
    let offset = 0;
    for (const v of variables) {
      if (offset + v.size > this.weights.length) {
        throw invalidArgument(
          `Argument \`variables\` holds more values than the model's trainable weights (${this.weights.length}).`,
        );
      }
      this.weights.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    if (offset !== this.weights.length) {
      throw invalidArgument(
        `Argument \`variables\` must be the model's trainable weights: ${offset} values, expected ${this.weights.length}.`,
      );
    }
    this.version += 1;
    for (const slot of this.slots) Atomics.store(slot.control, CONTROL.weightsVersion, this.version);
  }

  /** Copies each active slot's rows of `rows` into its inputs and gives it `command`. */
  private dispatch(active: Slot[], dataset: Dataset, rows: Int32Array, command: number): void {
    const size = sampleSize(dataset.sampleShape);
    for (const slot of active) {
      for (let i = slot.start; i < slot.end; i++) {
        slot.inputs.set(dataset.features.subarray(rows[i] * size, (rows[i] + 1) * size), (i - slot.start) * size);
      }
      Atomics.store(slot.control, CONTROL.rows, slot.end - slot.start);
      this.command(slot, command);
    }
  }

  /** The active slots' embeddings, into `out` from row `firstRow` on, in batch order. */
  private gather(active: Slot[], out: Float32Array, firstRow: number): void {
    for (const slot of active)
      out.set(slot.embeddings.subarray(0, (slot.end - slot.start) * this.dim), (firstRow + slot.start) * this.dim);
  }

  /** Contiguous parts of the batch in worker order, as equal as can be; workers beyond n rows sit out. */
  private split(n: number): Slot[] {
    const active = this.slots.slice(0, Math.min(n, this.slots.length));
    let start = 0;
    active.forEach((slot, w) => {
      slot.start = start;
      slot.end = start + Math.floor(n / active.length) + (w < n % active.length ? 1 : 0);
      start = slot.end;
    });
    return active;
  }

  private command(slot: Slot, command: number): void {
    Atomics.store(slot.control, CONTROL.status, Status.idle);
    Atomics.store(slot.control, CONTROL.command, command);
    Atomics.notify(slot.control, CONTROL.command);
  }

  /** Blocks until every slot reports `status`; a worker's failure stops the others and throws its message. */
  private awaitAll(slots: Slot[], status: number): void {
    for (const slot of slots) {
      while (Atomics.load(slot.control, CONTROL.status) === Status.idle)
        Atomics.wait(slot.control, CONTROL.status, Status.idle);
      if (Atomics.load(slot.control, CONTROL.status) === Status.failed) {
        const posted = nodeModule('node:worker_threads').receiveMessageOnPort(slot.errors);
        this.abandon(slots);
        throw new DeepmetricError(
          'backend',
          `A parallel training worker failed: ${posted === undefined ? 'no message' : String(posted.message)}`,
        );
      }
      if (Atomics.load(slot.control, CONTROL.status) !== status) {
        throw new DeepmetricError(
          'backend',
          `A parallel training worker reported status ${Atomics.load(slot.control, CONTROL.status)}, expected ${status}.`,
        );
      }
    }
  }

  /**
   * Ends a step half-way: waits for every worker to finish its forward pass, releases those left
   * waiting for the backward pass (they end the step with an error) and drains their messages,
   * so that the next step starts from idle workers.
   */
  private abandon(slots: Slot[]): void {
    for (const slot of slots) {
      while (Atomics.load(slot.control, CONTROL.status) === Status.idle)
        Atomics.wait(slot.control, CONTROL.status, Status.idle);
      if (Atomics.load(slot.control, CONTROL.status) === Status.embedded) {
        this.command(slot, Command.idle);
        while (Atomics.load(slot.control, CONTROL.status) === Status.idle)
          Atomics.wait(slot.control, CONTROL.status, Status.idle);
      }
      const { receiveMessageOnPort } = nodeModule('node:worker_threads');
      while (receiveMessageOnPort(slot.errors) !== undefined);
    }
  }

  private sumGradients(slots: Slot[], variables: tf.Variable[]): tf.NamedTensorMap {
    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    for (const v of variables) {
      const sum = slots[0].gradients.slice(offset, offset + v.size);
      for (const slot of slots.slice(1)) {
        const part = slot.gradients;
        for (let i = 0; i < sum.length; i++) sum[i] += part[offset + i];
      }
      grads[v.name] = tf.tensor(sum, v.shape, 'float32');
      offset += v.size;
    }
    return grads;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
