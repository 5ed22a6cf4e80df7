import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { buildReport, healthSection, reportHtml, trainingSection } from '../report/index.js';
import { resolveConfig, runPaths, runTraining, type TrainConfig } from '../run/index.js';
import type { MinerName } from '../miners/index.js';
import type { GuardMode, StepRecord } from '../training/index.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { mountServedFiles } from './mount-served-files.js';
import { provideBrowserModules } from './provide-browser-modules.js';
import type { TrainReply, TrainRequest } from './worker-messages.js';

/**
 * The page's training, in a Web Worker: `deepmetric train` on the bundled Fashion-MNIST sample
 * (`runTraining`, on the wasm backend with deepmetric's kernels, one thread), its run directory in
 * memory. Every step is reported, with the report's training and health charts redrawn every
 * second or so; at the end the summary, the report and the model in tfjs layers format.
 */
const scope = self as unknown as {
  location: Location;
  onmessage: ((event: MessageEvent<TrainRequest | 'stop'>) => void) | null;
  postMessage(message: TrainReply): void;
};
const RUN_DIR = '/runs/page';
/** Milliseconds between two redraws of the live charts. */
const REDRAW_MS = 1000;
const base = new URL('./', scope.location.href);
const files = new MemoryFileSystem();
provideBrowserModules(files);
setWasmPaths(base.href);
const served = mountServedFiles(files, base, (path) => path.startsWith('build/') || path.startsWith('data/'));
let abort: AbortController | null = null;

scope.onmessage = (event) => {
  if (event.data === 'stop') {
    abort?.abort();
    return;
  }
  train(event.data).catch((error: unknown) =>
    scope.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
};

async function train(request: TrainRequest): Promise<void> {
  await served;
  await files.promises.rm(RUN_DIR, { recursive: true, force: true });
  const config = resolveConfig(
    {},
    {
      steps: request.steps,
      miner: request.miner as MinerName,
      guard: request.guard as GuardMode,
      seed: request.seed,
      out: RUN_DIR,
      backend: 'wasm',
      workers: 1,
    },
    'the page',
  );
  abort = new AbortController();
  const logged: StepRecord[] = [];
  let drawn = 0;
  const summary = await runTraining(config, {
    progress: null,
    signal: abort.signal,
    callbacks: [
      {
        onStepEnd: async (trainer, record) => {
          if (record.step % config.logEvery === 0 || record.health !== undefined) logged.push(record);
          const now = Date.now();
          const redraw = now - drawn >= REDRAW_MS || record.step === trainer.totalSteps;
          if (redraw) {
            drawn = now;
            // Lets the worker take the page's 'stop' between steps: awaiting promises alone never does.
            await new Promise((resolve) => setTimeout(resolve, 0));
          }
          const imagesPerSecond =
            (record.step - trainer.startStep) * (trainer.batchSize / Math.max(trainer.seconds, 1e-9));
          scope.postMessage({
            kind: 'step',
            record,
            imagesPerSecond,
            charts: redraw ? await liveCharts(config, logged) : null,
          });
        },
      },
    ],
  });
  const paths = runPaths(RUN_DIR);
  const model: Record<string, ArrayBuffer> = {};
  for (const path of files.list(paths.model)) {
    const bytes = files.sync.readFileSync(path) as Uint8Array;
    model[path.slice(paths.model.length + 1)] = bytes.slice().buffer;
  }
  scope.postMessage({
    kind: 'done',
    summaryJson: `${JSON.stringify(summary, null, 2)}\n`,
    logJsonl: files.sync.readFileSync(paths.log, 'utf8'),
    verdict: summary.verdict?.verdict ?? 'stopped',
    model,
    reportHtml: reportHtml(await buildReport(RUN_DIR)),
  });
}

async function liveCharts(
  config: TrainConfig,
  log: readonly StepRecord[],
): Promise<{ training: string; health: string }> {
  const html = async (body: Promise<{ html: string } | { absent: string }>) => {
    const b = await body;
    return 'html' in b ? b.html : '';
  };
  return { training: await html(trainingSection(config, log)), health: await html(healthSection(config, log)) };
}
