import cliProgress from 'cli-progress';
import type { Callback } from './callback.js';
import type { StepRecord } from './step-record.js';

interface ProgressView {
  readonly totalSteps: number;
  readonly batchSize: number;
  readonly startStep: number;
  /** Seconds of training so far, the time before a resume included. */
  readonly seconds: number;
}

/**
 * Shows training progress: a live bar with loss, lr and throughput on a terminal, and plain
 * periodic lines otherwise (CI logs and pipes get readable text, not escape codes).
 */
export class ProgressCallback<T extends ProgressView> implements Callback<T> {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  private secondsAtStart = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly lineEverySeconds = 10,
  ) {}

  onTrainBegin(trainer: T): void {
    // A resumed run's seconds include the time before its checkpoint; its throughput must not.
    this.secondsAtStart = trainer.seconds;
    if (!this.stream.isTTY) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format: 'train |{bar}| {value}/{total} steps | loss {loss} | lr {lr} | {speed} img/s | eta {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(trainer.totalSteps, trainer.startStep, { loss: '-', lr: '-', speed: '-' });
  }

  onStepEnd(trainer: T, record: StepRecord): void {
    const doneSteps = record.step + 1 - trainer.startStep;
    const elapsed = record.seconds - this.secondsAtStart;
    const speed = elapsed > 0 ? ((doneSteps * trainer.batchSize) / elapsed).toFixed(0) : '-';
    const fields = { loss: record.loss.toFixed(4), lr: record.lr.toExponential(2), speed };
    if (this.bar) {
      this.bar.update(record.step + 1, fields);
      return;
    }
    const last = record.step + 1 === trainer.totalSteps;
    if (record.seconds - this.lastLine >= this.lineEverySeconds || last) {
      this.lastLine = record.seconds;
      this.stream.write(
        `step ${record.step + 1}/${trainer.totalSteps} epoch ${record.epoch} loss ${fields.loss} lr ${fields.lr} ${speed} img/s ${record.seconds.toFixed(0)}s\n`,
      );
    }
  }

  onTrainEnd(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
