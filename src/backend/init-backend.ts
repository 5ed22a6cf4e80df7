import { tf } from '../tf.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { DeepmetricError, invalidArgument } from '../errors.js';
import { registerWasmKernels } from './register-wasm-kernels.js';

/** The `--backend` choices: `auto` takes the best one that starts. */
export const BACKENDS = ['auto', 'wasm', 'cpu', 'node'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** tfjs names the native backend 'tensorflow'. */
const TFJS_NAME: Record<BackendName, string> = { wasm: 'wasm', cpu: 'cpu', node: 'tensorflow' };

/**
 * Starts a backend and returns the one it started.
 *
 * `auto` takes `@tensorflow/tfjs-node` when the user installed it (it is never a dependency: its
 * install downloads libtensorflow), else wasm, else cpu.
 *
 * @example
 * const name = await dm.initBackend('auto'); // 'wasm' on a machine without tfjs-node
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  if (!BACKENDS.includes(choice)) {
    throw invalidArgument(
      `Argument \`backend\` must be one of ${BACKENDS.join(', ')}. Received: backend=${String(choice)}`,
    );
  }
  // The cpu backend otherwise greets every Node process with advice to install tfjs-node, even
  // when deepmetric has just chosen another backend on purpose.
  tf.env().set('PROD', true);
  if (choice !== 'auto') {
    await start(choice);
    return choice;
  }
  for (const name of ['node', 'wasm', 'cpu'] as const) {
    try {
      await start(name);
      return name;
    } catch {
      // try the next one: 'auto' is defined as the best backend that starts
    }
  }
  throw new DeepmetricError('backend', 'No tfjs backend could be started (tried node, wasm, cpu).');
}

async function start(name: BackendName): Promise<void> {
  if (name === 'node') await importNodeBackend();
  if (name === 'wasm') registerWasmKernels();
  let ok: boolean;
  try {
    ok = await tf.setBackend(TFJS_NAME[name]);
  } catch (cause) {
    throw new DeepmetricError('backend', `The ${name} backend failed to start.`, { cause });
  }
  if (!ok) throw new DeepmetricError('backend', `The ${name} backend failed to start.`);
  await tf.ready();
}

async function importNodeBackend(): Promise<void> {
  const pkg = '@tensorflow/tfjs-node';
  try {
    // A variable specifier keeps bundlers and tsc from resolving an optional package.
    await import(pkg);
  } catch (cause) {
    throw new DeepmetricError(
      'backend',
      'The node backend needs @tensorflow/tfjs-node, which is not installed. Run `npm install @tensorflow/tfjs-node` or use --backend wasm.',
      { cause },
    );
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    throw new DeepmetricError(
      'backend',
      '@tensorflow/tfjs-node is installed but registered no backend with the tfjs-core that deepmetric uses; install the tfjs-node matching @tensorflow/tfjs-core 4.22.',
    );
  }
}
