import { nodeModule } from '../io/node-module.js';
import { invalidInput } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';
import type { StepRecord } from '../training/step-record.js';

/**
 * `log.jsonl`: one JSON record per logged step, appended as training goes. A resumed run first
 * cuts the log back to the steps before its checkpoint, so the log of a resumed run reads like the
 * log of a run that was never interrupted.
 */
export class RunLog {
  constructor(readonly path: string) {}

  /** Starts an empty log (a new run). */
  async reset(): Promise<void> {
    await writeFileAtomic(this.path, '');
  }

  /** Keeps only the records of steps before `step`. */
  async truncateTo(step: number): Promise<void> {
    const kept = (await readRunLog(this.path)).filter((r) => r.step < step);
    await writeFileAtomic(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  /** One line per record, in a single write so a crash never splits a line from its newline. */
  async append(record: StepRecord): Promise<void> {
    await nodeModule('node:fs/promises').appendFile(this.path, `${JSON.stringify(record)}\n`);
  }
}

/** Reads every record of a `log.jsonl`; a line that is not a JSON record is an error naming its number. */
export async function readRunLog(path: string): Promise<StepRecord[]> {
  let text: string;
  const { readFile } = nodeModule('node:fs/promises');
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw invalidInput(path, 'cannot read the run log (expected a log.jsonl written by `deepmetric train`)', cause);
  }
  const records: StepRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      // A last line without its newline is a write cut short by a crash: the run resumes before it.
      if (i === lines.length - 1) return;
      throw invalidInput(path, `line ${i + 1} is not valid JSON`, cause);
    }
    if (typeof value !== 'object' || value === null || typeof (value as StepRecord).step !== 'number') {
      throw invalidInput(path, `line ${i + 1} is not a step record (expected an object with a numeric "step")`);
    }
    records.push(value as StepRecord);
  });
  return records;
}
