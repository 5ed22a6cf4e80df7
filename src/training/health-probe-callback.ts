import type * as tfl from '@tensorflow/tfjs-layers';
import type { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { subset, type Dataset } from '../data/index.js';
import type { BaseDistance } from '../distances/index.js';
import { healthSnapshot, type HealthMetrics } from '../health/index.js';
import { Random } from '../random.js';
import type { Callback } from './callback.js';
import type { Stateful } from './checkpoint-callback.js';
import type { StepRecord } from './step-record.js';
import { modelHealth } from './model-health.js';

/**
 * Rows of the default probe batch. 256 rows, stratified over 10 classes, give ~25 per class (enough
 * for stable separation numbers and RankMe up to a 128-d embedding) and cost about one training
 * step of the default ConvNet to embed, which keeps a probe every 25 steps under 5% of the time.
 */
export const DEFAULT_PROBE_ROWS = 256;

export interface HealthProbeOptions {
  /** Measure after every `every`-th step (steps 0, every, 2 * every, ...) and after the last one. */
  every: number;
  /** Rows of the probe batch (fewer when the training set is smaller). Default 256. */
  rows?: number;
  /** Seeds the choice of rows: a run always probes the same rows. Default 0. */
  seed?: number;
  /** The run's distance and margin, so the separation numbers are what the loss sees. */
  distance?: BaseDistance;
  margin?: number;
}

interface Probed {
  readonly model: tfl.LayersModel;
  readonly totalSteps: number;
  /** Embeds the probe before the final L2Normalize on other threads (`ParallelTrainer`), or returns undefined. */
  embedBody?(dataset: Dataset): tf.Tensor2D | undefined;
}

interface ProbeState {
  reference: HealthMetrics | null;
}

/**
 * Measures embedding health on a fixed, seeded, class-stratified probe batch of the training set:
 * once before the first step (the reference) and after every `every`-th step, in inference mode,
 * putting a `HealthSnapshot` with ratios to the reference into `record.health` (the log writes it,
 * the guard reads it). The reference is part of its state, so a resumed run compares with the same
 * start.
 *
 * @example
 * const probe = new HealthProbeCallback(train, { every: 25, seed: 0, distance, margin: 0.2 });
 * const trainer = new Trainer({ ...parts, callbacks: [probe, guard, log] });
 */
export class HealthProbeCallback<T extends Probed> implements Callback<T>, Stateful {
  readonly probe: Dataset;
  readonly every: number;
  private readonly distance: BaseDistance | undefined;
  private readonly margin: number | undefined;
  private reference: HealthMetrics | null = null;
  /** Wall-clock seconds spent probing so far (this process). */
  seconds = 0;
  /** Probes taken so far (this process), the reference included. */
  count = 0;

  constructor(train: Dataset, options: HealthProbeOptions) {
    if (!(Number.isInteger(options.every) && options.every > 0)) {
      throw invalidArgument(`Option \`every\` must be an integer > 0. Received: every=${String(options.every)}`);
    }
    const rows = options.rows ?? DEFAULT_PROBE_ROWS;
    if (!(Number.isInteger(rows) && rows >= 2)) {
      throw invalidArgument(`Option \`rows\` must be an integer >= 2. Received: rows=${String(options.rows)}`);
    }
    this.every = options.every;
    this.distance = options.distance;
    this.margin = options.margin;
    this.probe = subset(train, probeRows(train.labels, rows, options.seed ?? 0));
  }

  state(): ProbeState {
    return { reference: this.reference };
  }

  loadState(state: unknown): void {
    const reference = (state as ProbeState | undefined)?.reference ?? null;
    this.reference = reference;
  }

  /** Whether the probe measures after step `step` of a run of `totalSteps`. */
  isDue(step: number, totalSteps: number): boolean {
    return step % this.every === 0 || step === totalSteps - 1;
  }

  onTrainBegin(trainer: T): void {
    if (this.reference === null) this.reference = this.measure(trainer);
  }

  onStepEnd(trainer: T, record: StepRecord): void {
    if (!this.isDue(record.step, trainer.totalSteps)) return;
    record.health = healthSnapshot(this.measure(trainer), this.probe.labels, this.reference);
  }

  /** The health of the probe batch as the trainer's model embeds it now (on its workers, if it has any). */
  measure(trainer: Probed): HealthMetrics {
    const started = performance.now();
    try {
      const options = {
        ...(this.distance ? { distance: this.distance } : {}),
        ...(this.margin !== undefined ? { margin: this.margin } : {}),
      };
      return modelHealth(trainer.model, this.probe, options, trainer.embedBody?.bind(trainer));
    } finally {
      this.seconds += (performance.now() - started) / 1000;
      this.count += 1;
    }
  }
}

/**
 * `rows` indices of `labels`, the same number from each class as far as the classes allow
 * (a class with fewer rows gives all it has), drawn with a seeded generator and returned sorted.
 *
 * @example
 * const rows = probeRows(train.labels, 256, 0); // 26 or 25 rows of each of 10 classes
 */
export function probeRows(labels: Int32Array, rows: number, seed: number): Int32Array {
  if (labels.length <= rows) return Int32Array.from(labels, (_, i) => i);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [i]);
    else members.push(i);
  });
  // Its own stream (not the run's seed itself), so probing never shifts the sampler's draws.
  const rng = new Random(seed + 0x5eed);
  const classes = [...byClass.keys()].sort((a, b) => a - b).map((c) => rng.shuffle(byClass.get(c) as number[]));
  const chosen: number[] = [];
  // Round-robin over classes: equal shares, and a small class leaves its share to the others.
  for (let k = 0; chosen.length < rows; k++) {
    for (const members of classes) {
      if (k < members.length && chosen.length < rows) chosen.push(members[k]);
    }
  }
  return Int32Array.from(chosen.sort((a, b) => a - b));
}
