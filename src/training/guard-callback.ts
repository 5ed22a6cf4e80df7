import { nodeModule } from '../io/node-module.js';
import {
  diagnose,
  formatHealthReport,
  nonFiniteStep,
  type HealthReport,
  type RunSettings,
  type TrainingStep,
  type Verdict,
} from '../health/index.js';
import { MINERS, type MinerName } from '../miners/index.js';
import type { Callback } from './callback.js';
import type { CurriculumName } from './curriculum-callback.js';
import type { Stateful } from './checkpoint-callback.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { planRemedy, type Mining, type RemedySettings } from './guard-remedy.js';
import type { ScheduleCallback } from './schedule-callback.js';
import type { StepRecord } from './step-record.js';
import type { Trainer } from './trainer.js';

/** The guard's modes (`--guard`). */
export const GUARDS = ['off', 'warn', 'stop', 'recover'] as const;
export type GuardMode = (typeof GUARDS)[number];

/** What the guard reads and calls of the trainer it watches. */
export type GuardedTrainer = Pick<
  Trainer,
  'model' | 'optimizer' | 'step' | 'startStep' | 'totalSteps' | 'seconds' | 'requestStop'
>;

/**
 * The guard's port to the run, supplied by the run layer: the settings the diagnosis and the
 * remedies read, and the one change to the live run the guard cannot make itself.
 */
export interface GuardRun<T extends GuardedTrainer = GuardedTrainer> {
  /**
   * The run's settings, as `diagnose` reads them; the miner, normalization and curriculum are the
   * run's at its start (no curriculum: `none`).
   */
  settings: RunSettings & RemedySettings & Omit<Mining, 'curriculum'> & { curriculum?: CurriculumName };
  /** Puts a remedy's miner, normalization and curriculum into the live trainer (also after a resume). */
  switchTo(trainer: T, mining: Mining): void;
  /** The records the run logged before `step`: a resumed guard's history. */
  history(beforeStep: number): Promise<TrainingStep[]>;
}

/** Recoveries a `recover` guard makes before it gives up and stops the run. */
export const MAX_RECOVERIES = 3;

/**
 * Consecutive probes that must agree on an unhealthy verdict before the guard acts: one probe can
 * catch a transient (a high-lr run's first step flattens the embeddings, and the next probes show
 * them spread again). NaN/Inf acts at once.
 */
export const GUARD_PERSISTENCE = 2;

/**
 * `recover` saves the healthy checkpoint at a healthy probe at most once per this many steps: a
 * save costs about 4 steps of the MLP, and a checkpoint some steps before the alarm is further from
 * the onset of a collapse than the probe just before it.
 */
export const HEALTHY_CHECKPOINT_STEPS = 100;

/** The lr ramp after a remedy starts at this share of the new lr. */
const WARMUP_FROM = 0.1;

export interface GuardOptions<T extends GuardedTrainer = GuardedTrainer> {
  mode: GuardMode;
  run: GuardRun<T>;
  /** The run's schedule: lr remedies go through it. */
  schedule: Pick<ScheduleCallback<T>, 'lrAdjustment' | 'adjust'>;
  /** Where `recover` keeps the last healthy checkpoint (e.g. `checkpoints/healthy`). */
  healthyDir: string;
  /** The run's stateful parts, saved with the healthy checkpoint. */
  parts: Record<string, Stateful>;
  /**
   * The parts (of `parts`) a rollback restores with the model and the optimizer: a loss's own
   * parameters (`lossWeights`), which belong to the weights. The others (sampler, schedule) go on.
   */
  rollback?: readonly string[];
  /** Steps the log keeps besides probe and guard steps (the guard keeps the same history). */
  logEvery: number;
  /** Where `warn` and the other modes print (null: nowhere; the log records it anyway). */
  stream?: NodeJS.WritableStream | null;
  maxRecoveries?: number;
}

/** What a guard carries across a resume. */
export interface GuardState {
  /** The verdict the guard last acted on. */
  verdict: Verdict;
  /** An unhealthy verdict seen on `pendingCount` consecutive probes, not yet acted on. */
  pending: Verdict | null;
  pendingCount: number;
  recoveries: number;
  /** The miner, normalization and curriculum the remedies switched to (null: the run's). */
  miner: MinerName | null;
  normalizeEmbeddings: boolean | null;
  curriculum: CurriculumName | null;
  /** Every action taken, as logged. */
  actions: Array<{ step: number; verdict: Verdict; action: string }>;
  /** The step of the last healthy checkpoint (-1: none). */
  healthyStep: number;
}

/** The guard's part of `summary.json`. */
export interface GuardSummary {
  mode: GuardMode;
  verdict: Verdict;
  recoveries: number;
  actions: GuardState['actions'];
}

/**
 * The collapse guard (`--guard off|warn|stop|recover`): at every probe it runs `diagnose` on the
 * probe's health, the run's logged history and its settings, and acts when the verdict changes
 * (an unhealthy verdict must hold for GUARD_PERSISTENCE probes; NaN/Inf acts at once):
 *
 * - `warn` prints the verdict, the evidence and the causes on a new line of the progress stream,
 *   and sets `record.guard` (the log keeps it); once per change, including back to healthy;
 * - `stop` also ends the run (`summary.stopped.kind` is `collapse`; a checkpoint is saved);
 * - `recover` keeps a checkpoint of a healthy probe (the start, then at most every
 *   HEALTHY_CHECKPOINT_STEPS steps), and on collapse rolls the weights and
 *   optimizer back to it, applies the remedies of the diagnosed causes (`planRemedy`), and goes on,
 *   at most `maxRecoveries` times; when no remedy applies or none is left, it stops.
 *
 * A step whose loss, gradient or update is NaN or infinite (the trainer does not apply it) counts as
 * `collapsed` at that step. The state (verdicts, recoveries, remedies) is a `Stateful` part of
 * the run's checkpoints, so `--resume` continues with the same remedies.
 *
 * @example
 * const run = { settings: config, switchTo: (trainer, mining) => ..., history: async (step) => [] };
 * const guard = new GuardCallback({ mode: 'recover', run, schedule, healthyDir, parts, logEvery: 10 });
 */
export class GuardCallback<T extends GuardedTrainer = Trainer> implements Callback<T>, Stateful {
  readonly mode: GuardMode;
  private readonly options: GuardOptions<T>;
  private readonly maxRecoveries: number;
  private history: TrainingStep[] = [];
  private s: GuardState = {
    verdict: 'healthy',
    pending: null,
    pendingCount: 0,
    recoveries: 0,
    miner: null,
    normalizeEmbeddings: null,
    curriculum: null,
    actions: [],
    healthyStep: -1,
  };
  /** The last report (null before the first probe). */
  lastReport: HealthReport | null = null;

  constructor(options: GuardOptions<T>) {
    this.options = options;
    this.mode = options.mode;
    this.maxRecoveries = options.maxRecoveries ?? MAX_RECOVERIES;
  }

  state(): GuardState {
    return structuredClone(this.s);
  }

  loadState(state: unknown): void {
    if (state !== undefined && state !== null) this.s = { ...this.s, ...(state as GuardState) };
  }

  summary(): GuardSummary {
    return {
      mode: this.mode,
      verdict: this.s.verdict,
      recoveries: this.s.recoveries,
      actions: structuredClone(this.s.actions),
    };
  }

  async onTrainBegin(trainer: T): Promise<void> {
    if (this.mode === 'off') return;
    if (trainer.startStep > 0) this.history = await this.options.run.history(trainer.startStep);
    this.applyLiveSwitches(trainer);
    if (
      this.mode === 'recover' &&
      (this.s.healthyStep < 0 || !nodeModule('node:fs').existsSync(this.options.healthyDir))
    ) {
      // The start is healthy by definition: a rollback can always return to it.
      await this.saveHealthy(trainer);
    }
  }

  async onStepEnd(trainer: T, record: StepRecord): Promise<void> {
    if (this.mode === 'off') return;
    const logged = record.step % this.options.logEvery === 0 || record.health !== undefined;
    if (logged) this.history.push(record);
    const nonFinite = nonFiniteStep(record);
    if (!nonFinite && record.health === undefined) return;
    if (nonFinite && !logged) this.history.push(record);
    const { settings } = this.options.run;
    const report = diagnose({
      health: record.health ?? this.lastHealth(),
      history: this.history,
      run: { ...settings, miner: liveMiner(record, settings.miner) },
    });
    this.lastReport = report;
    const verdict = report.verdict;
    if (verdict === 'healthy') {
      this.s.pending = null;
      this.s.pendingCount = 0;
      if (this.mode === 'recover' && trainer.step - this.s.healthyStep >= HEALTHY_CHECKPOINT_STEPS)
        await this.saveHealthy(trainer);
      if (this.s.verdict !== 'healthy') await this.act(trainer, record, report, 'healthy again');
      return;
    }
    // Unhealthy verdicts in a row count together: a collapse often shows first as one verdict, then another.
    this.s.pendingCount = this.s.pending !== null ? this.s.pendingCount + 1 : 1;
    this.s.pending = verdict;
    const immediate = nonFinite || (record.health?.nonFinite ?? 0) > 0;
    if (!immediate && this.s.pendingCount < GUARD_PERSISTENCE) return;
    if (verdict === this.s.verdict) return;
    await this.act(trainer, record, report, null);
  }

  /** The newest probe health in the history (a NaN step between probes is diagnosed with it). */
  private lastHealth(): NonNullable<TrainingStep['health']> {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i].health;
      if (h !== undefined && h !== null) return h;
    }
    // No probe yet: a NaN loss alone decides (the verdict rule reads the last step).
    return NO_PROBE;
  }

  private async act(trainer: T, record: StepRecord, report: HealthReport, healthyAgain: string | null): Promise<void> {
    const verdict = report.verdict;
    this.s.verdict = verdict;
    const causes = report.causes.map((c) => c.id);
    let action: string;
    if (healthyAgain !== null) {
      action = this.mode === 'warn' ? 'warned' : healthyAgain;
      this.print(`healthy again at step ${record.step}`, null);
    } else if (this.mode === 'warn') {
      action = 'warned';
      this.print(`step ${record.step}: ${verdict}`, report);
    } else if (this.mode === 'stop') {
      action = 'stopped';
      this.print(`step ${record.step}: ${verdict}; stopping the run (--guard stop)`, report);
      trainer.requestStop('collapse', `${verdict}${causes.length > 0 ? ` (${causes[0]})` : ''} at step ${record.step}`);
    } else {
      action = await this.recover(trainer, record, report);
    }
    this.s.actions.push({ step: record.step, verdict, action });
    record.guard = { verdict, action, causes };
  }

  private async recover(trainer: T, record: StepRecord, report: HealthReport): Promise<string> {
    const { run, schedule } = this.options;
    const live = {
      ...this.mining(),
      lrScale: schedule.lrAdjustment.scale,
      remainingSteps: trainer.totalSteps - trainer.step,
    };
    const plan = this.s.recoveries < this.maxRecoveries ? planRemedy(report, run.settings, live) : null;
    const verdict = report.verdict;
    if (plan === null) {
      const why =
        this.s.recoveries >= this.maxRecoveries
          ? `${this.maxRecoveries} recoveries used`
          : 'no remedy can be applied to a running training';
      this.print(`step ${record.step}: ${verdict}; ${why}: stopping the run`, report);
      trainer.requestStop(
        'collapse',
        `${verdict}${report.causes.length > 0 ? ` (${report.causes[0].id})` : ''} at step ${record.step}; ${why}`,
      );
      return `stopped: ${why}`;
    }
    const state = await loadCheckpoint(this.options.healthyDir, trainer.model, trainer.optimizer);
    for (const name of this.options.rollback ?? []) this.options.parts[name]?.loadState(state.parts[name]);
    this.s.recoveries += 1;
    if (plan.miner !== null) this.s.miner = plan.miner;
    if (plan.curriculum !== null) this.s.curriculum = plan.curriculum;
    if (plan.normalizeEmbeddings) this.s.normalizeEmbeddings = true;
    this.applyLiveSwitches(trainer);
    const adjustment = schedule.lrAdjustment;
    schedule.adjust(trainer, {
      scale: adjustment.scale * plan.lrFactor,
      // An earlier floor falls with a new cut, so that it cannot undo it.
      floor: Math.max(adjustment.floor * plan.lrFactor, plan.lrFloor),
      ...(plan.warmupSteps > 0
        ? { warmupStart: trainer.step, warmupSteps: plan.warmupSteps, warmupFrom: WARMUP_FROM }
        : {}),
    });
    // Back to healthy: the next probes judge the recovered run afresh.
    this.s.verdict = 'healthy';
    this.s.pending = null;
    this.s.pendingCount = 0;
    const action = `rolled back to step ${state.step}; ${plan.actions.join('; ')} (recovery ${this.s.recoveries} of ${this.maxRecoveries})`;
    this.print(`step ${record.step}: ${verdict}; ${action}`, report);
    return action;
  }

  /** The miner, normalization and curriculum in force: the remedies' where they changed them, else the run's. */
  private mining(): Mining {
    const { settings } = this.options.run;
    return {
      miner: this.s.miner ?? settings.miner,
      normalizeEmbeddings: this.s.normalizeEmbeddings ?? settings.normalizeEmbeddings,
      curriculum: this.s.curriculum ?? settings.curriculum ?? 'none',
    };
  }

  /** Puts the remedies' miner, normalization and curriculum into the live trainer (also after a resume). */
  private applyLiveSwitches(trainer: T): void {
    if (this.s.miner === null && this.s.normalizeEmbeddings === null && this.s.curriculum === null) return;
    this.options.run.switchTo(trainer, this.mining());
  }

  private async saveHealthy(trainer: T): Promise<void> {
    this.s.healthyStep = trainer.step;
    const parts: Record<string, unknown> = {};
    for (const [name, part] of Object.entries(this.options.parts)) parts[name] = part.state();
    await saveCheckpoint(this.options.healthyDir, trainer.model, trainer.optimizer, {
      step: trainer.step,
      seconds: trainer.seconds,
      parts,
    });
  }

  private print(headline: string, report: HealthReport | null): void {
    const stream = this.options.stream;
    if (!stream) return;
    const body = report === null ? '' : formatHealthReport(report, { indent: '  ' });
    // Start on a fresh line: a progress bar may be drawn on the current one.
    stream.write(`\ndeepmetric guard: ${headline}\n${body}`);
  }
}

/** A snapshot that says nothing (every metric NaN, no rows): the verdict then rests on the log alone. */
const NO_PROBE: NonNullable<TrainingStep['health']> = {
  rows: 0,
  dim: 0,
  nonFinite: 0,
  meanDistance: NaN,
  meanNormalizedDistance: NaN,
  meanDistanceRatio: NaN,
  meanNormalizedDistanceRatio: NaN,
  normalizedStdSqrtDim: NaN,
  normMean: NaN,
  normMin: NaN,
  normMax: NaN,
  nearZeroShare: NaN,
  normMeanRatio: NaN,
  effectiveRank: NaN,
  effectiveRankRatio: NaN,
  firstComponentShare: NaN,
  deadDimensions: NaN,
  numClasses: 0,
  meanPositive: NaN,
  meanNegative: NaN,
  gap: NaN,
  violationFraction: NaN,
  margin: NaN,
};

/**
 * The miner the step trained with, as the diagnosis names it: a curriculum's stage (`semihard`,
 * `batch-hard+3semihard+selective` -> `batch-hard`) rather than the run's hard miner, so a collapse
 * in the semi-hard stage is not blamed on hardest-triplet mining; the run's miner when the record
 * does not say.
 */
function liveMiner(record: StepRecord, configured: string | undefined): string | undefined {
  const name = record.mining?.split('+')[0];
  return name !== undefined && (MINERS as readonly string[]).includes(name) ? name : configured;
}
