import { Command } from 'commander';
import { EMBEDDING_FORMATS } from '../data/index.js';
import { invalidArgument } from '../errors.js';
import { VERDICTS } from '../health/index.js';
import { backendOption } from './backend-option.js';
import type { DiagnoseFlags } from './diagnose-command.js';

/**
 * The `diagnose` command for commander; `run` gets the input and the parsed flags.
 *
 * @example
 * program.addCommand(diagnoseCommandSpec(async (input, flags) => print(await diagnoseCommand(input, flags))));
 */
export function diagnoseCommandSpec(run: (input: string | undefined, flags: DiagnoseFlags) => Promise<void>): Command {
  return new Command('diagnose')
    .description(
      `Diagnose embedding collapse in a run directory, an embeddings file (${EMBEDDING_FORMATS.join(', ')}), shards (a quoted glob, read in chunks) or partial results (--merge): verdict (${VERDICTS.join(', ')}), evidence, likely causes and remedies. Exit 0 healthy, 1 not, 2 bad input.`,
    )
    .argument(
      '[input]',
      `a run directory written by \`deepmetric train\`, embeddings (${EMBEDDING_FORMATS.join(', ')}), or shards as a quoted glob ('shards/part-*.npy', .parquet likewise; * and ? in the file name)`,
    )
    .option(
      '--labels <file>',
      "labels of an embeddings file: .npy of integers, or text with one label per line; of shards, a quoted glob of one integer labels file per shard ('shards/part-*.labels.npy', matched in sorted order)",
    )
    .option('--label-column <col>', 'the .csv or Parquet column holding the labels (index, or header name)')
    .option('--key <name>', 'the embeddings array of an .npz / safetensors file, or the Parquet embedding column')
    .option('--labels-key <name>', 'the labels array of an .npz / safetensors file')
    .option('--csv-header', "the .csv's first line is a header (default: when a field of it is not a number)")
    .option(
      '--reference <file>',
      'embeddings of the same rows from an earlier model (e.g. the start of training), to measure the fall',
    )
    .option(
      '--raw',
      'the embeddings are compared raw downstream (no normalization): judge their scale, not only their directions',
    )
    .option('--run <name>', 'a log directory with several runs: the one to read (its relative path, as listed)')
    .option('--embedding-tag <tag>', "a run with several projector embeddings: the one to read (add_embedding's tag)")
    .option('--loss-tag <tag>', 'the loss series of a log (default: found by its usual names: train/loss, loss, ...)')
    .option('--lr-tag <tag>', 'the learning-rate series of a log (default: lr, learning_rate, lr-Adam, ...)')
    .option('--mined-tag <tag>', 'the mined-count series of a log (default: mined_triplets, num_triplets, ...)')
    .option('--margin <m>', "a log's loss margin (default 0.05, PML's TripletMarginLoss)", parseFloat)
    .option('--json', 'print one JSON object: { verdict, onsetStep, causes, evidence, findings, limits }')
    .option(
      '--partial <file>',
      "also write this input's mergeable state (sums, label counts, pair sample) to a JSON file, for --merge",
    )
    .option(
      '--row-offset <n>',
      'with --partial: the global index of the first row (the rows of the shards before this one; default 0)',
      parseRowOffset,
    )
    .option(
      '--threads <n>',
      'threads that read and sum a streamed input (default: 2 for .npy inputs of >= 1,000,000 rows on a machine with 2 cores, else 1)',
      parseThreads,
    )
    .option(
      '--merge <partials...>',
      "diagnose the union of partial-result files (paths or quoted globs: 'parts/*.json') instead of an input",
    )
    .addOption(backendOption())
    .action(async (input: string, flags: DiagnoseFlags) => run(input, flags));
}

function parseRowOffset(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw invalidArgument(`--row-offset must be an integer >= 0. Received: ${value}`);
  }
  return n;
}

function parseThreads(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !(n >= 1))
    throw invalidArgument(`--threads must be an integer >= 1. Received: ${value}`);
  return n;
}
