/**
 * The collapse scenario suite: trains every run of `scenarios.ts` on the bundled Fashion-MNIST
 * sample, judges each run's ground truth independently of the detector, and prints the detector's
 * verdicts and causes against it: false alarms on healthy runs, causes named, how many steps after
 * the onset the alarm came, and whether `--guard recover` brought the collapsing runs back.
 *
 * Ground truth (not the detector's rules): a run failed when its final held-out precision@1 is more
 * than TRUTH_P1_DROP below the healthy baseline's (the `healthy` scenario, run first) or when its
 * held-out embeddings' mean normalized distance is below TRUTH_MIN_SPREAD (all in one direction).
 * The onset: the harness embeds a fixed held-out batch of 500 test rows at every probe step; the
 * onset is the first step from which, until the end, that batch's precision@1 stays more than
 * ONSET_P1_GAP below the healthy run's at the same step, or its spread below TRUTH_MIN_SPREAD.
 *
 * Run: npm run scenarios [-- --only name,name] [--seed 0] [--backend wasm|cpu] [--out bench/out/scenarios.json]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { tf } from '../../src/tf.js';
import { diagnoseCommand } from '../../src/cli/diagnose-command.js';
import { loadData, subset, type Dataset } from '../../src/data/index.js';
import { retrievalMetrics } from '../../src/evaluation/index.js';
import { embeddingHealth } from '../../src/health/index.js';
import { embedDataset } from '../../src/models/index.js';
import { dataOptions } from '../../src/run/index.js';
import { probeRows } from '../../src/training/health-probe-callback.js';
import { readRunLog } from '../../src/run/index.js';
import { runTraining } from '../../src/run/index.js';
import type { StepRecord } from '../../src/training/step-record.js';
import { resolveConfig, type TrainConfig } from '../../src/run/index.js';
import type { Trainer } from '../../src/training/trainer.js';
import { BASE, SCENARIOS, type Scenario } from './scenarios.js';
import { option } from '../option.js';

/** A run failed when its held-out precision@1 is this far below the healthy baseline's (3 points)... */
const TRUTH_P1_DROP = 0.03;
/** ...or its held-out embeddings' mean normalized distance is below this (in [0, 2]; healthy ~1.3). */
const TRUTH_MIN_SPREAD = 0.2;
/** The held-out batch's precision@1 this far below the healthy run's at the same step marks the onset. */
const ONSET_P1_GAP = 0.05;
/** Rows of the held-out batch the harness measures at every probe. */
const TRUTH_ROWS = 500;

interface TruthPoint {
  step: number;
  precisionAt1: number;
  spread: number;
}

interface Outcome {
  name: string;
  about: string;
  seconds: number;
  precisionAt1: number;
  rawPrecisionAt1: number;
  testSpread: number;
  testRank: number;
  truthFailed: boolean;
  onset: number | null;
  /** Steps at which the guard reported an unhealthy verdict, with it and its first cause. */
  alarms: Array<{ step: number; verdict: string; cause: string; action: string }>;
  finalVerdict: string;
  finalCauses: Array<{ id: string; confidence: number }>;
  expectedCause: string | null;
  causeFirst: boolean;
  causeNamed: boolean;
  recoveries: number;
  recoverOf: string | null;
  /** The probe's numbers over the run, for docs/collapse.md's figures. */
  probes: Array<Record<string, number>>;
}

/** Measures the held-out batch at every probe step: precision@1 (leave-one-out) and spread. */
function truthWatch(batch: Dataset, every: number, points: TruthPoint[]) {
  const measure = (trainer: Trainer, step: number) => {
    const e = embedDataset(trainer.model, batch);
    try {
      const p1 = retrievalMetrics({ query: e, queryLabels: batch.labels }).precisionAt1;
      points.push({ step, precisionAt1: p1, spread: embeddingHealth(e).spread.meanNormalizedDistance });
    } finally {
      e.dispose();
    }
  };
  return {
    onStepEnd: (trainer: Trainer, record: StepRecord) => {
      if (record.step % every === 0 || record.step === trainer.totalSteps - 1) measure(trainer, record.step);
    },
  };
}

async function runScenario(
  scenario: Scenario,
  backend: string,
  seed: number,
  baseline: { precisionAt1: number; truth: TruthPoint[] } | null,
): Promise<Outcome & { truth: TruthPoint[] }> {
  const out = join(tmpdir(), `dm-scenario-${scenario.name.replace(/[^a-z0-9-]/g, '_')}-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const config: TrainConfig = resolveConfig(
    {},
    { ...BASE, ...scenario.settings, seed, backend: backend as TrainConfig['backend'], out },
  );
  const { test } = await loadData(config.data, dataOptions(config));
  const batch = subset(test, probeRows(test.labels, TRUTH_ROWS, 1));
  const truth: TruthPoint[] = [];
  const started = performance.now();
  const summary = await runTraining(config, {
    progress: null,
    callbacks: [truthWatch(batch, config.probeEvery, truth)],
  });
  const seconds = (performance.now() - started) / 1000;
  const log = await readRunLog(join(out, 'log.jsonl'));
  const diagnosis = await diagnoseCommand(out, { backend: config.backend });
  const alarms = log
    .filter((r) => r.guard !== undefined && r.guard.verdict !== 'healthy')
    .map((r) => ({
      step: r.step,
      verdict: r.guard?.verdict ?? '',
      cause: r.guard?.causes?.[0] ?? '-',
      action: r.guard?.action ?? '',
    }));
  const p1 = summary.test?.precisionAt1 ?? NaN;
  const spread = summary.health?.meanNormalizedDistance ?? NaN;
  const base = baseline?.precisionAt1 ?? p1;
  const truthFailed = p1 < base - TRUTH_P1_DROP || spread < TRUTH_MIN_SPREAD;
  const healthyAt = new Map((baseline?.truth ?? truth).map((t) => [t.step, t.precisionAt1]));
  const behind = (t: TruthPoint) =>
    t.precisionAt1 < (healthyAt.get(t.step) ?? NaN) - ONSET_P1_GAP || t.spread < TRUTH_MIN_SPREAD;
  let onset: number | null = null;
  if (truthFailed) {
    for (let i = truth.length - 1; i >= 0 && behind(truth[i]); i--) onset = truth[i].step;
  }
  const strong = diagnosis.report.causes.filter((c) => c.confidence >= 0.5).map((c) => c.id);
  const accepted = scenario.expectedCause === null ? [] : [scenario.expectedCause, ...(scenario.alsoAcceptable ?? [])];
  // The cause named at the first alarm counts too: a guard acts on what it says then.
  const alarmCause = alarms[0]?.cause;
  rmSync(out, { recursive: true, force: true });
  return {
    name: scenario.name,
    about: scenario.about,
    seconds,
    precisionAt1: p1,
    rawPrecisionAt1: summary.rawTest?.precisionAt1 ?? NaN,
    testSpread: spread,
    testRank: summary.health?.effectiveRank ?? NaN,
    truthFailed,
    onset,
    alarms,
    finalVerdict: diagnosis.report.verdict,
    finalCauses: diagnosis.report.causes.map((c) => ({ id: c.id, confidence: c.confidence })),
    expectedCause: scenario.expectedCause,
    causeFirst:
      scenario.expectedCause !== null &&
      (accepted.includes(diagnosis.report.causes[0]?.id ?? '') ||
        (alarmCause !== undefined && accepted.includes(alarmCause as never))),
    causeNamed: scenario.expectedCause !== null && strong.includes(scenario.expectedCause),
    recoveries: summary.guard.recoveries,
    recoverOf: scenario.recoverOf ?? null,
    probes: log.flatMap((r) =>
      r.health === undefined
        ? []
        : [
            {
              step: r.step,
              lossOverMargin: r.loss / config.margin,
              activeFraction: r.activeFraction,
              updateRatio: r.updateRatio,
              meanNormalizedDistance: r.health.meanNormalizedDistance,
              meanNormalizedDistanceRatio: r.health.meanNormalizedDistanceRatio,
              meanDistanceRatio: r.health.meanDistanceRatio,
              normalizedStdSqrtDim: r.health.normalizedStdSqrtDim,
              normMean: r.health.normMean,
              effectiveRank: r.health.effectiveRank,
              firstComponentShare: r.health.firstComponentShare,
              violationFraction: r.health.violationFraction,
            },
          ],
    ),
    truth,
  };
}

function fmt(x: number, d = 3): string {
  return Number.isFinite(x) ? x.toFixed(d) : '-';
}

async function main(): Promise<void> {
  const backend = option('backend', 'wasm');
  const only = option('only', '');
  const seed = Number(option('seed', '0'));
  const outPath = option('out', join('bench', 'out', `scenarios-seed${seed}.json`));
  const chosen =
    only === '' ? SCENARIOS : SCENARIOS.filter((s) => only.split(',').includes(s.name) || s.name === 'healthy');
  const outcomes: Array<Awaited<ReturnType<typeof runScenario>>> = [];
  let baseline: { precisionAt1: number; truth: TruthPoint[] } | null = null;
  for (const scenario of chosen) {
    const outcome = await runScenario(scenario, backend, seed, baseline);
    if (scenario.name === 'healthy') baseline = outcome;
    outcomes.push(outcome);
    const a = outcome.alarms[0];
    process.stderr.write(
      `${scenario.name}: p@1 ${fmt(outcome.precisionAt1)} spread ${fmt(outcome.testSpread)} rank ${fmt(outcome.testRank, 1)} truth ${outcome.truthFailed ? 'failed' : 'healthy'}` +
        ` | final ${outcome.finalVerdict} [${outcome.finalCauses.map((c) => `${c.id}:${c.confidence}`).join(' ')}]` +
        ` | first alarm ${a ? `step ${a.step} ${a.verdict} (${a.cause}) ${a.action}` : 'none'} | ${outcome.seconds.toFixed(0)} s, tensors ${tf.memory().numTensors}\n`,
    );
  }
  const base = baseline?.precisionAt1 ?? NaN;
  const rows = outcomes.map((o) => {
    const a = o.alarms[0];
    const detected = o.finalVerdict !== 'healthy' || o.alarms.length > 0;
    const falseAlarm = !o.truthFailed && o.recoverOf === null && detected;
    return [
      o.name,
      fmt(o.precisionAt1),
      fmt(o.testSpread),
      fmt(o.testRank, 1),
      o.truthFailed ? 'failed' : 'healthy',
      o.finalVerdict,
      o.finalCauses
        .filter((c) => c.confidence >= 0.5)
        .map((c) => c.id)
        .join(', ') || '-',
      a ? `${a.step} (${a.verdict})` : '-',
      o.truthFailed && a && o.onset !== null ? String(a.step - o.onset) : '-',
      o.expectedCause === null ? '-' : o.causeFirst ? 'yes' : o.causeNamed ? 'named' : 'NO',
      o.recoverOf === null
        ? falseAlarm
          ? 'FALSE ALARM'
          : ''
        : `${o.recoveries} recoveries, ${fmt(o.precisionAt1 - base)} vs healthy`,
    ];
  });
  const header = [
    'scenario',
    'p@1',
    'spread',
    'rank',
    'truth',
    'final verdict',
    'causes (>= 0.5)',
    'first alarm',
    'delay',
    'cause ok',
    'note',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(
    `\n${line(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${rows.map(line).join('\n')}\n`,
  );
  const failedRuns = outcomes.filter((o) => o.truthFailed && o.recoverOf === null);
  const healthyRuns = outcomes.filter((o) => !o.truthFailed && o.recoverOf === null);
  const caught = failedRuns.filter((o) => o.alarms.length > 0 || o.finalVerdict !== 'healthy');
  const falseAlarms = healthyRuns.filter((o) => o.alarms.length > 0 || o.finalVerdict !== 'healthy');
  const recovered = outcomes.filter((o) => o.recoverOf !== null && !o.truthFailed);
  process.stdout.write(
    `\nseed ${seed}; healthy baseline precision@1 ${fmt(base)} (raw input ${fmt(outcomes[0]?.rawPrecisionAt1 ?? NaN)}); truth: failed = p@1 < baseline - ${TRUTH_P1_DROP} or spread < ${TRUTH_MIN_SPREAD}\n` +
      `failing runs caught: ${caught.length} of ${failedRuns.length}; false alarms on healthy runs: ${falseAlarms.length} of ${healthyRuns.length}; ` +
      `recover runs healthy at the end: ${recovered.length} of ${outcomes.filter((o) => o.recoverOf !== null).length}\n`,
  );
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify({ backend, seed, baseline: base, outcomes }, null, 2)}\n`);
  process.stdout.write(`details: ${outPath}\n`);
}

await main();
