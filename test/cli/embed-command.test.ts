import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { embedCommand } from '../../src/cli/embed-command.js';
import { loadData, readNpy } from '../../src/data/index.js';
import { embedDataset, loadModel } from '../../src/models/index.js';
import { runTraining } from '../../src/run/index.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';

describe('deepmetric embed', () => {
  it("writes the model's embeddings and the labels of every row as .npy, train rows then test rows", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-embed-'));
    const config = await tinyRunConfig(dir);
    await runTraining(config, { progress: null });
    const out = join(dir, 'emb.npy');
    const flags = {
      model: join(config.out, 'model'),
      data: config.data,
      out,
      split: 'all' as const,
      seed: 0,
      batchSize: 7,
      backend: 'cpu' as const,
      threads: 1,
    };
    const result = await embedCommand(flags);
    assert.equal(result.labelsPath, join(dir, 'emb.labels.npy'));
    const embeddings = await readNpy(out);
    const labels = await readNpy(result.labelsPath);
    assert.deepEqual(embeddings.shape, [90, 4]);
    assert.equal(embeddings.dtype, 'float32');
    assert.deepEqual(labels.shape, [90]);

    // The reference: the same model and split, embedded in one pass.
    const model = await loadModel(join(config.out, 'model'));
    const { train, test } = await loadData(config.data, { seed: 0 });
    const expected = [train, test].flatMap((part) => {
      const e = embedDataset(model, part, 1000);
      const values = Array.from(e.dataSync());
      e.dispose();
      return values;
    });
    model.dispose();
    assert.deepEqual(Array.from(embeddings.data as Float32Array), expected);
    assert.deepEqual(Array.from(labels.data as Int32Array), [...train.labels, ...test.labels]);
    assert.equal(tf.memory().numTensors, 0);
  });

  it('refuses an output that is not a .npy file', async () => {
    await assert.rejects(
      embedCommand({
        model: 'm',
        data: 'fashion-mnist',
        out: 'emb.csv',
        split: 'all',
        seed: 0,
        batchSize: 8,
        backend: 'cpu',
        threads: 1,
      }),
      /--out must name a \.npy file/,
    );
  });
});
