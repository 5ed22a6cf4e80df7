import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { float, int } from './flag-parsers.js';
import { withDataSourceFlags } from './data-source-flags.js';
import { invalidArgument } from '../errors.js';
import { readJsonObject } from '../io/index.js';
import { backendOption } from './backend-option.js';
import {
  DISTANCES,
  LOSSES,
  OPTIMIZERS,
  SCHEDULES,
  resolveConfig,
  type TrainConfig,
  type TrainSettings,
} from '../run/index.js';
import { CURRICULA, GUARDS } from '../training/index.js';
import { MINERS } from '../miners/index.js';
import { CONFIG_JSON, runTraining, type TrainSummary } from '../run/index.js';
import type { CommandContext } from './command-context.js';

/** The flags of `deepmetric train` as commander parses them. */
export interface TrainFlags extends Partial<Omit<TrainSettings, 'classesPerBatch' | 'samplesPerClass'>> {
  batch?: [number, number];
  config?: string;
  resume?: string;
}

/**
 * `deepmetric train`: the settings are the defaults, then a `--config` file, then the flags; with
 * `--resume RUN_DIR` they are the run's own `config.json`. Returns the run's summary.
 */
/** What a `--config` file or a run's config.json must hold. */
const SETTINGS_OBJECT = 'a JSON object of settings, e.g. {"lr": 0.001}';

export async function trainCommand(flags: TrainFlags, context: CommandContext): Promise<TrainSummary> {
  const { batch, config: configFile, resume, ...rest } = flags;
  const fromFlags: Partial<TrainSettings> = { ...rest };
  if (batch) [fromFlags.classesPerBatch, fromFlags.samplesPerClass] = batch;
  let config: TrainConfig;
  if (resume !== undefined) {
    const given = Object.keys(fromFlags).filter((k) => fromFlags[k as keyof TrainSettings] !== undefined);
    if (given.length > 0 || configFile !== undefined) {
      throw invalidArgument(
        `--resume continues a run with its own settings (${join(resume, CONFIG_JSON)}); drop the other flags: ${given.map((k) => `--${kebab(k)}`).join(', ') || '--config'}`,
      );
    }
    const path = join(resume, CONFIG_JSON);
    config = resolveConfig({ ...(await readJsonObject(path, SETTINGS_OBJECT)), out: resume }, {}, path);
  } else {
    const file = configFile === undefined ? {} : await readJsonObject(configFile, SETTINGS_OBJECT);
    config = resolveConfig(file, fromFlags, configFile);
  }
  return runTraining(config, { resume: resume !== undefined, signal: context.signal, progress: context.progress });
}

/** The `train` command for commander, with every flag documented in docs/cli.md. */
export function trainCommandSpec(run: (flags: TrainFlags) => Promise<void>): Command {
  return withDataSourceFlags(
    new Command('train')
      .description(
        'Train an embedding network with triplet loss; writes a run directory (config, log, checkpoints, model, summary).',
      )
      .option(
        '--data <spec>',
        "'fashion-mnist' (the bundled sample), a folder of IDX files, an image folder, a .npy or a .csv",
      ),
  )
    .option(
      '--holdout-classes <classes>',
      'hold these classes out for evaluation: a count, a fraction, or comma-separated names',
    )
    .option('--test-fraction <f>', 'share of each class kept for testing when the data has no test split', float)
    .option('--model <spec>', "'convnet' or 'mlp:<hidden sizes>', e.g. mlp:256,128")
    .option('--embedding-dim <n>', 'size of the embedding', int)
    .option('--normalize', 'end the model with an L2-normalize layer (the default)')
    .option('--no-normalize', 'do not end the model with an L2-normalize layer')
    .addOption(choice('--loss <name>', "the loss, as PML's (triplet: hinge, soft-triplet: soft margin)", LOSSES))
    .option('--margin <m>', 'margin of the triplet losses and of the margin loss', float)
    .option('--pos-margin <m>', 'contrastive: positive pairs closer than this cost nothing (PML 0)', float)
    .option('--neg-margin <m>', 'contrastive: negative pairs farther than this cost nothing (PML 1)', float)
    .option('--ms-alpha <a>', 'multi-similarity: alpha (PML 2)', float)
    .option('--ms-beta <b>', 'multi-similarity: beta (PML 50)', float)
    .option('--ms-base <b>', 'multi-similarity: base (PML 0.5)', float)
    .option('--temperature <t>', 'ntxent / supcon: temperature (PML 0.07 / 0.1)', float)
    .option('--circle-m <m>', 'circle: relaxation m (PML 0.4)', float)
    .option('--circle-gamma <g>', 'circle: scale gamma (PML 80)', float)
    .option('--margin-beta <b>', 'margin loss: initial boundary beta (PML 1.2)', float)
    .option('--margin-nu <nu>', 'margin loss: regularization of beta (PML 0)', float)
    .option('--learn-beta', "margin loss: learn beta with the model (PML's learn_beta)")
    .option('--arcface-margin <deg>', 'arcface: angular margin in degrees (PML 28.6)', float)
    .option('--arcface-scale <s>', 'arcface: scale (PML 64)', float)
    .option('--proxy-margin <m>', 'proxy-anchor: margin (PML 0.1)', float)
    .option('--proxy-alpha <a>', 'proxy-anchor: alpha (PML 32)', float)
    .addOption(
      choice('--distance <name>', "distance the loss and miner use; auto: the loss's PML default", [
        ...DISTANCES,
        'auto',
      ]),
    )
    .option('--normalize-embeddings', 'the distance L2-normalizes embeddings first (the default)')
    .option('--no-normalize-embeddings', 'the distance measures raw embeddings')
    .addOption(choice('--miner <name>', 'how triplets are chosen in a batch', MINERS))
    .option('--miner-margin <m>', 'margin of the all/hard/semihard/easy miners', float)
    .addOption(
      choice(
        '--curriculum <name>',
        'how --miner batch-hard or hard is reached from scratch without collapsing (auto: the measured best; none: hard from the first step)',
        CURRICULA,
      ),
    )
    .option('--batch <P,K>', 'P classes x K samples per batch', pair)
    .option('--epochs <n>', 'epochs of --steps-per-epoch steps', int)
    .option('--steps <n>', 'total optimizer steps (overrides --epochs)', int)
    .option('--steps-per-epoch <n>', 'steps per epoch (checkpoints and plateau schedules count epochs)', int)
    .option('--lr <rate>', 'learning rate', float)
    .addOption(choice('--optimizer <name>', 'optimizer', OPTIMIZERS))
    .option('--momentum <m>', 'SGD momentum', float)
    .option('--weight-decay <wd>', 'decoupled weight decay', float)
    .addOption(choice('--schedule <name>', 'learning-rate schedule', SCHEDULES))
    .option('--warmup-steps <n>', 'linear warmup steps before the schedule', int)
    .option('--seed <n>', 'seed of initialization, sampling and splits', int)
    .addOption(backendOption(null))
    .addOption(choice('--guard <mode>', 'what the collapse guard does', GUARDS))
    .option('--log-every <n>', 'log a record every n steps', int)
    .option('--probe-every <n>', 'measure embedding health every n steps', int)
    .option(
      '--workers <n>',
      "threads that run the network, data-parallel: a number, or 'auto' (every core for a convnet on wasm/cpu, else 1)",
      workerCount,
    )
    .option('--out <dir>', 'run directory (default runs/<date>-<time>)')
    .option('--config <file>', 'JSON file of settings (flags win over it)')
    .option('--resume <dir>', 'continue an interrupted run from its last checkpoint')
    .action(async (flags: TrainFlags) => run(flags));
}

function choice(flags: string, description: string, allowed: readonly string[]): Option {
  return new Option(flags, description).choices(allowed);
}

function workerCount(value: string): number | 'auto' {
  return value.trim() === 'auto' ? 'auto' : int(value);
}

function pair(value: string): [number, number] {
  const match = /^(\d+)\s*[,x]\s*(\d+)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected P,K (classes per batch, samples per class), e.g. 10,8.');
  return [Number(match[1]), Number(match[2])];
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
