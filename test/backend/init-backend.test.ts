import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { initBackend, type BackendChoice } from '../../src/backend/index.js';
import { DeepmetricError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/** tfjs-node is an optional package the user installs; the expectations below depend on it. */
const nodeInstalled = (() => {
  try {
    createRequire(join(ROOT, 'package.json')).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Runs `initBackend(choice)` in a fresh Node process (the choice of 'auto' and the greeting of the
 * cpu backend happen once per process) and returns what it printed: the name it returned, the
 * backend tfjs then has, and a sum computed on it.
 */
async function inFreshProcess(
  choice: BackendChoice,
): Promise<{ result: { name: string; backend: string; sum: number }; stdout: string; stderr: string }> {
  const script = `
    import { initBackend } from './src/backend/index.js';
    import { tf } from './src/tf.js';
    const name = await initBackend(${JSON.stringify(choice)});
    const sum = tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0];
    console.log(JSON.stringify({ name, backend: tf.getBackend(), sum }));
  `;
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return { result: JSON.parse(last), stdout, stderr };
}

describe('initBackend', () => {
  let previous: string;
  // Both fresh processes start now and run while the in-process cases do.
  const fresh = { auto: inFreshProcess('auto'), cpu: inFreshProcess('cpu') };
  before(async () => {
    previous = tf.getBackend();
  });
  after(async () => {
    await Promise.allSettled(Object.values(fresh));
    if (previous) await tf.setBackend(previous);
  });

  it("'cpu' starts the cpu backend and returns 'cpu'", async () => {
    assert.equal(await initBackend('cpu'), 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal(tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0], 5);
  });

  it('rejects an unknown choice with an invalid-argument error that names the allowed values', async () => {
    await initBackend('cpu');
    for (const bad of ['gpu', 'CPU', '', 'tensorflow']) {
      await assert.rejects(initBackend(bad as BackendChoice), (error: unknown) => {
        assert.ok(error instanceof DeepmetricError);
        assert.equal(error.code, 'invalid-argument');
        assert.equal(
          error.message,
          `Argument \`backend\` must be one of auto, wasm, cpu, node. Received: backend=${bad}`,
        );
        return true;
      });
    }
    assert.equal(tf.getBackend(), 'cpu', 'a rejected choice leaves the running backend alone');
  });

  it(
    "'node' without @tensorflow/tfjs-node says how to install it, and leaves the running backend alone",
    { skip: nodeInstalled && 'tfjs-node is installed here' },
    async () => {
      await initBackend('cpu');
      await assert.rejects(initBackend('node'), (error: unknown) => {
        assert.ok(error instanceof DeepmetricError);
        assert.equal(error.code, 'backend');
        assert.match(error.message, /needs @tensorflow\/tfjs-node, which is not installed/);
        assert.match(error.message, /npm install @tensorflow\/tfjs-node/);
        assert.ok(error.cause instanceof Error, 'the failed import is kept as the cause');
        return true;
      });
      assert.equal(tf.getBackend(), 'cpu');
    },
  );

  it("'wasm' starts wasm, and 'cpu' afterwards switches back", async () => {
    assert.equal(await initBackend('wasm'), 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0], 5);
    assert.equal(await initBackend('cpu'), 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  it("'auto' in a fresh process returns the backend it chose: wasm without tfjs-node", async () => {
    const { result } = await fresh.auto;
    const expected = nodeInstalled ? 'node' : 'wasm';
    assert.equal(result.name, expected);
    assert.equal(result.backend, expected === 'node' ? 'tensorflow' : expected);
    assert.equal(result.sum, 3);
  });

  it('sets PROD, so the cpu backend does not advise installing tfjs-node', async () => {
    const { result, stdout, stderr } = await fresh.cpu;
    assert.deepEqual(result, { name: 'cpu', backend: 'cpu', sum: 3 });
    assert.doesNotMatch(stdout + stderr, /tfjs-node|node backend/);
  });
});
