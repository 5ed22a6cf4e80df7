import type * as tfl from '@tensorflow/tfjs-layers';
import type { Optimizer } from '../optimizers/index.js';
import type { Callback } from './callback.js';
import { saveCheckpoint } from './checkpoint.js';

/** A part of a run with state to carry across a resume: the sampler, a schedule, a generator, the guard. */
export interface Stateful {
  state(): unknown;
  loadState(state: unknown): void;
}

interface Checkpointed {
  readonly model: tfl.LayersModel;
  readonly optimizer: Optimizer;
  readonly step: number;
  readonly seconds: number;
}

/**
 * Saves a checkpoint at the end of every epoch, and at the end of the run — also when it stops
 * early (Ctrl-C, the guard) — so that `--resume` continues from the last step taken.
 */
export class CheckpointCallback<T extends Checkpointed> implements Callback<T> {
  private savedStep = -1;

  constructor(
    private readonly dir: string,
    private readonly parts: Record<string, Stateful>,
  ) {}

  async onEpochEnd(trainer: T): Promise<void> {
    await this.save(trainer);
  }

  async onTrainEnd(trainer: T): Promise<void> {
    if (trainer.step !== this.savedStep) await this.save(trainer);
  }

  private async save(trainer: T): Promise<void> {
    this.savedStep = trainer.step;
    const parts: Record<string, unknown> = {};
    for (const [name, part] of Object.entries(this.parts)) parts[name] = part.state();
    await saveCheckpoint(this.dir, trainer.model, trainer.optimizer, {
      step: trainer.step,
      seconds: trainer.seconds,
      parts,
    });
  }
}
