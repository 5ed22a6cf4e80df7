/**
 * Hard mining from scratch: trains the mechanisms that keep batch-hard mining from collapsing
 * (docs/collapse.md, "Hard mining from scratch") and prints the table of that section. Every run
 * is a real `runTraining` with `--guard warn`; the bench replays the guard's diagnosis at every
 * probe (no persistence: each probe judged alone, with the log so far and the run's settings).
 *
 * A run **collapses** when any probe after step 50 is not `healthy`; **hard from** is the first
 * step that trained with the run's hard miner (the log's `mining`), and **hard share** the share of
 * the run's steps that did. Held-out precision@1 and MAP@R are `summary.json`'s.
 *
 * Run:
 *   npx tsx bench/curriculum.bench.ts --grid screen   # bundled sample, mlp:256,128, seed 0, every mechanism
 *   npx tsx bench/curriculum.bench.ts --grid final    # sample and full Fashion-MNIST x both models x seeds 0-2, semihard vs auto
 * Options: --variants a,b  --models mlp:256,128,convnet:16,32,128 (split on ';')  --seeds 0,1,2
 *   --data sample|full|sample;full  --full-path /usr/share/datasets/fashion-mnist  --out bench/out/curriculum-<grid>.json
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { diagnose, type HealthSnapshot } from '../src/health/index.js';
import {
  BaseMiner,
  BatchEasyHardMiner,
  BatchHardMiner,
  BatchHardRandomMiner,
  SoftmaxHardMiner,
  TripletMarginMiner,
  type MiningBatch,
  type TripletIndices,
} from '../src/miners/index.js';
import { Random } from '../src/random.js';
import {
  distanceFor,
  readRunLog,
  resolveConfig,
  runSettings,
  runTraining,
  type TrainConfig,
} from '../src/run/index.js';
import { CurriculumCallback, type Callback, type Trainer } from '../src/training/index.js';
import { BASE } from './scenarios/scenarios.js';
import { option } from './option.js';

/** Probes before this step are not judged: a run's first probes may still be settling. */
const JUDGED_FROM = 50;

interface Variant {
  name: string;
  about: string;
  settings: Partial<TrainConfig>;
}

/** A callback that mines with `make()` from the first step (a mechanism measured on its own). */
function fixedMining(config: TrainConfig, label: string, make: (rng: Random) => BaseMiner): Callback<Trainer> {
  return {
    onTrainBegin: (trainer) =>
      trainer.useMining({
        miner: make(new Random(config.seed + 3)),
        distance: distanceFor(config.distance, config.normalizeEmbeddings),
        label,
      }),
  };
}

const FIXED: Record<string, (config: TrainConfig) => Callback<Trainer>> = {
  'softmax-fixed': (c) =>
    fixedMining(c, 'softmax-hard T=0.1', (rng) => new SoftmaxHardMiner({ temperature: 0.1, rng, distance: dist(c) })),
  'mixed-fixed': (c) =>
    fixedMining(c, 'batch-hard+random', (rng) => new BatchHardRandomMiner({ rng, distance: dist(c) })),
  'easy-positive-fixed': (c) =>
    fixedMining(
      c,
      'easy-positive',
      () => new BatchEasyHardMiner({ posStrategy: 'easy', negStrategy: 'hard', distance: dist(c) }),
    ),
  'then union': (c) =>
    semihardThen(
      c,
      'batch-hard+semihard+selective',
      () => new UnionMiner([new BatchHardMiner({ distance: dist(c) }), semihardMiner(c)]),
    ),
  ...Object.fromEntries(
    [1, 7].map((k) => [
      `then hardest+${k}semihard`,
      (c: TrainConfig) =>
        semihardThen(
          c,
          `batch-hard+${k}semihard+selective`,
          (rng) =>
            new BatchHardRandomMiner({
              randomPerAnchor: k,
              randomFrom: 'semihard',
              margin: c.minerMargin,
              rng,
              distance: dist(c),
            }),
        ),
    ]),
  ),
  'then hardest+1random': (c) =>
    semihardThen(c, 'batch-hard+random+selective', (rng) => new BatchHardRandomMiner({ rng, distance: dist(c) })),
  'then 3semihard (control)': (c) => semihardThen(c, '3semihard', (rng) => new SemihardPerAnchorMiner(c, 3, rng)),
  'then hardest lr3e-4': (c) =>
    semihardThen(c, 'batch-hard+selective', () => new BatchHardMiner({ distance: dist(c) }), { lr: 3e-4 }),
  'then hardest gate 0.08': (c) =>
    semihardThen(c, 'batch-hard+selective', () => new BatchHardMiner({ distance: dist(c) }), { gate: 0.08 }),
  'then hardest+3semihard gate 0.08': (c) =>
    semihardThen(
      c,
      'batch-hard+3semihard+selective',
      (rng) =>
        new BatchHardRandomMiner({
          randomPerAnchor: 3,
          randomFrom: 'semihard',
          margin: c.minerMargin,
          rng,
          distance: dist(c),
        }),
      { gate: 0.08 },
    ),
};

function dist(config: TrainConfig) {
  return distanceFor(config.distance, config.normalizeEmbeddings);
}

const semihardMiner = (c: TrainConfig) =>
  new TripletMarginMiner({ margin: c.minerMargin, typeOfTriplets: 'semihard', distance: dist(c) });

/** Every triplet of `parts`' outputs, once each: batch-hard's hardest with every semi-hard triplet. */
class UnionMiner extends BaseMiner<TripletIndices> {
  constructor(private readonly parts: Array<BaseMiner<TripletIndices>>) {
    super(parts[0].distance, () => parts[0].distance);
  }

  // The parts mine the same embeddings again (a second distance matrix: cheap at batch sizes).
  override mine(embeddings: Parameters<BaseMiner['mine']>[0], labels: Int32Array | number[]): TripletIndices {
    const n = embeddings.shape[0];
    const seen = new Set<number>();
    const out: number[][] = [[], [], []];
    for (const part of this.parts) {
      const t = part.mine(embeddings, labels);
      t.anchors.forEach((a, i) => {
        const key = (a * n + t.positives[i]) * n + t.negatives[i];
        if (seen.has(key)) return;
        seen.add(key);
        out[0].push(a);
        out[1].push(t.positives[i]);
        out[2].push(t.negatives[i]);
      });
    }
    return { anchors: Int32Array.from(out[0]), positives: Int32Array.from(out[1]), negatives: Int32Array.from(out[2]) };
  }

  protected mineBatch(_batch: MiningBatch): TripletIndices {
    throw new Error('UnionMiner mines through its parts');
  }
}

/** k of each anchor's semi-hard triplets, drawn as BatchHardRandomMiner draws them, without the hardest (the control). */
class SemihardPerAnchorMiner extends BaseMiner<TripletIndices> {
  constructor(
    private readonly config: TrainConfig,
    private readonly k: number,
    private readonly rng: Random,
  ) {
    super(dist(config), () => dist(config));
  }

  override mine(embeddings: Parameters<BaseMiner['mine']>[0], labels: Int32Array | number[]): TripletIndices {
    const t = new BatchHardRandomMiner({
      randomPerAnchor: this.k,
      randomFrom: 'semihard',
      margin: this.config.minerMargin,
      rng: this.rng,
      distance: this.distance,
    }).mine(embeddings, labels);
    const hardest = new BatchHardMiner({ distance: this.distance }).mine(embeddings, labels);
    // Drop each anchor's first triplet, its hardest (BatchHardRandomMiner puts it first).
    const keep = t.anchors.map((_, i) => (i > 0 && t.anchors[i - 1] === t.anchors[i] ? 1 : 0));
    if (hardest.anchors.length !== t.anchors.length - keep.reduce((s, x) => s + x, 0)) throw new Error('unexpected');
    const pick = (x: Int32Array) => x.filter((_, i) => keep[i] === 1);
    return { anchors: pick(t.anchors), positives: pick(t.positives), negatives: pick(t.negatives) };
  }

  protected mineBatch(_batch: MiningBatch): TripletIndices {
    throw new Error('SemihardPerAnchorMiner mines through BatchHardRandomMiner');
  }
}

/**
 * Semi-hard mining, then `make`'s mining with selectively contrastive triplets, gated as the
 * curricula are (or at violation fraction `gate`): a hard stage measured on its own. `lr` sets
 * the hard stage's learning rate.
 */
function semihardThen(
  config: TrainConfig,
  label: string,
  make: (rng: Random) => BaseMiner,
  { lr, gate }: { lr?: number; gate?: number } = {},
): Callback<Trainer> {
  const rng = new Random(config.seed + 3);
  const stage = (l: string, miner: () => BaseMiner, selectivelyContrastive: boolean) => ({
    label: l,
    mining: () => ({ miner: miner(), distance: dist(config), selectivelyContrastive }),
  });
  const curriculum = new CurriculumCallback<Trainer>({
    curriculum: 'auto',
    stages: () => [stage('semihard', () => semihardMiner(config), false), stage(label, () => make(rng), true)],
    ...(gate === undefined
      ? {}
      : { ready: (h: HealthSnapshot) => h.violationFraction <= gate && diagnose({ health: h }).verdict === 'healthy' }),
  });
  if (lr === undefined) return curriculum;
  return {
    onTrainBegin: (t) => curriculum.onTrainBegin(t),
    onStepEnd: (t, record) => {
      curriculum.onStepEnd(t, record);
      // After the schedule's own onStepEnd (bench callbacks run last): the next step's lr.
      if (curriculum.stage === 1) t.optimizer.learningRate = lr;
    },
  };
}

const VARIANTS: Variant[] = [
  { name: 'semihard', about: 'the default: semi-hard mining throughout', settings: { miner: 'semihard' } },
  { name: 'batch-hard', about: 'batch-hard from the first step', settings: { miner: 'batch-hard' } },
  {
    name: 'soft-margin',
    about: 'batch-hard with the soft margin (softplus) from the first step',
    settings: { miner: 'batch-hard', loss: 'soft-triplet' },
  },
  {
    name: 'softmax-fixed',
    about: 'softmax-sampled hardest at T = 0.1 throughout',
    settings: { miner: 'batch-hard' },
  },
  {
    name: 'mixed-fixed',
    about: 'each anchor hardest + 1 random triplet throughout',
    settings: { miner: 'batch-hard' },
  },
  {
    name: 'easy-positive-fixed',
    about: 'closest positive, closest negative throughout',
    settings: { miner: 'batch-hard' },
  },
  {
    name: 'semihard-first lr3e-4',
    about: '--curriculum semihard-first at a third of the lr',
    settings: { miner: 'batch-hard', curriculum: 'semihard-first', lr: 3e-4 },
  },
  {
    name: 'semihard-first hard',
    about: '--miner hard --curriculum semihard-first (every hard triplet, not each anchor hardest)',
    settings: { miner: 'hard', curriculum: 'semihard-first' },
  },
  {
    name: 'semihard-first soft-margin',
    about: '--curriculum semihard-first with the soft margin',
    settings: { miner: 'batch-hard', curriculum: 'semihard-first', loss: 'soft-triplet' },
  },
  {
    name: 'selective',
    about: 'batch-hard from the first step, selectively contrastive triplets',
    settings: { miner: 'batch-hard', loss: 'selective-triplet' },
  },
  {
    name: 'semihard-first selective',
    about: '--curriculum semihard-first, selectively contrastive triplets',
    settings: { miner: 'batch-hard', curriculum: 'semihard-first', loss: 'selective-triplet' },
  },
  {
    name: 'semihard-first selective hard',
    about: '--miner hard --curriculum semihard-first, selectively contrastive triplets (the previous auto for hard)',
    settings: { miner: 'hard', curriculum: 'semihard-first', loss: 'selective-triplet' },
  },
  ...Object.keys(FIXED)
    .filter((name) => name.startsWith('then '))
    .map((name) => ({
      name,
      about: `semi-hard, then (at the curriculum's gate) ${name.slice(5)} with selectively contrastive triplets`,
      settings: { miner: 'batch-hard' as const },
    })),
  {
    name: 'curriculum auto hard',
    about: '--miner hard --curriculum auto (every hard and semi-hard triplet)',
    settings: { miner: 'hard', curriculum: 'auto' },
  },
  ...(['semihard-first', 'softmax', 'mixed', 'easy-positive', 'auto'] as const).map((curriculum) => ({
    name: `curriculum ${curriculum}`,
    about: `--miner batch-hard --curriculum ${curriculum}`,
    settings: { miner: 'batch-hard' as const, curriculum },
  })),
];

interface Outcome {
  variant: string;
  data: string;
  model: string;
  seed: number;
  precisionAt1: number;
  mapAtR: number;
  unhealthyProbes: Array<{ step: number; verdict: string }>;
  hardFrom: number | null;
  hardShare: number;
  finalVerdict: string;
  seconds: number;
  /** The probes: step, mining, violation fraction, normalized spread and the replayed verdict. */
  probes: Array<[number, string, number, number, string]>;
}

async function runOne(variant: Variant, data: string, model: string, seed: number): Promise<Outcome> {
  const out = join(tmpdir(), `dm-curriculum-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const steps = model.startsWith('convnet') ? Number(option('convnet-steps', '300')) : Number(option('steps', '600'));
  const config = resolveConfig({}, { ...BASE, data, model, seed, steps, out, backend: 'wasm', ...variant.settings });
  const started = performance.now();
  const fixed = FIXED[variant.name];
  const summary = await runTraining(config, { progress: null, callbacks: fixed ? [fixed(config)] : [] });
  const seconds = (performance.now() - started) / 1000;
  const log = await readRunLog(join(out, 'log.jsonl'));
  const settings = runSettings(config);
  const unhealthyProbes: Outcome['unhealthyProbes'] = [];
  const probes: Outcome['probes'] = [];
  log.forEach((record, i) => {
    if (record.health === undefined) return;
    const verdict = diagnose({ health: record.health, history: log.slice(0, i + 1), run: settings }).verdict;
    const h = record.health;
    probes.push([record.step, record.mining ?? '-', h.violationFraction, h.meanNormalizedDistance, verdict]);
    if (verdict !== 'healthy' && record.step >= JUDGED_FROM) unhealthyProbes.push({ step: record.step, verdict });
  });
  const hard = log.filter((r) => config.miner !== 'semihard' && r.mining?.startsWith(config.miner) === true);
  rmSync(out, { recursive: true, force: true });
  return {
    variant: variant.name,
    data,
    model,
    seed,
    precisionAt1: summary.test?.precisionAt1 ?? NaN,
    mapAtR: summary.test?.meanAveragePrecisionAtR ?? NaN,
    unhealthyProbes,
    hardFrom: hard.length > 0 ? hard[0].step : null,
    // Logged steps are every 10th (and probes): the share of logged steps is the share of steps.
    hardShare: hard.filter((r) => r.step % config.logEvery === 0).length / Math.ceil(steps / config.logEvery),
    finalVerdict: summary.verdict?.verdict ?? '-',
    seconds,
    probes,
  };
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main(): Promise<void> {
  const grid = option('grid', 'screen');
  const fullPath = option('full-path', '/usr/share/datasets/fashion-mnist');
  const screen = grid === 'screen';
  const variantNames = option('variants', screen ? VARIANTS.map((v) => v.name).join(',') : 'semihard,curriculum auto');
  const models = option('models', screen ? 'mlp:256,128' : 'mlp:256,128;convnet:16,32,128').split(';');
  const seeds = option('seeds', screen ? '0' : '0,1,2')
    .split(',')
    .map(Number);
  const datasets = option('data', screen ? 'sample' : 'sample;full')
    .split(';')
    .map((d) => (d === 'full' ? fullPath : d === 'sample' ? 'fashion-mnist' : d));
  const outPath = option('out', join('bench', 'out', `curriculum-${grid}.json`));
  const variants = variantNames.split(',').map((name) => {
    const v = VARIANTS.find((x) => x.name === name);
    if (v === undefined) throw new Error(`unknown variant ${name}; known: ${VARIANTS.map((x) => x.name).join(', ')}`);
    return v;
  });
  const outcomes: Outcome[] = [];
  for (const data of datasets) {
    for (const model of models) {
      for (const seed of seeds) {
        for (const variant of variants) {
          const o = await runOne(variant, data, model, seed);
          outcomes.push(o);
          process.stderr.write(
            `${o.variant} | ${data} ${model} seed ${seed}: p@1 ${fmt(o.precisionAt1)} MAP@R ${fmt(o.mapAtR)} unhealthy probes ${o.unhealthyProbes.length}` +
              `${o.unhealthyProbes.length > 0 ? ` (first ${o.unhealthyProbes[0].step} ${o.unhealthyProbes[0].verdict})` : ''}` +
              ` hard from ${o.hardFrom ?? '-'} (${fmt(o.hardShare, 2)}) final ${o.finalVerdict} ${o.seconds.toFixed(0)} s\n`,
          );
          mkdirSync(dirname(outPath), { recursive: true });
          writeFileSync(outPath, `${JSON.stringify({ grid, outcomes }, null, 2)}\n`);
        }
      }
    }
  }
  const header = ['mechanism', 'data', 'model', 'seeds', 'p@1', 'MAP@R', 'collapsed runs', 'hard from', 'hard share'];
  const rows: string[][] = [];
  for (const data of datasets) {
    for (const model of models) {
      for (const variant of variants) {
        const group = outcomes.filter((o) => o.variant === variant.name && o.data === data && o.model === model);
        const mean = (f: (o: Outcome) => number) => group.reduce((s, o) => s + f(o), 0) / group.length;
        rows.push([
          variant.name,
          data === 'fashion-mnist' ? 'sample' : 'full',
          model,
          group.map((o) => o.seed).join(','),
          fmt(mean((o) => o.precisionAt1)),
          fmt(mean((o) => o.mapAtR)),
          `${group.filter((o) => o.unhealthyProbes.length > 0).length} of ${group.length}`,
          group.map((o) => o.hardFrom ?? '-').join(', '),
          fmt(
            mean((o) => o.hardShare),
            2,
          ),
        ]);
      }
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(
    `\n${line(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${rows.map(line).join('\n')}\n`,
  );
  process.stdout.write(`details: ${outPath}\n`);
}

await main();
