import { checkNumber } from '../validation.js';
import { checkStateKind, type Scheduler, type SchedulerInterval, type SchedulerState } from './scheduler.js';
import type { CosineAnnealingLRState } from './cosine-annealing-lr.js';
import type { StepLRState } from './step-lr.js';

/** The state of a schedule whose lr is a function of the step count alone. */
export type ClosedFormState = StepLRState | CosineAnnealingLRState;

/**
 * A schedule whose lr is a closed-form function of the number of steps taken (torch's
 * `_get_closed_form_lr`), so its whole state is the step count. Subclasses write `lrAt(t)`.
 */
export abstract class ClosedFormScheduler implements Scheduler {
  readonly interval: SchedulerInterval = 'step';
  protected abstract readonly kind: ClosedFormState['kind'];
  private steps = 0;

  get lr(): number {
    return this.lrAt(this.steps);
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Advances one optimizer step and returns the lr for the next one. A metric, if given, is ignored. */
  step(_metric?: number): number {
    this.steps += 1;
    return this.lr;
  }

  state(): ClosedFormState {
    return { kind: this.kind, stepCount: this.steps };
  }

  loadState(state: SchedulerState): void {
    checkStateKind(state, this.kind);
    this.steps = checkNumber('state.stepCount', state.stepCount, { integer: true, min: 0 }, 'Field');
  }

  /** The lr after `t` steps. */
  protected abstract lrAt(t: number): number;
}
