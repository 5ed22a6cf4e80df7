import { invalidArgument } from '../errors.js';
import type { HealthSnapshot } from '../health/index.js';
import { Random, type RandomState } from '../random.js';
import type { Callback } from './callback.js';
import type { Stateful } from './checkpoint-callback.js';
import { harderMiningReady } from './harder-mining-ready.js';
import type { StepRecord } from './step-record.js';
import type { Trainer, TrainerMining } from './trainer.js';

/**
 * The curricula a run chooses by name (`--curriculum`): `none` mines with the run's miner from the
 * start; the others start easier and reach the run's (hard) miner in stages, each stage gated by
 * the health probe. `auto` is the one docs/collapse.md's measurements chose.
 */
export const CURRICULA = ['none', 'auto', 'semihard-first', 'softmax', 'mixed', 'easy-positive'] as const;
export type CurriculumName = (typeof CURRICULA)[number];

/** One stage of a curriculum: how its steps mine, and what the log calls it. */
export interface CurriculumStage {
  /** The step records' `mining` while the stage is in force, e.g. `semihard`. */
  label: string;
  /** A fresh miner, the distance the loss measures with, and the loss's selectively contrastive triplets if the stage sets them. */
  mining(): Omit<TrainerMining, 'label'>;
}

export interface CurriculumOptions {
  curriculum: CurriculumName;
  /** The stages of a curriculum, the hardest last; `none` has one. `rng` is the curriculum's, for miners that draw. */
  stages(curriculum: CurriculumName, rng: Random): CurriculumStage[];
  /** Whether a probe's health allows the next stage. Default `harderMiningReady`. */
  ready?(health: HealthSnapshot): boolean;
  /** Seeds the generator of the stages' miners. Default 0. */
  seed?: number;
}

interface CurriculumState {
  curriculum: CurriculumName;
  stage: number;
  rng: RandomState;
}

/** What the curriculum changes in the trainer. */
type Mined = Pick<Trainer, 'useMining'>;

/**
 * Hard mining from scratch, in stages: the trainer mines with a curriculum's first stage, and at
 * every probe whose health allows it (`ready`: healthy and separated, by default) moves on to the
 * next, until the last, the run's own hard miner, which it keeps. The switch happens through
 * `trainer.useMining` after the probe's step; every step record names the stage in force
 * (`mining`). Its curriculum, stage and generator are checkpointed (a resumed run goes on in the
 * same stage), and `use` lets the collapse guard start a curriculum on a run that collapsed.
 *
 * @example
 * const curriculum = new CurriculumCallback({ curriculum: 'auto', stages: (name, rng) => curriculumStages(name, config, mining, rng) });
 * const trainer = new Trainer({ ...parts, callbacks: [probe, curriculum, guard, log] });
 */
export class CurriculumCallback<T extends Mined = Trainer> implements Callback<T>, Stateful {
  private readonly options: CurriculumOptions;
  private readonly ready: (health: HealthSnapshot) => boolean;
  private readonly rng: Random;
  private name: CurriculumName;
  private current = 0;
  private staged: CurriculumStage[];

  constructor(options: CurriculumOptions) {
    this.options = options;
    this.ready = options.ready ?? harderMiningReady;
    this.rng = new Random(options.seed ?? 0);
    this.name = options.curriculum;
    this.staged = this.stagesOf(this.name);
  }

  /** The curriculum in force. */
  get curriculum(): CurriculumName {
    return this.name;
  }

  /** The index of the stage in force (the last is the run's miner). */
  get stage(): number {
    return this.current;
  }

  /** The label of the stage in force. */
  get label(): string {
    return this.staged[this.current].label;
  }

  state(): CurriculumState {
    return { curriculum: this.name, stage: this.current, rng: this.rng.state() };
  }

  loadState(state: unknown): void {
    if (state === undefined || state === null) return;
    const s = state as CurriculumState;
    this.name = s.curriculum;
    this.staged = this.stagesOf(this.name);
    this.current = Math.min(s.stage, this.staged.length - 1);
    this.rng.setState(s.rng);
  }

  onTrainBegin(trainer: T): void {
    // `none` keeps the miner the trainer was built with (and the generator it may hold).
    if (this.name !== 'none') this.apply(trainer);
  }

  onStepEnd(trainer: T, record: StepRecord): void {
    if (record.health === undefined || this.current === this.staged.length - 1) return;
    if (!this.ready(record.health)) return;
    this.current += 1;
    this.apply(trainer);
  }

  /**
   * Puts `curriculum` in force: a new one from its first stage, the one in force at its stage again
   * (its stages rebuilt, e.g. after the guard changed the run's miner or normalization).
   */
  use(trainer: T, curriculum: CurriculumName): void {
    if (curriculum !== this.name) {
      this.name = curriculum;
      this.current = 0;
    }
    this.staged = this.stagesOf(curriculum);
    this.apply(trainer);
  }

  private apply(trainer: T): void {
    const stage = this.staged[this.current];
    trainer.useMining({ ...stage.mining(), label: stage.label });
  }

  private stagesOf(curriculum: CurriculumName): CurriculumStage[] {
    if (!CURRICULA.includes(curriculum)) {
      throw invalidArgument(
        `Option \`curriculum\` must be one of ${CURRICULA.join(', ')}. Received: curriculum=${String(curriculum)}`,
      );
    }
    const stages = this.options.stages(curriculum, this.rng);
    if (stages.length === 0) throw invalidArgument(`Curriculum ${curriculum} has no stage`);
    return stages;
  }
}
