import { Option } from 'commander';
import { BACKENDS } from '../backend/index.js';

/**
 * `--backend <name>`, one of BACKENDS. `train` passes no default: its default comes from the run
 * config, so that `--resume` and a config file can set it.
 */
export function backendOption(defaultChoice: 'auto' | null = 'auto'): Option {
  const option = new Option('--backend <name>', 'tfjs backend').choices(BACKENDS);
  return defaultChoice === null ? option : option.default(defaultChoice);
}
