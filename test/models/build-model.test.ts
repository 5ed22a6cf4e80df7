import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../src/tf.js';
import { DeepmetricError } from '../../src/errors.js';
import { L2Normalize, buildModel, parseModelSpec, type BuildModelOptions } from '../../src/models/index.js';
import { assertAllClose } from '../helpers/oracle.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';
import { normalizeRows } from '../reference/distances.js';
import { conv2dSame, dense, flattenImage, maxPool2, relu, reluImage, type Image } from '../reference/models.js';

function weightsOf(model: tfl.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function inputs(shape: number[], n: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n * size }, (_, i) => Math.sin(i * 0.731) * 0.9 + 0.1),
    [n, ...shape],
  );
}

/** Weights as the reference wants them: [kernel, bias] per layer that has weights, in order. */
function layerWeights(model: tfl.LayersModel): Array<[Float32Array, Float32Array]> {
  return model.layers
    .filter((l) => l.getWeights().length > 0)
    .map((l) => [l.getWeights()[0].dataSync() as Float32Array, l.getWeights()[1].dataSync() as Float32Array]);
}

describeBackends(['cpu', 'wasm'], 'model builders', () => {
  for (const spec of ['mlp', 'mlp:32,16', 'convnet', 'convnet:8,16,32']) {
    for (const embeddingDim of [64, 128]) {
      it(`${spec} with 28x28x1 input gives [batch, ${embeddingDim}]; normalized rows have unit norm`, () => {
        const x = inputs([28, 28, 1], 3);
        for (const normalize of [false, true]) {
          const model = buildModel(spec, { inputShape: [28, 28, 1], embeddingDim, normalize, seed: 1 });
          const y = model.predict(x) as tf.Tensor;
          assert.deepEqual(y.shape, [3, embeddingDim]);
          assert.deepEqual(model.outputs[0].shape, [null, embeddingDim]);
          if (normalize) {
            const rows = y.arraySync() as number[][];
            for (const row of rows) assertAllClose([Math.hypot(...row)], [1], 1e-6, 0, 'row norm');
          }
          tf.dispose(y);
          model.dispose();
        }
        x.dispose();
      });
    }
  }

  it('mlp computes flatten -> dense relu ... -> linear embedding (-> L2 normalize), as the plain loop', () => {
    const x = inputs([2, 3], 4);
    const rows = tf.reshape(x, [4, 6]).arraySync() as number[][];
    for (const normalize of [false, true]) {
      const model = buildModel('mlp:5,4', { inputShape: [2, 3], embeddingDim: 3, normalize, seed: 11 });
      const [l1, l2, l3] = layerWeights(model);
      const want = rows.map((r) => dense(relu(dense(relu(dense(r, l1[0], l1[1])), l2[0], l2[1])), l3[0], l3[1]));
      const got = model.predict(x) as tf.Tensor;
      assertAllClose(
        got.dataSync(),
        (normalize ? normalizeRows(want) : want).flat(),
        1e-5,
        1e-6,
        `mlp normalize=${normalize}`,
      );
      tf.dispose(got);
      model.dispose();
    }
    x.dispose();
  });

  it('convnet computes conv5x5 same relu -> pool2 -> conv5x5 same relu -> pool2 -> dense relu -> embedding, as the plain loop', () => {
    const x = inputs([8, 8, 1], 2);
    const images = x.arraySync() as Image[];
    // A [height, width] input is read as one channel: the same network and weights.
    for (const inputShape of [
      [8, 8, 1],
      [8, 8],
    ]) {
      const model = buildModel('convnet:2,3,4', { inputShape, embeddingDim: 3, seed: 5 });
      const [c1, c2, d1, emb] = layerWeights(model);
      const want = images.map((img) => {
        const a = maxPool2(reluImage(conv2dSame(img, c1[0], c1[1], 5)));
        const b = maxPool2(reluImage(conv2dSame(a, c2[0], c2[1], 5)));
        return dense(relu(dense(flattenImage(b), d1[0], d1[1])), emb[0], emb[1]);
      });
      const got = model.predict(inputShape.length === 2 ? tf.reshape(x, [2, 8, 8]) : x) as tf.Tensor;
      assertAllClose(got.dataSync(), want.flat(), 1e-5, 1e-6, `convnet ${inputShape.join('x')}`);
      tf.dispose(got);
      model.dispose();
    }
    x.dispose();
  });

  it('predicts without leaking tensors', () => {
    const model = buildModel('convnet:4,4,8', { inputShape: [12, 12, 1], embeddingDim: 8, normalize: true, seed: 2 });
    const x = inputs([12, 12, 1], 2);
    expectNoLeak(() => model.predict(x), 'predict');
    model.dispose();
    x.dispose();
  });
});

describeBackends(['cpu'], 'model builder structure, seeds and arguments', () => {
  it('has the documented layers and parameter counts', () => {
    const conv = buildModel('convnet', { inputShape: [28, 28, 1], embeddingDim: 64, normalize: true });
    assert.deepEqual(
      conv.layers.map((l) => `${l.getClassName()}:${l.name}`),
      [
        'Conv2D:conv_1',
        'MaxPooling2D:pool_1',
        'Conv2D:conv_2',
        'MaxPooling2D:pool_2',
        'Flatten:flatten',
        'Dense:dense_1',
        'Dense:embedding',
        'L2Normalize:l2_normalize',
      ],
    );
    const c1 = conv.layers[0].getConfig();
    assert.deepEqual([c1.filters, c1.kernelSize, c1.padding, c1.activation], [32, [5, 5], 'same', 'relu']);
    assert.deepEqual(conv.layers[1].getConfig().poolSize, [2, 2]);
    assert.equal(conv.layers[6].getConfig().activation, 'linear');
    // conv 5*5*1*32+32, conv 5*5*32*64+64, dense 7*7*64*128+128, embedding 128*64+64
    assert.equal(conv.countParams(), 832 + 51264 + 401536 + 8256);

    const mlp = buildModel('mlp', { inputShape: [28, 28, 1], embeddingDim: 64 });
    assert.deepEqual(
      mlp.layers.map((l) => l.name),
      ['flatten', 'dense_1', 'dense_2', 'embedding'],
    );
    assert.equal(mlp.countParams(), 784 * 256 + 256 + 256 * 128 + 128 + 128 * 64 + 64);
    const flat = buildModel('mlp:10', { inputShape: [784] });
    assert.deepEqual(
      flat.layers.map((l) => l.name),
      ['dense_1', 'embedding'],
    );
    assert.deepEqual(flat.outputs[0].shape, [null, 128]);
    for (const m of [conv, mlp, flat]) m.dispose();
  });

  it('builds identical weights for one seed, different ones for another seed or none', () => {
    const options: BuildModelOptions = { inputShape: [16], embeddingDim: 16, seed: 42 };
    for (const spec of ['mlp:16,16', 'convnet:4,8,16']) {
      const opts = spec.startsWith('conv') ? { ...options, inputShape: [8, 8, 1] } : options;
      const a = buildModel(spec, opts);
      const b = buildModel(spec, opts);
      const c = buildModel(spec, { ...opts, seed: 43 });
      const d = buildModel(spec, { ...opts, seed: undefined });
      const e = buildModel(spec, { ...opts, seed: undefined });
      const [wa, wb, wc, wd, we] = [a, b, c, d, e].map(weightsOf);
      assert.deepEqual(wa, wb, `${spec}: same seed`);
      wa.forEach((w, i) => {
        if (w.every((v) => v === 0)) return; // biases start at zero for every seed
        assert.notDeepEqual(w, wc[i], `${spec}: weight ${i}, seeds 42 and 43`);
        assert.notDeepEqual(wd[i], we[i], `${spec}: weight ${i}, unseeded`);
      });
      assert.equal(wa.filter((w) => w.every((v) => v === 0)).length, wa.length / 2, 'one zero bias per layer');
      for (const m of [a, b, c, d, e]) m.dispose();
    }
    // Each layer draws its own seed: two kernels of one shape differ.
    const m = buildModel('mlp:16,16', options);
    const [k1, , k2, , k3] = weightsOf(m);
    assert.notDeepEqual(k2, k3);
    assert.notDeepEqual(k1, k2);
    m.dispose();
  });

  it('keeps Glorot-uniform bounds: |w| <= sqrt(6 / (fan_in + fan_out))', () => {
    const m = buildModel('mlp:64', { inputShape: [100], embeddingDim: 32, seed: 3 });
    const [k1, , k2] = weightsOf(m);
    const check = (w: number[], limit: number) => {
      assert.ok(w.every((v) => Math.abs(v) <= limit));
      assert.ok(Math.max(...w.map(Math.abs)) > 0.9 * limit, 'fills the range');
    };
    check(k1, Math.sqrt(6 / 164));
    check(k2, Math.sqrt(6 / 96));
    m.dispose();
  });

  const invalid = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(
      fn,
      (e: unknown) => e instanceof DeepmetricError && e.code === 'invalid-argument' && pattern.test(e.message),
    );

  it('parses specs and rejects bad ones, naming the spec and the allowed forms', () => {
    assert.deepEqual(parseModelSpec('mlp'), { kind: 'mlp', hidden: [256, 128] });
    assert.deepEqual(parseModelSpec('mlp:7'), { kind: 'mlp', hidden: [7] });
    assert.deepEqual(parseModelSpec('mlp:256,128,64'), { kind: 'mlp', hidden: [256, 128, 64] });
    assert.deepEqual(parseModelSpec('convnet'), { kind: 'convnet', filters: [32, 64], dense: 128 });
    assert.deepEqual(parseModelSpec('convnet:16,32,64'), { kind: 'convnet', filters: [16, 32], dense: 64 });
    const allowed =
      /must be 'mlp', 'mlp:<units>,<units>,...' \(e.g. 'mlp:256,128'\), 'convnet' or 'convnet:<filters1>,<filters2>,<dense>'/;
    const bad: Array<[string, RegExp]> = [
      ['', /unknown model ''/],
      ['MLP', /Received: spec='MLP' \(unknown model 'MLP'\)/],
      ['resnet:18', /unknown model 'resnet'/],
      ['mlp:', /Received: spec='mlp:' \('' is not an integer in \[1, 65536\]\)/],
      ['mlp:0', /'0' is not an integer/],
      ['mlp:256,', /spec='mlp:256,'/],
      ['mlp:12a', /'12a' is not an integer/],
      ['mlp:-1', /'-1' is not an integer/],
      ['mlp:1.5', /'1.5' is not an integer/],
      ['mlp: 8', /' 8' is not an integer/],
      ['mlp:100000', /'100000' is not an integer in \[1, 65536\]/],
      ['convnet:32,64', /convnet takes exactly 3 sizes/],
      ['convnet:1,2,3,4', /convnet takes exactly 3 sizes/],
    ];
    for (const [spec, detail] of bad) {
      invalid(() => parseModelSpec(spec), allowed);
      invalid(() => buildModel(spec, { inputShape: [4] }), detail);
    }
    invalid(() => parseModelSpec(42 as unknown as string), /Argument `spec` must be a string.*Received: spec=42/);
  });

  it('rejects bad options', () => {
    const build = (spec: string, o: unknown) => () => buildModel(spec, o as BuildModelOptions);
    invalid(build('mlp', undefined), /Argument `options` must be an object/);
    invalid(
      build('mlp', {}),
      /Argument `inputShape` must be a non-empty array of integers >= 1.*Received: inputShape=undefined/,
    );
    invalid(build('mlp', { inputShape: [28, 0] }), /Received: inputShape=\[28, 0\]/);
    invalid(
      build('convnet', { inputShape: [784] }),
      /\[height, width\] or \[height, width, channels\].*Received: inputShape=\[784\]/,
    );
    invalid(build('convnet', { inputShape: [3, 28, 1] }), /height, width >= 4/);
    invalid(
      build('mlp', { inputShape: [4], embeddingDim: 0 }),
      /Argument `embeddingDim` must be an integer >= 1. Received: embeddingDim=0/,
    );
    invalid(build('mlp', { inputShape: [4], normalize: 'yes' }), /Argument `normalize` must be true or false/);
    invalid(
      build('mlp', { inputShape: [4], seed: 1.5 }),
      /Argument `seed` must be an integer or undefined. Received: seed=1.5/,
    );
  });
});

describeBackends(['cpu', 'wasm'], 'L2Normalize layer', () => {
  it('normalizes rows, with the gradient (w - y (y . w)) / ||x|| and a finite one at a zero row', () => {
    const layer = new L2Normalize();
    const rows = [
      [3, -4, 1],
      [0, 0, 0],
      [1e-3, 2e-3, -2e-3],
    ];
    const x = tf.tensor2d(rows);
    const w = tf.tensor2d([
      [0.3, -0.2, 0.9],
      [0.5, 0.1, -0.4],
      [-1, 0.25, 0.6],
    ]);
    const y = layer.apply(x) as tf.Tensor;
    assertAllClose(y.dataSync(), normalizeRows(rows).flat(), 1e-6, 1e-7, 'output');
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, w)))(x);
    const grad = g.arraySync() as number[][];
    const ws = w.arraySync() as number[][];
    for (const i of [0, 2]) {
      const norm = Math.hypot(...rows[i]);
      const yi = rows[i].map((v) => v / norm);
      const dot = yi.reduce((s, v, k) => s + v * ws[i][k], 0);
      assertAllClose(
        grad[i],
        ws[i].map((v, k) => (v - yi[k] * dot) / norm),
        1e-4,
        1e-6,
        `gradient row ${i}`,
      );
    }
    assert.ok(grad[1].every(Number.isFinite), `zero row gradient ${grad[1].join(', ')}`);
    expectNoLeak(() => layer.apply(x), 'apply');
    tf.dispose([x, w, y, g]);
  });

  it('takes [batch, dim] inputs only, and is registered for deserialization', () => {
    assert.throws(
      () => new L2Normalize().computeOutputShape([null, 4, 4]),
      /L2Normalize takes embeddings of shape \[batch, dim\]/,
    );
    const Registered = tf.serialization.SerializationMap.getMap().classNameMap.L2Normalize?.[0];
    assert.equal(Registered, L2Normalize);
    assert.equal(new L2Normalize().getClassName(), 'L2Normalize');
  });
});
