import type * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import { checkNumber } from '../validation.js';
import { invalidArgument } from '../errors.js';
import { batchTensor, type Dataset } from '../data/index.js';
import type { BaseDistance } from '../distances/index.js';
import type { BaseMiner } from '../miners/index.js';
import { TripletMarginLoss, type BaseMetricLossFunction } from '../losses/index.js';
import { gradientNorm, type Optimizer } from '../optimizers/index.js';
import type { MPerClassSampler } from '../samplers/index.js';
import type { Callback } from './callback.js';
import { lossStepStats } from './loss-step-stats.js';
import type { StepRecord } from './step-record.js';

/** How the next steps mine and measure (`Trainer.useMining`). */
export interface TrainerMining {
  miner: BaseMiner | null;
  /** The distance the loss measures with. */
  distance: BaseDistance;
  /** What the step records' `mining` calls it. */
  label: string;
  /** A TripletMarginLoss's selectively contrastive triplets on or off; omitted: as they are. */
  selectivelyContrastive?: boolean;
}

/** Why a run ends before its last step: Ctrl-C (resume it), or the collapse guard (diagnose it). */
export type StopKind = 'interrupted' | 'collapse';

export interface StopRequest {
  kind: StopKind;
  /** What happened, for people: e.g. "collapsed (lr-too-high) at step 310". */
  reason: string;
}

export interface TrainerOptions {
  model: tfl.LayersModel;
  optimizer: Optimizer;
  /** Any metric loss; the parameters it owns (`trainableWeights()`) are optimized with the model's. */
  loss: BaseMetricLossFunction<unknown>;
  /** Chooses the tuples the loss sees; null means every triplet of the batch. */
  miner: BaseMiner | null;
  /** What every step record's `mining` calls the mining in force. Default the miner's class name (`none` without one). */
  mining?: string;
  /** Draws the P x K batches; its state is part of every checkpoint. */
  sampler: MPerClassSampler;
  train: Dataset;
  totalSteps: number;
  stepsPerEpoch: number;
  /** Measure the weight-update ratio (one copy of the weights) every this many steps. */
  logEvery?: number;
  callbacks?: Array<Callback<Trainer>>;
  /** The step to start from (a resumed run); the parts must already hold that step's state. */
  startStep?: number;
}

/**
 * The training loop: draws a P x K batch, embeds it, mines, computes the loss and its gradient in
 * one pass, steps the optimizer, and hands a `StepRecord` to the callbacks, which do everything
 * else (log, schedules, checkpoints, progress, the collapse guard).
 *
 * Mining runs inside the gradient function on the same forward pass: miners read the distance
 * matrix synchronously (cpu, wasm and node backends), so the batch is embedded once per step.
 *
 * @example
 * const trainer = new Trainer({ model, optimizer, loss, miner, sampler, train, totalSteps: 900, stepsPerEpoch: 150 });
 * await trainer.fit();
 */
export class Trainer {
  readonly model: tfl.LayersModel;
  readonly optimizer: Optimizer;
  readonly sampler: MPerClassSampler;
  readonly train: Dataset;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  readonly startStep: number;
  readonly logEvery: number;
  readonly callbacks: Array<Callback<Trainer>>;
  /** Steps completed so far (the index of the next step). */
  step: number;
  private currentLoss: BaseMetricLossFunction<unknown>;
  private currentMiner: BaseMiner | null;
  private currentMining: string;
  private stopRequest: StopRequest | null = null;
  private secondsBefore = 0;
  private started = 0;

  constructor(options: TrainerOptions) {
    for (const key of ['totalSteps', 'stepsPerEpoch'] as const)
      checkNumber(key, options[key], { integer: true, minExclusive: 0 });
    this.model = options.model;
    this.optimizer = options.optimizer;
    this.currentLoss = options.loss;
    this.currentMiner = options.miner;
    this.currentMining = options.mining ?? options.miner?.constructor.name ?? 'none';
    this.sampler = options.sampler;
    this.train = options.train;
    this.totalSteps = options.totalSteps;
    this.stepsPerEpoch = options.stepsPerEpoch;
    this.startStep = options.startStep ?? 0;
    this.step = this.startStep;
    this.logEvery = options.logEvery ?? 10;
    this.callbacks = options.callbacks ?? [];
  }

  /** The loss in force. */
  get loss(): BaseMetricLossFunction<unknown> {
    return this.currentLoss;
  }

  /** The miner in force (null: every triplet of the batch). */
  get miner(): BaseMiner | null {
    return this.currentMiner;
  }

  /** What the step records call the mining in force (`mining`), e.g. `semihard` or `batch-hard`. */
  get mining(): string {
    return this.currentMining;
  }

  /**
   * Changes how the next steps mine and measure: the miner, and the distance the loss measures
   * with (its other options, reducer included, stay), under the name the step records give it;
   * `selectivelyContrastive`, when given, turns a TripletMarginLoss's selectively contrastive
   * triplets on or off. The collapse guard's remedies and the curricula go through here.
   */
  useMining(mining: TrainerMining): void {
    const { selectivelyContrastive } = mining;
    if (selectivelyContrastive !== undefined) {
      if (!(this.currentLoss instanceof TripletMarginLoss)) {
        throw invalidArgument(
          `Option \`selectivelyContrastive\` needs a TripletMarginLoss. Received: ${this.currentLoss.constructor.name}`,
        );
      }
      this.currentLoss.useSelectiveContrast(selectivelyContrastive);
    }
    this.currentMiner = mining.miner;
    this.currentMining = mining.label;
    this.currentLoss.useDistance(mining.distance);
  }

  get batchSize(): number {
    return this.sampler.batchSize;
  }

  /** The epoch the next step belongs to. */
  get epoch(): number {
    return Math.floor(this.step / this.stepsPerEpoch);
  }

  /** Why the run ended early (a callback's request, an interrupt), or null. */
  get stopped(): StopRequest | null {
    return this.stopRequest;
  }

  /** Ends the run after the current step; callbacks then see `onTrainEnd` (not `onEpochEnd`: the epoch did not end). */
  requestStop(kind: StopKind, reason: string): void {
    this.stopRequest ??= { kind, reason };
  }

  /** Seconds of training so far, across resumes (the resumed run adds to the checkpoint's). */
  get seconds(): number {
    return this.secondsBefore + (this.started === 0 ? 0 : (performance.now() - this.started) / 1000);
  }

  set seconds(value: number) {
    this.secondsBefore = value;
    if (this.started !== 0) this.started = performance.now();
  }

  async fit(): Promise<void> {
    this.started = performance.now();
    await this.emit('onTrainBegin');
    while (this.step < this.totalSteps && this.stopRequest === null) {
      const epoch = this.epoch;
      if (this.step % this.stepsPerEpoch === 0) await this.emit('onEpochBegin', epoch);
      const record = this.trainStep();
      this.step += 1;
      await this.emit('onStepEnd', record);
      if (this.step % this.stepsPerEpoch === 0 || this.step === this.totalSteps) {
        await this.emit('onEpochEnd', epoch);
      }
    }
    await this.emit('onTrainEnd');
  }

  /** One optimizer step on the next batch of the sampler. */
  trainStep(): StepRecord {
    const rows = this.sampler.nextBatch();
    const labels = new Int32Array(rows.length);
    rows.forEach((row, i) => (labels[i] = this.train.labels[row]));
    const measureUpdate = this.step % this.logEvery === 0;
    const lr = this.optimizer.learningRate;
    const variables = [
      ...this.model.trainableWeights.map((w) => w.read() as tf.Variable),
      ...this.loss.trainableWeights(),
    ];
    const { value, grads } = this.lossAndGradients(rows, labels, variables);
    const norms = tf.tidy(() => {
      const gradNorm = gradientNorm(grads);
      return measureUpdate ? [gradNorm, gradientNorm(variables)] : [gradNorm];
    });
    const [loss, gradNorm, weightNorm] = [value, ...norms].map((t) => t.dataSync()[0]);
    let updateRatio = NaN;
    let nonFiniteUpdate = false;
    // A step with a non-finite gradient is not applied: it would turn every weight into NaN.
    if (Number.isFinite(loss) && Number.isFinite(gradNorm)) {
      // Nor is one whose update overflows (a huge lr): the weights stay those before it.
      const before = variables.map((v) => tf.clone(v));
      this.optimizer.applyGradients(grads);
      nonFiniteUpdate = !allFinite(variables);
      if (nonFiniteUpdate) {
        variables.forEach((v, i) => v.assign(before[i]));
      } else if (measureUpdate) {
        const updateNorm = tf.tidy(() => gradientNorm(variables.map((v, i) => tf.sub(v, before[i]))));
        updateRatio = updateNorm.dataSync()[0] / weightNorm;
        updateNorm.dispose();
      }
      tf.dispose(before);
    }
    tf.dispose([value, grads, norms]);
    return {
      step: this.step,
      epoch: this.epoch,
      loss,
      lr,
      mining: this.currentMining,
      ...lossStepStats(this.loss.lastStats),
      gradNorm,
      updateRatio,
      ...(nonFiniteUpdate ? { nonFiniteUpdate: true as const } : {}),
      seconds: this.seconds,
    };
  }

  /**
   * The loss of one batch and its gradients with respect to `variables` (keyed by variable name),
   * which the caller disposes: embed the rows, mine, compute the loss, differentiate. A subclass
   * may compute the same thing another way (`ParallelTrainer`: the network on worker threads).
   */
  protected lossAndGradients(
    rows: Int32Array,
    labels: Int32Array,
    variables: tf.Variable[],
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    const x = batchTensor(this.train, rows);
    try {
      return this.optimizer.computeGradients(() => {
        const embeddings = this.model.apply(x, { training: true }) as tf.Tensor2D;
        const indices = this.miner === null ? undefined : this.miner.mine(embeddings, labels);
        return this.loss.compute(embeddings, labels, indices);
      }, variables);
    } finally {
      x.dispose();
    }
  }

  private async emit<K extends keyof Callback<Trainer>>(
    hook: K,
    ...args: Parameters<NonNullable<Callback<Trainer>[K]>> extends [Trainer, ...infer Rest] ? Rest : never
  ): Promise<void> {
    for (const callback of this.callbacks) {
      const fn = callback[hook] as ((trainer: Trainer, ...rest: unknown[]) => void | Promise<void>) | undefined;
      if (fn) await fn.call(callback, this, ...args);
    }
  }
}

/** Whether every value of `variables` is finite: their sum is, unless one is NaN or infinite (or ~1e38). */
function allFinite(variables: tf.Variable[]): boolean {
  const sum = tf.tidy(() => tf.addN(variables.map((v) => tf.sum(v))));
  const finite = Number.isFinite(sum.dataSync()[0]);
  sum.dispose();
  return finite;
}
