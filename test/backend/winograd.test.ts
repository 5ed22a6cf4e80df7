import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { winogradFits } from '../../src/backend/kernels/winograd.js';
import { winogradMatrices } from '../../src/backend/kernels/winograd-matrices.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';
import { convForward, convGradients, convOutShape, type ConvSpec } from '../reference/conv.js';
import {
  assertClose,
  backendDataIds,
  describeCase,
  normals,
  on,
  randomPad,
  reportWorst,
  runKernel,
} from './kernel-cases.js';

const CASES = 16;

/** A random convolution that runs as Winograd: 3 x 3 or 5 x 5, stride 1, channels in fours, inChannels · outChannels >= 1024. */
function winogradConv(rng: Random): ConvSpec {
  const r = rng.int(2) === 0 ? 3 : 5;
  const channels = 4 * (2 + rng.int(11));
  const k = 4 * Math.max(Math.ceil(1024 / channels / 4), 1 + rng.int(12));
  const padding = randomPad(rng);
  // Sizes from below the filter (with padding) to several tiles with a ragged last one.
  const size = () => (padding.pad === 'same' ? 1 : r) + rng.int(14);
  const height = size();
  return {
    xShape: [1 + rng.int(4), height, typeof padding.pad === 'number' ? height : size(), channels],
    filterShape: [r, r, channels, k],
    strides: [1, 1],
    dilations: [1, 1],
    depthwise: false,
    ...padding,
  };
}

function infoOf(s: ConvSpec): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    s.xShape,
    s.filterShape,
    s.strides,
    s.dilations,
    s.pad,
    s.dimRoundingMode,
    false,
    'channelsLast',
  );
}

describe('winogradMatrices', () => {
  it('gives Winograd F(2, 3) its textbook output transform', () => {
    assert.deepEqual(winogradMatrices(2, 3).AT, [
      [1, 1, 1, 0],
      [0, 1, -1, 1],
    ]);
  });

  it('turns Bᵀ into small integers, the same for every 6-point algorithm', () => {
    const BT = [
      [4, 0, -5, 0, 1, 0],
      [0, 4, 4, -1, -1, 0],
      [0, -4, 4, 1, -1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ];
    for (const [m, r] of [
      [2, 5],
      [4, 3],
      [5, 2],
      [3, 4],
    ]) {
      assert.deepEqual(
        winogradMatrices(m, r).BT.map((row) => row.map((v) => Math.round(v * 1e9) / 1e9 + 0)),
        BT,
        `F(${m}, ${r})`,
      );
    }
  });

  it('computes the correlation y[i] = Σ_k d[i + k] g[k] exactly, in one and two dimensions', () => {
    const rng = new Random(31);
    for (const [m, r] of [
      [2, 3],
      [2, 5],
      [4, 3],
      [5, 2],
      [3, 4],
      [4, 5],
    ]) {
      const n = m + r - 1;
      const { AT, G, BT } = winogradMatrices(m, r);
      const d = Array.from({ length: n * n }, () => rng.normal());
      const g = Array.from({ length: r * r }, () => rng.normal());
      // Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, in float64.
      const mul = (a: number[][], b: number[][]) =>
        a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
      const T = (a: number[][]) => a[0].map((_, j) => a.map((row) => row[j]));
      const D = Array.from({ length: n }, (_, i) => d.slice(i * n, i * n + n));
      const F = Array.from({ length: r }, (_, i) => g.slice(i * r, i * r + r));
      const U = mul(mul(G, F), T(G));
      const V = mul(mul(BT, D), T(BT));
      const Y = mul(
        mul(
          AT,
          U.map((row, i) => row.map((u, j) => u * V[i][j])),
        ),
        T(AT),
      );
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          let expected = 0;
          for (let p = 0; p < r; p++) for (let q = 0; q < r; q++) expected += D[i + p][j + q] * F[p][q];
          assert.ok(
            Math.abs(Y[i][j] - expected) < 1e-9 * (1 + Math.abs(expected)),
            `F(${m}, ${r}) y[${i}][${j}]: ${Y[i][j]} vs ${expected}`,
          );
        }
      }
    }
  });
});

describe('winogradFits', () => {
  it('takes stride-1, undilated 3 x 3 and 5 x 5 convolutions over enough channels in fours (fewer for large batches), and nothing else', () => {
    const fits = (
      xShape: [number, number, number, number],
      filterShape: [number, number, number, number],
      stride = 1,
      dilation = 1,
    ) =>
      winogradFits(
        tf.backend_util.computeConv2DInfo(
          xShape,
          filterShape,
          stride,
          dilation,
          'same',
          undefined,
          false,
          'channelsLast',
        ),
      );
    assert.equal(fits([8, 14, 14, 32], [5, 5, 32, 64]), true);
    assert.equal(fits([8, 14, 14, 64], [3, 3, 64, 16]), true);
    assert.equal(fits([64, 14, 14, 16], [5, 5, 16, 32]), false, 'too few channels to pay at 64 images');
    assert.equal(fits([128, 14, 14, 16], [5, 5, 16, 32]), true, 'enough at 128 images');
    assert.equal(fits([256, 14, 14, 8], [5, 5, 8, 32]), false, 'too few channels to pay even at 256 images');
    assert.equal(fits([8, 14, 14, 30], [5, 5, 30, 64]), false, 'channels not in fours');
    assert.equal(fits([8, 14, 14, 32], [5, 5, 32, 62]), false, 'channels not in fours');
    assert.equal(fits([8, 14, 14, 32], [5, 5, 32, 64], 2), false, 'stride 2');
    assert.equal(fits([8, 14, 14, 32], [3, 3, 32, 64], 1, 2), false, 'dilation 2');
    assert.equal(fits([8, 14, 14, 32], [5, 3, 32, 64]), false, 'not square');
    assert.equal(fits([8, 14, 14, 32], [7, 7, 32, 64]), false, '7 x 7');
  });
});

describeBackends(['wasm'], 'Winograd convolutions on wasm', () => {
  it(`Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter equal the cpu kernels and the plain loops (${CASES} random cases)`, async (t) => {
    const rng = new Random(707);
    for (let n = 0; n < CASES; n++) {
      const s = winogradConv(rng);
      assert.ok(winogradFits(infoOf(s)), `not a Winograd case: ${describeCase(s)}`);
      const dyShape = convOutShape(s);
      const x = normals(rng, s.xShape);
      const filter = normals(rng, s.filterShape);
      const dy = normals(rng, dyShape);
      const conv = {
        strides: s.strides,
        pad: s.pad,
        dataFormat: 'NHWC',
        dilations: s.dilations,
        dimRoundingMode: s.dimRoundingMode,
      };
      const kernels = (): tf.Tensor[] => [
        runKernel('Conv2D', { x: tf.tensor4d(x, s.xShape), filter: tf.tensor4d(filter, s.filterShape) }, conv),
        runKernel(
          'Conv2DBackpropInput',
          { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, s.filterShape) },
          { ...conv, inputShape: s.xShape },
        ),
        runKernel(
          'Conv2DBackpropFilter',
          { x: tf.tensor4d(x, s.xShape), dy: tf.tensor4d(dy, dyShape) },
          { ...conv, filterShape: s.filterShape },
        ),
      ];
      const cpu = await on('cpu', kernels);
      const wasm = await on('wasm', kernels);
      const loop = convGradients(s, x, filter, dy);
      const expected = [convForward(s, x, filter), loop.dx, loop.dW];
      ['y', 'dx', 'dW'].forEach((what, i) => {
        assert.deepEqual(wasm[i].shape, cpu[i].shape, `${what} ${describeCase(s)}`);
        assertClose(wasm[i].values, cpu[i].values, `${what} vs cpu ${describeCase(s)}`);
        assertClose(wasm[i].values, expected[i], `${what} vs loop ${describeCase(s)}`);
      });
    }
    reportWorst(t);
  });

  it('FusedConv2D adds the bias and applies ReLU like the cpu kernel, and leaves other activations to tfjs', async (t) => {
    const rng = new Random(709);
    const x = normals(rng, [3, 11, 9, 32]);
    const filter = normals(rng, [5, 5, 32, 36]);
    const bias = normals(rng, [36]);
    const cases: Array<{ bias: boolean; activation: 'linear' | 'relu' | 'elu' }> = [
      { bias: true, activation: 'relu' },
      { bias: true, activation: 'linear' },
      { bias: false, activation: 'relu' },
      { bias: true, activation: 'elu' },
    ];
    for (const c of cases) {
      const fused = () =>
        tf.fused.conv2d({
          x: tf.tensor4d(x, [3, 11, 9, 32]),
          filter: tf.tensor4d(filter, [5, 5, 32, 36]),
          strides: 1,
          pad: 'same',
          bias: c.bias ? tf.tensor1d(bias) : undefined,
          activation: c.activation,
        });
      const [cpu] = await on('cpu', fused);
      const [wasm] = await on('wasm', fused);
      assertClose(wasm.values, cpu.values, JSON.stringify(c));
      if (c.activation === 'relu')
        assert.ok(
          wasm.values.every((v) => v >= 0),
          `negatives after ReLU ${JSON.stringify(c)}`,
        );
    }
    reportWorst(t);
  });

  it('runs a batch too large for one chunk of tiles like one image at a time, and sums the filter gradient over every chunk', async () => {
    // 49 tiles an image: 9 images per chunk of the convolution, 6 of the filter gradient, so 25
    // images are 3 and 5 chunks, the last one short.
    const rng = new Random(708);
    const x = normals(rng, [25, 14, 14, 32]);
    const filter = normals(rng, [5, 5, 32, 64]);
    const dy = normals(rng, [25, 14, 14, 64]);
    const xT = () => tf.tensor4d(x, [25, 14, 14, 32]);
    const whole = tf.conv2d(xT(), tf.tensor4d(filter, [5, 5, 32, 64]), 1, 'same');
    const apart = tf.concat(
      tf
        .split(xT(), 25)
        .map((image) => tf.conv2d(image as tf.Tensor4D, tf.tensor4d(filter, [5, 5, 32, 64]), 1, 'same')),
    );
    assert.deepEqual(Array.from(whole.dataSync()), Array.from(apart.dataSync()));
    tf.dispose([whole, apart]);
    const dW = () =>
      runKernel(
        'Conv2DBackpropFilter',
        { x: xT(), dy: tf.tensor4d(dy, [25, 14, 14, 64]) },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5, 5, 32, 64] },
      );
    assertClose((await on('wasm', dW))[0].values, (await on('cpu', dW))[0].values, 'dW of 25 images');
  });

  it('leaves no tensor behind, in the engine or in the wasm heap', () => {
    const x = tf.randomNormal([3, 9, 9, 32], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 32, 36], 0, 1, 'float32', 2) as tf.Tensor4D;
    const bias = tf.randomNormal([36], 0, 1, 'float32', 3) as tf.Tensor1D;
    const runs: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
      [
        'conv2d and its gradients',
        () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([
            x,
            f,
          ]),
      ],
      ['fused conv2d', () => tf.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias, activation: 'relu' })],
    ];
    for (const [what, fn] of runs) {
      fn();
      const before = backendDataIds();
      expectNoLeak(fn, what);
      assert.equal(backendDataIds(), before, `${what} left intermediates in the wasm heap`);
    }
    tf.dispose([x, f, bias]);
  });
});
