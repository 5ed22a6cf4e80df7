/**
 * The deepmetric command line. The only module that reads process.argv, listens for signals or
 * sets the exit status: every command is a function in its own file that takes parsed options and
 * returns a result.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import type { CommandContext } from './command-context.js';
import { exitCodeFor } from './exit-code.js';
import { formatTrainSummary } from './format-summary.js';
import { trainCommand, trainCommandSpec } from './train-command.js';
import { embedCommand, embedCommandSpec } from './embed-command.js';
import { mineCommand, mineCommandSpec } from './mine-command.js';
import { evalCommand, evalCommandSpec, formatEvalResult } from './eval-command.js';
import { reportCommand, reportCommandSpec } from './report-command.js';
import { writeReport } from '../report/index.js';
import { diagnoseCommand, diagnoseJson, formatDiagnoseResult } from './diagnose-command.js';
import { diagnoseCommandSpec } from './diagnose-command-spec.js';
import { indexCommand, indexCommandSpec } from './index-command.js';
import { formatQueryResult, queryCommand, queryCommandSpec } from './query-command.js';
import { webCommand, webCommandSpec } from './web-command.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Exit status of a run stopped by Ctrl-C (128 + SIGINT), after its checkpoint was saved. */
const INTERRUPTED = 130;

async function main(argv: string[]): Promise<void> {
  const abort = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: finishing the step and saving a checkpoint (Ctrl-C again to quit now)\n');
    abort.abort();
    process.once('SIGINT', () => process.exit(INTERRUPTED));
  });
  const context: CommandContext = {
    signal: abort.signal,
    progress: process.stderr,
    out: (text) => process.stdout.write(text),
  };
  const program = new Command('deepmetric')
    .description('Deep metric learning on TensorFlow.js, with embedding-collapse diagnosis.')
    .version(version)
    .showHelpAfterError();
  program.addCommand(
    trainCommandSpec(async (flags) => {
      const summary = await trainCommand(flags, context);
      context.out(formatTrainSummary(summary));
      // The collapse guard's stop is a failed run (1) whose report shows why; an interrupted run
      // (130) is resumed, and reported when it ends.
      if (summary.stopped?.kind === 'interrupted') process.exitCode = INTERRUPTED;
      else context.out(`report: ${await writeReport(summary.runDir)}\n`);
      if (summary.stopped?.kind === 'collapse') process.exitCode = 1;
    }),
  );
  program.addCommand(
    embedCommandSpec(async (flags) => {
      const result = await embedCommand(flags);
      context.out(
        `wrote ${result.rows} x ${result.dim} embeddings to ${result.embeddingsPath} and labels to ${result.labelsPath}\n`,
      );
    }),
  );
  program.addCommand(
    mineCommandSpec(async (embeddings, flags) => {
      const result = await mineCommand(embeddings, flags);
      context.out(`wrote ${result.triplets} triplets (of ${result.anchors} anchors) to ${result.path}\n`);
    }),
  );
  program.addCommand(
    evalCommandSpec(async (flags) => {
      const result = await evalCommand(flags);
      context.out(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatEvalResult(result));
    }),
  );
  program.addCommand(
    reportCommandSpec(async (runDir, flags) => {
      context.out(`${await reportCommand(runDir, flags)}\n`);
    }),
  );
  program.addCommand(
    diagnoseCommandSpec(async (input, flags) => {
      const result = await diagnoseCommand(input, flags);
      context.out(flags.json ? diagnoseJson(result) : formatDiagnoseResult(result));
      process.exitCode = result.exitCode;
    }),
  );
  program.addCommand(
    webCommandSpec(async (flags) => {
      const server = await webCommand(flags);
      context.out(`deepmetric web: open ${server.url} (Ctrl-C to stop)\n`);
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
      await server.close();
    }),
  );
  program.addCommand(
    indexCommandSpec(async (input, flags) => {
      const { dir, manifest } = await indexCommand(input, flags);
      context.out(
        `wrote a ${manifest.library.name} ${manifest.library.version} index of ${manifest.count} x ${manifest.dim} (${manifest.distance.description}, metric ${manifest.metric}) to ${dir}\n`,
      );
    }),
  );
  program.addCommand(
    queryCommandSpec(async (dir, flags) => {
      const result = await queryCommand(dir, flags);
      context.out(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatQueryResult(result));
    }),
  );
  // Commander exits on its own by default; route its usage errors to exit status 2 like ours, and
  // show the command's help after them (a subcommand does not inherit that from the program).
  for (const command of [program, ...program.commands]) command.exitOverride().showHelpAfterError();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`deepmetric: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitCodeFor(error);
  }
}

await main(process.argv);
