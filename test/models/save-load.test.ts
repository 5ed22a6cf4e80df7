import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../src/tf.js';
import { DeepmetricError } from '../../src/errors.js';
import { buildModel, loadModel, saveModel } from '../../src/models/index.js';
import { describeBackends } from '../helpers/tensors.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dm-models-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<{ parent: string; dir: string }> {
  const parent = await mkdtemp(join(root, `${name}-`));
  return { parent, dir: join(parent, 'model') };
}

function images(n: number): tf.Tensor {
  return tf.tensor(
    Array.from({ length: n * 28 * 28 }, (_, i) => Math.sin(i * 0.37)),
    [n, 28, 28, 1],
  );
}

async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

/** An invalid-input error whose message starts with the file it names. */
function invalidInput(file: string, detail: RegExp) {
  return (e: unknown) =>
    e instanceof DeepmetricError &&
    e.code === 'invalid-input' &&
    e.message.startsWith(`${file}: `) &&
    detail.test(e.message);
}

describeBackends(['cpu', 'wasm'], 'saveModel / loadModel', () => {
  for (const spec of ['mlp:64,32', 'convnet:8,16,32']) {
    it(`${spec}: a round trip through the folder gives identical predictions, L2Normalize included`, async () => {
      const { parent, dir } = await freshDir('round');
      const model = buildModel(spec, { inputShape: [28, 28, 1], embeddingDim: 16, normalize: true, seed: 4 });
      await saveModel(model, dir);
      assert.deepEqual(await readdir(parent), ['model'], 'no temporary files left');
      assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.bin']);
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      assert.equal(json.format, 'layers-model');
      assert.deepEqual(
        json.weightsManifest.map((g) => g.paths),
        [['weights.bin']],
      );
      assert.deepEqual(
        json.weightsManifest[0].weights.map((w) => w.name),
        model.weights.map((w) => w.originalName),
      );
      assert.equal((await stat(join(dir, 'weights.bin'))).size, 4 * model.countParams());

      const before = tf.memory().numTensors;
      const loaded = await loadModel(dir);
      assert.equal(tf.memory().numTensors - before, model.weights.length, 'only the loaded weights stay');
      assert.deepEqual(
        loaded.layers.map((l) => l.getClassName()),
        model.layers.map((l) => l.getClassName()),
      );
      assert.equal(loaded.layers.at(-1)?.getClassName(), 'L2Normalize');
      const x = images(3);
      const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
      assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      model.dispose();
      loaded.dispose();
    });
  }

  it('replaces a previous model in the folder', async () => {
    const { parent, dir } = await freshDir('replace');
    const a = buildModel('mlp:8', { inputShape: [4], embeddingDim: 3, seed: 1 });
    const b = buildModel('mlp:6,5', { inputShape: [4], embeddingDim: 2, seed: 2 });
    await saveModel(a, dir);
    await saveModel(b, dir);
    const loaded = await loadModel(dir);
    assert.deepEqual(
      loaded.getWeights().map((w) => Array.from(w.dataSync())),
      b.getWeights().map((w) => Array.from(w.dataSync())),
    );
    assert.deepEqual(await readdir(parent), ['model']);
    for (const m of [a, b, loaded]) m.dispose();
  });
});

describeBackends(['cpu'], 'saveModel / loadModel failures', () => {
  it('a failed save leaves the previous folder as it was', async () => {
    const { parent, dir } = await freshDir('failed');
    const good = buildModel('mlp:8', { inputShape: [4], embeddingDim: 3, seed: 1 });
    await saveModel(good, dir);
    const saved = await filesOf(dir);
    const broken = buildModel('mlp:8', { inputShape: [4], embeddingDim: 3, seed: 2 });
    broken.dispose(); // its weights can no longer be read
    await assert.rejects(saveModel(broken, dir));
    assert.deepEqual(await filesOf(dir), saved);
    assert.deepEqual(await readdir(parent), ['model'], 'no temporary folder left');
    const loaded = await loadModel(dir);
    assert.deepEqual(
      loaded.getWeights().map((w) => Array.from(w.dataSync())),
      good.getWeights().map((w) => Array.from(w.dataSync())),
    );
    good.dispose();
    loaded.dispose();
  });

  it('a save that fails half-way through writing leaves the previous folder as it was', async () => {
    const { parent, dir } = await freshDir('halfway');
    const good = buildModel('mlp:8', { inputShape: [4], embeddingDim: 3, seed: 1 });
    await saveModel(good, dir);
    const saved = await filesOf(dir);
    // Fail the write of weights.bin, after model.json was written: a full disk, a crash.
    const fs = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
    const original = fs.open;
    let failed = 0;
    fs.open = (async (file: Parameters<typeof original>[0], ...rest: unknown[]) => {
      const handle = await (original as (...args: unknown[]) => ReturnType<typeof original>)(file, ...rest);
      if (String(file).endsWith('weights.bin')) {
        // The file exists, then the write fails: a full disk, a crash.
        handle.writeFile = async () => {
          failed++;
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        };
      }
      return handle;
    }) as typeof original;
    syncBuiltinESMExports();
    const other = buildModel('mlp:8', { inputShape: [4], embeddingDim: 3, seed: 2 });
    try {
      await assert.rejects(saveModel(other, dir), /ENOSPC/);
    } finally {
      fs.open = original;
      syncBuiltinESMExports();
    }
    assert.equal(failed, 1, 'the write of weights.bin was attempted and failed');
    assert.deepEqual(await filesOf(dir), saved);
    assert.deepEqual(await readdir(parent), ['model'], 'no temporary folder left');
    for (const m of [good, other]) m.dispose();
  });

  it('names the file when model.json is missing, corrupt or not a model', async () => {
    const { dir } = await freshDir('json');
    const model = buildModel('mlp:8', { inputShape: [4], embeddingDim: 3, normalize: true, seed: 1 });
    const jsonPath = join(dir, 'model.json');
    await assert.rejects(
      loadModel(dir),
      invalidInput(jsonPath, /model.json not found: is `.*model` a folder written by saveModel\?/),
    );
    await saveModel(model, dir);
    const text = await readFile(jsonPath, 'utf8');
    const edit = async (content: string) => writeFile(jsonPath, content);

    await edit(text.slice(0, Math.floor(text.length / 2)));
    await assert.rejects(loadModel(dir), invalidInput(jsonPath, /is not valid JSON \(.*\): the file is corrupt/));
    await edit('[1, 2]');
    await assert.rejects(loadModel(dir), invalidInput(jsonPath, /must hold a JSON object/));
    const json = JSON.parse(text) as Record<string, unknown>;
    await edit(JSON.stringify({ ...json, modelTopology: undefined }));
    await assert.rejects(loadModel(dir), invalidInput(jsonPath, /has no `modelTopology` object/));
    await edit(JSON.stringify({ ...json, weightsManifest: undefined }));
    await assert.rejects(loadModel(dir), invalidInput(jsonPath, /has no `weightsManifest` array/));
    await edit(JSON.stringify({ ...json, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }));
    await assert.rejects(
      loadModel(dir),
      invalidInput(jsonPath, /path '..\/..\/etc\/passwd' must be a file name inside the model folder/),
    );
    await edit(
      JSON.stringify({
        ...json,
        weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'x', shape: [-1], dtype: 'float32' }] }],
      }),
    );
    await assert.rejects(
      loadModel(dir),
      invalidInput(jsonPath, /weightsManifest\[0\].weights\[0\] must be \{ name, shape: integer\[\], dtype \}/),
    );
    await edit(text.replace('"L2Normalize"', '"NoSuchLayer"'));
    await assert.rejects(
      loadModel(dir),
      invalidInput(jsonPath, /does not describe a model tfjs-layers can build: .*NoSuchLayer/),
    );
    model.dispose();
  });

  it('names the weights file when it is missing, truncated or too long', async () => {
    const { dir } = await freshDir('weights');
    const model = buildModel('mlp:8', { inputShape: [4], embeddingDim: 3, seed: 1 });
    await saveModel(model, dir);
    const weightsPath = join(dir, 'weights.bin');
    const bytes = await readFile(weightsPath);
    const size = 4 * model.countParams();
    await writeFile(weightsPath, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(
      loadModel(dir),
      invalidInput(
        weightsPath,
        new RegExp(
          `holds ${size - 4} bytes of weights, but model.json describes ${size} bytes: the weights are truncated`,
        ),
      ),
    );
    await writeFile(weightsPath, Buffer.concat([bytes, Buffer.alloc(8)]));
    await assert.rejects(loadModel(dir), invalidInput(weightsPath, /longer than described/));
    await rm(weightsPath);
    await assert.rejects(
      loadModel(dir),
      invalidInput(weightsPath, /not found, but model.json lists it in weightsManifest/),
    );
    model.dispose();
  });

  it('rejects bad arguments', async () => {
    await assert.rejects(
      saveModel({} as tfl.LayersModel, join(root, 'x')),
      /Argument `model` must be a tfjs-layers LayersModel/,
    );
    const model = buildModel('mlp:2', { inputShape: [2], embeddingDim: 2 });
    await assert.rejects(saveModel(model, ''), /Argument `dir` must be a non-empty folder path. Received: dir=/);
    await assert.rejects(
      loadModel(undefined as unknown as string),
      /Argument `dir` must be a non-empty folder path. Received: dir=undefined/,
    );
    model.dispose();
  });
});
