import { Command, Option } from 'commander';
import { initBackend, type BackendChoice } from '../backend/index.js';
import { MAP_METHODS, writeReport, type MapMethod } from '../report/index.js';
import { backendOption } from './backend-option.js';

export interface ReportFlags {
  map: MapMethod;
  backend: BackendChoice;
}

/**
 * `deepmetric report RUN_DIR`: writes RUN_DIR/report.html, one self-contained page about the run
 * (see docs/cli.md), and returns its path.
 */
export async function reportCommand(runDir: string, flags: ReportFlags): Promise<string> {
  await initBackend(flags.backend);
  return writeReport(runDir, { map: flags.map });
}

export function reportCommandSpec(run: (runDir: string, flags: ReportFlags) => Promise<void>): Command {
  return new Command('report')
    .description(
      'Write RUN_DIR/report.html: settings, curves, health, distance histograms, a 2-D map, neighbours and metrics, in one offline HTML file.',
    )
    .argument('<run-dir>', 'a run directory written by deepmetric train')
    .addOption(
      new Option('--map <method>', 'how the evaluation embeddings are mapped to 2-D')
        .choices(MAP_METHODS)
        .default('pca'),
    )
    .addOption(backendOption())
    .action(async (runDir: string, flags: ReportFlags) => run(runDir, flags));
}
