import type { EmbeddingSnapshot, ScalarSeries, TrainingLog } from '../data/training-log.js';
import { invalidArgument } from '../errors.js';
import { embeddingHealth } from './embedding-health.js';
import type { HealthMetrics } from './health-metrics.js';
import type { TrainingStep } from './health-report.js';
import { healthSnapshot, type HealthSnapshot } from './health-snapshot.js';
import type { Recorded } from './history-features.js';

/**
 * The names people give the training loss, the learning rate and the mined count, in the order
 * they are tried: torch's SummaryWriter tutorials, Lightning's `self.log` (with `_step` when logged
 * on step and epoch) and its `LearningRateMonitor` (`lr-<Optimizer>`), Keras/TF, PML's examples.
 * A tag also matches when it ends with `/<name>` (`train/loss`), unless it is a validation or test series.
 */
export const LOSS_TAGS = [
  'train/loss',
  'train_loss_step',
  'train_loss',
  'loss/train',
  'Loss/train',
  'train/loss_step',
  'training_loss',
  'loss',
  'epoch_loss',
];
export const LR_TAGS = ['lr', 'learning_rate', 'train/lr', 'lr/train', 'learning-rate', 'LearningRate', 'lr-*'];
export const MINED_TAGS = [
  'mined_triplets',
  'train/mined_triplets',
  'num_triplets',
  'mined',
  'train/mined',
  'triplets',
  'mined_pairs',
  'num_pairs',
];

/** Which series to read, when the names are not the usual ones. */
export interface LogTagOptions {
  lossTag?: string | null;
  lrTag?: string | null;
  minedTag?: string | null;
}

/** A training log as the detector's input: step records with the probes' health, and what was read. */
export interface LogHistory {
  history: TrainingStep[];
  /** The last snapshot's health: the embeddings the verdict is about. */
  health: HealthSnapshot;
  /** The tags read (null: no such series). */
  tags: { loss: string | null; lr: string | null; mined: string | null };
  /** The steps of the embedding snapshots. */
  probeSteps: number[];
  /** What the log records of each step: a loss when a loss series was found, never a gradient norm. */
  recorded: Recorded;
}

/**
 * The step records of a training log from any framework (`readTrainingLog`): the loss, lr and mined
 * count by their usual names (LOSS_TAGS, LR_TAGS, MINED_TAGS) or the given tags, and the health of
 * every embedding snapshot, its ratios taken against the first snapshot (the start) when it holds
 * the same rows. Records are the loss's steps; a snapshot between them gets a record at its own
 * step carrying the last loss logged before it. What the log does not record (gradient norm,
 * update ratio, active fraction, mined distances) is NaN.
 *
 * @example
 * const { history, health, recorded } = logHistory(await readTrainingLog('lightning_logs'));
 * dm.diagnose({ health, history, recorded, remedyTerms: 'pytorch' });
 */
export function logHistory(log: TrainingLog, tags: LogTagOptions = {}): LogHistory {
  if (log.embeddings.length === 0) {
    throw invalidArgument(
      `${log.source} (run ${log.run}) holds no embeddings: the verdict needs them at one step at least (torch's SummaryWriter.add_embedding, or step-<n>.npy snapshots).`,
    );
  }
  const loss = findSeries(log, LOSS_TAGS, tags.lossTag, '--loss-tag');
  const lr = findSeries(log, LR_TAGS, tags.lrTag, '--lr-tag');
  const mined = findSeries(log, MINED_TAGS, tags.minedTag, '--mined-tag');
  const probes = snapshotsHealth(log.embeddings);
  const probeAt = new Map(probes.map((p) => [p.step, p.health]));
  const steps = new Set<number>(loss?.points.map((p) => p.step) ?? []);
  for (const p of probes) steps.add(p.step);
  // The records' steps increase, so each series is read in one pass (a log may hold 10^5 points).
  const lossAt = seriesReader(loss, 'before');
  const lrAt = seriesReader(lr, 'before');
  const minedAt = seriesReader(mined, 'exact');
  const history = [...steps]
    .sort((a, b) => a - b)
    .map((step): TrainingStep => {
      const health = probeAt.get(step);
      return {
        step,
        loss: lossAt(step),
        lr: lrAt(step),
        numTriplets: minedAt(step),
        activeFraction: NaN,
        meanAP: NaN,
        meanAN: NaN,
        gradNorm: NaN,
        updateRatio: NaN,
        ...(health === undefined ? {} : { health }),
      };
    });
  return {
    history,
    health: probes[probes.length - 1].health,
    tags: { loss: loss?.tag ?? null, lr: lr?.tag ?? null, mined: mined?.tag ?? null },
    probeSteps: probes.map((p) => p.step),
    recorded: { loss: loss !== null, gradNorm: false },
  };
}

/** The series `explicit` names, else the first of `names` the log has; null when none. */
function findSeries(
  log: TrainingLog,
  names: readonly string[],
  explicit: string | null | undefined,
  flag: string,
): ScalarSeries | null {
  const available = () => log.scalars.map((s) => s.tag).join(', ') || 'none';
  if (explicit !== undefined && explicit !== null) {
    const series = log.scalars.find((s) => s.tag === explicit);
    if (series === undefined) {
      throw invalidArgument(
        `${flag} ${explicit}: ${log.source} (run ${log.run}) has no such scalar; it has: ${available()}`,
      );
    }
    return series;
  }
  const held = (tag: string) => /^(val|valid|validation|test|eval)([/_-]|$)/i.test(tag);
  for (const name of names) {
    const wild = name.endsWith('*') ? name.slice(0, -1) : null;
    const exact = log.scalars.find((s) =>
      wild === null ? s.tag.toLowerCase() === name.toLowerCase() : s.tag.startsWith(wild),
    );
    if (exact !== undefined) return exact;
  }
  for (const name of names) {
    if (name.endsWith('*')) continue;
    const suffix = log.scalars.find((s) => !held(s.tag) && s.tag.toLowerCase().endsWith(`/${name.toLowerCase()}`));
    if (suffix !== undefined) return suffix;
  }
  return null;
}

/**
 * Reads `series` at increasing steps in one pass: its value at the step ('exact'; NaN where it has
 * no point), or the last one logged at or before it ('before'; before its first point, the first).
 */
function seriesReader(series: ScalarSeries | null, how: 'exact' | 'before'): (step: number) => number {
  const points = series?.points ?? [];
  let next = 0; // the first point after the steps read so far
  return (step) => {
    while (next < points.length && points[next].step <= step) next++;
    const last = next > 0 ? points[next - 1] : undefined;
    if (how === 'exact') return last !== undefined && last.step === step ? last.value : NaN;
    return last?.value ?? points[0]?.value ?? NaN;
  };
}

/** The health of every snapshot, with the first (the start) as the reference when it embeds the same rows. */
function snapshotsHealth(snapshots: readonly EmbeddingSnapshot[]): Array<{ step: number; health: HealthSnapshot }> {
  const first = snapshots[0];
  let start: HealthMetrics | null = null;
  return snapshots.map((s) => {
    const sameRows = s.matrix.rows === first.matrix.rows && sameLabels(s.labels, first.labels);
    const metrics = embeddingHealth(s.matrix, s.labels, sameRows && start !== null ? { reference: start } : {});
    if (s === first) start = metrics;
    return { step: s.step, health: healthSnapshot(metrics, s.labels, sameRows ? start : null) };
  });
}

function sameLabels(a: Int32Array | null, b: Int32Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
