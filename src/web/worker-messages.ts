import type { DiagnoseFlags } from '../cli/diagnose-command.js';
import type { StepRecord } from '../training/index.js';

/** A file the user gave the page, by the path it is mounted at in the worker's file system. */
export interface GivenFile {
  path: string;
  bytes: ArrayBuffer;
}

/** The page asks the diagnose worker to diagnose `input` among `files`, as `deepmetric diagnose INPUT [flags] --json` would. */
export interface DiagnoseRequest {
  files: GivenFile[];
  input: string;
  flags: Omit<DiagnoseFlags, 'backend' | 'json'>;
}

/** What the diagnose worker answers: the same JSON as the CLI, the text, and the report's sections. */
export type DiagnoseReply =
  | {
      ok: true;
      /** Byte for byte what `deepmetric diagnose --json` prints. */
      json: string;
      /** What `deepmetric diagnose` prints without --json. */
      text: string;
      verdict: string;
      /** The report's verdict, distances and map sections (HTML with inline SVG). */
      sections: Record<'verdict' | 'distances' | 'map', string>;
      /** The whole report, as a self-contained HTML document to download. */
      reportHtml: string;
    }
  | { ok: false; message: string };

/** The page asks the train worker to train on the bundled sample. */
export interface TrainRequest {
  steps: number;
  miner: string;
  guard: string;
  seed: number;
}

/** What the train worker reports as it trains, then at the end. */
export type TrainReply =
  | { kind: 'step'; record: StepRecord; imagesPerSecond: number; charts: { training: string; health: string } | null }
  | {
      kind: 'done';
      summaryJson: string;
      /** The run's log.jsonl: one record per logged step. */
      logJsonl: string;
      verdict: string;
      /** The trained model in tfjs layers format: model.json and its weights, by file name. */
      model: Record<string, ArrayBuffer>;
      reportHtml: string;
    }
  | { kind: 'error'; message: string };
