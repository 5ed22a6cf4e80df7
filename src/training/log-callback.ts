import { nonFiniteStep } from '../health/index.js';
import type { Callback } from './callback.js';
import type { StepRecord } from './step-record.js';

/** Where logged records go (the run layer's `RunLog`: `log.jsonl`). */
export interface StepLog {
  append(record: StepRecord): Promise<void>;
}

/**
 * Appends a record to `log.jsonl` every `every` steps, and at every step that carries health or
 * guard numbers or was not applied for NaN or Infinity (those are rare and are what a later
 * diagnosis reads).
 */
export class LogCallback<T> implements Callback<T> {
  constructor(
    private readonly log: StepLog,
    private readonly every: number,
  ) {}

  async onStepEnd(_trainer: T, record: StepRecord): Promise<void> {
    if (
      record.step % this.every === 0 ||
      record.health !== undefined ||
      record.guard !== undefined ||
      nonFiniteStep(record)
    ) {
      await this.log.append(record);
    }
  }
}
