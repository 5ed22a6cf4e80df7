/**
 * Scores `deepmetric diagnose` on the zoo (bench/zoo/README.md): for each run directory of
 * `make_zoo.py`, the verdict of `diagnoseCommand` on its embeddings.npy with labels.npy (`raw` for
 * the runs compared by raw Euclidean distance), beside the measured truth of truth.json. Prints a
 * markdown table and its summary, and writes them to bench/zoo/results.md.
 *
 * `npx tsx bench/zoo/score-zoo.ts [runs dir] [--out results.md]`
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { diagnoseCommand } from '../../src/cli/diagnose-command.js';
import type { HealthReport } from '../../src/health/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The backend diagnose measures with (the CLI's default picks wasm too). */
const BACKEND = 'wasm';

interface Retrieval {
  precision_at_1: number;
  map_at_r: number;
}

interface Truth {
  name: string;
  truth: 'healthy' | 'collapsed' | 'degraded';
  truth_lenient?: 'healthy' | 'collapsed' | 'degraded';
  truth_reason: string;
  data: string;
  held_out: boolean;
  classes: number;
  rows: number;
  dim: number;
  loss: string;
  margin?: number;
  miner: string | null;
  normalized: boolean;
  lr: number;
  steps: number;
  measurements: {
    embeddings?: Retrieval;
    raw_input: Retrieval;
    untrained: Retrieval;
    spread?: number;
    effective_rank?: number;
    chance_precision_at_1: number;
  };
}

interface Scored {
  dir: string;
  truth: Truth;
  verdict: string;
  /** The verdict from the run's TensorBoard log (tb/), with its onset step. */
  tbVerdict: string | null;
  report: HealthReport;
}

/**
 * The verdict `deepmetric diagnose LOGDIR` reads from a run's TensorBoard log (`runs/<name>/tb/`:
 * the loss, lr and mined scalars and the probe's embeddings at 5 steps), with the triplet loss's
 * margin when the run has one, and its onset; null without a log.
 */
async function tbVerdict(tbDir: string, truth: Truth): Promise<string | null> {
  if (!existsSync(tbDir)) return null;
  const { report } = await diagnoseCommand(tbDir, {
    backend: BACKEND,
    ...(truth.normalized ? {} : { raw: true }),
    ...(truth.loss === 'triplet' && truth.margin !== undefined ? { margin: truth.margin } : {}),
  });
  return report.onsetStep === null ? report.verdict : `${report.verdict} (from ${report.onsetStep})`;
}

/** The file's verdict and the log's (when there is one) both agree with the truth. */
function agreesBoth(s: Scored): boolean {
  return agrees(s.truth.truth, s.verdict) && (s.tbVerdict === null || agrees(s.truth.truth, s.tbVerdict.split(' ')[0]));
}

/** healthy <-> healthy, collapsed <-> collapsed, degraded <-> any verdict but healthy. */
export function agrees(truth: string, verdict: string): boolean {
  if (truth === 'healthy') return verdict === 'healthy';
  if (truth === 'collapsed') return verdict === 'collapsed';
  return verdict !== 'healthy';
}

const f3 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));
const f1 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(1));

function row(s: Scored): string {
  const t = s.truth;
  const m = t.measurements;
  const e = m.embeddings;
  return (
    '| ' +
    [
      s.dir,
      String(t.classes),
      String(t.dim),
      t.loss + (t.miner ? `/${t.miner}` : ''),
      t.held_out ? 'yes' : 'no',
      `${f3(e?.precision_at_1)} / ${f3(m.raw_input.precision_at_1)} / ${f3(m.untrained.precision_at_1)}`,
      `${f3(e?.map_at_r)} / ${f3(m.raw_input.map_at_r)} / ${f3(m.untrained.map_at_r)}`,
      f3(m.spread),
      f1(m.effective_rank),
      t.truth,
      s.verdict,
      s.tbVerdict ?? '–',
      agreesBoth(s) ? 'yes' : '**no**',
    ].join(' | ') +
    ' |'
  );
}

function summary(
  scored: Scored[],
  pick: (s: Scored) => string,
  verdictOf: (s: Scored) => string | null = (s) => s.verdict,
): string {
  const judged = scored.filter((s) => verdictOf(s) !== null);
  const of = (truth: string) => judged.filter((s) => pick(s) === truth);
  const verdict = (s: Scored) => (verdictOf(s) ?? '').split(' ')[0];
  const healthy = of('healthy');
  const collapsed = of('collapsed');
  const degraded = of('degraded');
  const agree = judged.filter((s) => agrees(pick(s), verdict(s))).length;
  return (
    `healthy runs called unhealthy: ${healthy.filter((s) => verdict(s) !== 'healthy').length}/${healthy.length}; ` +
    `collapsed runs not called collapsed: ${collapsed.filter((s) => verdict(s) !== 'collapsed').length}/${collapsed.length}; ` +
    `degraded runs called healthy: ${degraded.filter((s) => verdict(s) === 'healthy').length}/${degraded.length}; ` +
    `agreement ${agree}/${judged.length}`
  );
}

function disagreement(s: Scored): string {
  const t = s.truth;
  const m = t.measurements;
  const r = s.report;
  const findings = r.findings.map((f) => `${f.metric} ${f.value.toPrecision(3)} ${f.comparison} ${f.limit}`);
  const causes = r.causes.map((c) => `${c.id} (${c.confidence})`);
  return [
    `- **${s.dir}**: truth ${t.truth}, verdict ${s.verdict} (tb/: ${s.tbVerdict ?? '–'}). ${t.classes} classes, ${t.rows} rows, dim ${t.dim}, ` +
      `effective rank ${f1(m.effective_rank)}, spread ${f3(m.spread)}, P@1 ${f3(m.embeddings?.precision_at_1)} ` +
      `(raw ${f3(m.raw_input.precision_at_1)}, untrained ${f3(m.untrained.precision_at_1)}, chance ${f3(m.chance_precision_at_1)}), ` +
      `MAP@R ${f3(m.embeddings?.map_at_r)} (raw ${f3(m.raw_input.map_at_r)}, untrained ${f3(m.untrained.map_at_r)}).`,
    `  - truth: ${t.truth_reason}`,
    `  - detector findings: ${findings.length ? findings.join('; ') : 'none'}; causes: ${causes.length ? causes.join(', ') : 'none'}`,
  ].join('\n');
}

/** The commit the detector was scored at, and the files of src/ changed from it in the work tree. */
function detectorSource(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: HERE, encoding: 'utf8' });
    const head = git('rev-parse', '--short', 'HEAD').trim();
    const dirty = git('status', '--porcelain', '--', '../../src')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return `Detector: src/ at ${head}${dirty.length ? ` with ${dirty.length} uncommitted change(s) in src/ (${dirty.join(', ')})` : ' (clean)'}.`;
  } catch {
    return 'Detector: src/ (no git).';
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const outFile = outAt >= 0 ? args[outAt + 1] : join(HERE, 'results.md');
  const positional = args.filter((_, i) => i !== outAt && i !== outAt + 1);
  const runsDir = positional[0] ?? join(HERE, 'runs');
  const dirs = readdirSync(runsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(runsDir, d.name, 'truth.json')))
    .map((d) => d.name)
    .sort();
  if (dirs.length === 0) throw new Error(`no run with a truth.json in ${runsDir} (run bench/zoo/make_zoo.py)`);

  const scored: Scored[] = [];
  for (const dir of dirs) {
    const run = join(runsDir, dir);
    const truth = JSON.parse(readFileSync(join(run, 'truth.json'), 'utf8')) as Truth;
    const { report } = await diagnoseCommand(join(run, 'embeddings.npy'), {
      labels: join(run, 'labels.npy'),
      backend: BACKEND,
      ...(truth.normalized ? {} : { raw: true }),
    });
    scored.push({ dir, truth, verdict: report.verdict, tbVerdict: await tbVerdict(join(run, 'tb'), truth), report });
    process.stderr.write(`${dir}: truth ${truth.truth}, verdict ${report.verdict}\n`);
  }

  const zooFile = join(runsDir, 'zoo.json');
  const zoo = existsSync(zooFile)
    ? (JSON.parse(readFileSync(zooFile, 'utf8')) as {
        seed: number;
        seconds: number;
        versions: Record<string, unknown>;
      })
    : null;
  const lines = [
    '# deepmetric diagnose on the zoo',
    '',
    zoo === null
      ? `Runs of ${relative(process.cwd(), runsDir) || runsDir} (no zoo.json: a partial zoo).`
      : `Zoo seed ${zoo.seed}: ${dirs.length} runs, generated in ${Math.round(zoo.seconds)} s with torch ${String(zoo.versions.torch)} and pytorch-metric-learning ${String(zoo.versions.pytorch_metric_learning)} (commit ${String(zoo.versions.pytorch_metric_learning_commit)}).`,
    '',
    detectorSource(),
    '',
    'Verdict: `diagnoseCommand(embeddings.npy, { labels: labels.npy })`, with `raw: true` for the runs compared by raw Euclidean distance; ' +
      '"verdict (tb/)": `diagnoseCommand(tb/)` on the run\'s TensorBoard log (the triplet runs with `margin`), with the onset step. ' +
      'P@1 and MAP@R: embeddings / raw input / untrained network of the same architecture and seed; spread: mean pairwise distance of the L2-normalized embeddings (max 2); rank: effective rank. ' +
      'Truth from these measurements only (bench/zoo/README.md). Agree (both verdicts): healthy↔healthy, collapsed↔collapsed, degraded↔any verdict but healthy.',
    '',
    '| run | classes | dim | loss | held-out | P@1 (emb / raw / untrained) | MAP@R (emb / raw / untrained) | spread | rank | truth | verdict | verdict (tb/) | agree |',
    '| --- | ---: | ---: | --- | --- | --- | --- | ---: | ---: | --- | --- | --- | --- |',
    ...scored.map(row),
    '',
    `**Summary** (${scored.length} runs: ${['healthy', 'degraded', 'collapsed'].map((k) => `${scored.filter((s) => s.truth.truth === k).length} ${k}`).join(', ')}): ${summary(scored, (s) => s.truth.truth)}.`,
    '',
    `With the lenient truth (healthy when MAP@R is clearly better and P@1 not clearly worse): ${summary(scored, (s) => s.truth.truth_lenient ?? s.truth.truth)}.`,
    '',
    `From the TensorBoard logs (tb/): ${summary(
      scored,
      (s) => s.truth.truth,
      (s) => s.tbVerdict,
    )}.`,
    '',
    '## Disagreements',
    '',
    ...(scored.some((s) => !agreesBoth(s)) ? scored.filter((s) => !agreesBoth(s)).map(disagreement) : ['None.']),
    '',
  ];
  // formatted as the repo's `prettier --check .` wants it (the table padded)
  const text = await format(lines.join('\n'), { ...(await resolveConfig(outFile)), filepath: outFile });
  process.stdout.write(text);
  writeFileSync(outFile, text);
}

await main();
