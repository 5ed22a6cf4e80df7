import { DeepmetricError, invalidArgument } from '../../errors.js';
import type { tf } from '../../tf.js';
import type { Dataset } from '../../data/index.js';
import { Trainer, type TrainerOptions } from '../trainer.js';
import { GradientWorkers } from './gradient-workers.js';

export interface ParallelTrainerOptions extends TrainerOptions {
  /** Worker threads that run the network, each on its part of the batch (an integer >= 1). */
  workers: number;
}

/**
 * A `Trainer` whose network runs on `workers` threads, data-parallel: each thread has its own
 * backend and replica of the model, embeds its contiguous part of the batch and backpropagates it,
 * while this thread mines and computes the loss on the whole batch and applies the optimizer
 * (see `GradientWorkers` for the equations). Losses, mining and gradients are those of the whole
 * batch, as `Trainer` computes them, up to the order of float additions, so a run gives the plain
 * Trainer's numbers within float tolerance; the same seed gives the same run, whatever the load.
 * Checkpoints and resume work as with `Trainer`: the model and the optimizer live in this thread.
 *
 * `fit()` starts the workers and stops them at the end; to call `trainStep()` yourself, call
 * `start()` first and `close()` after. Models with non-trainable weights (batch normalization's
 * moving statistics) are not supported.
 *
 * @example
 * const trainer = new ParallelTrainer({ model, optimizer, loss, miner, sampler, train, totalSteps: 900, stepsPerEpoch: 150, workers: 2 });
 * await trainer.fit();
 */
export class ParallelTrainer extends Trainer {
  readonly workers: number;
  private pool: GradientWorkers | null = null;

  constructor(options: ParallelTrainerOptions) {
    super(options);
    if (!(Number.isInteger(options.workers) && options.workers >= 1)) {
      throw invalidArgument(`Option \`workers\` must be an integer >= 1. Received: workers=${String(options.workers)}`);
    }
    if (options.loss.trainableWeights().length > 0) {
      // The workers backpropagate into the model's weights only; the loss's own would get no gradient.
      throw invalidArgument(
        `Option \`loss\` owns trainable parameters (${options.loss.constructor.name}), which ParallelTrainer does not train: use Trainer (workers: 1).`,
      );
    }
    this.workers = options.workers;
  }

  /** Starts the worker threads (once). */
  async start(): Promise<void> {
    this.pool ??= await GradientWorkers.start({
      model: this.model,
      workers: this.workers,
      maxRows: this.batchSize,
      sampleShape: this.train.sampleShape,
    });
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }

  override async fit(): Promise<void> {
    await this.start();
    try {
      await super.fit();
    } finally {
      await this.close();
    }
  }

  /**
   * The rows of `dataset` before the model's final L2Normalize, embedded on the workers once they
   * are started (`GradientWorkers.embedBody`), else undefined: what the health probe measures.
   */
  embedBody(dataset: Dataset): tf.Tensor2D | undefined {
    if (this.pool === null) return undefined;
    const variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    return this.pool.embedBody(
      dataset,
      Int32Array.from(dataset.labels, (_, i) => i),
      variables,
    );
  }

  protected override lossAndGradients(
    rows: Int32Array,
    labels: Int32Array,
    variables: tf.Variable[],
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    if (this.pool === null) {
      throw new DeepmetricError(
        'backend',
        'ParallelTrainer: call start() before trainStep() (fit() starts the workers itself).',
      );
    }
    return this.pool.lossAndGradients(this.train, rows, variables, (embeddings) => {
      const indices = this.miner === null ? undefined : this.miner.mine(embeddings, labels);
      return this.loss.compute(embeddings, labels, indices);
    });
  }
}
