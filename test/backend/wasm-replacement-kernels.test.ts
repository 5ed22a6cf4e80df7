import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { registerWasmKernels } from '../../src/backend/index.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';
import { convGradients, convOutShape } from '../reference/conv.js';
import {
  assertClose,
  backendDataIds,
  describeCase,
  normals,
  on,
  randomConv,
  randomPad,
  reportWorst,
  runKernel,
} from './kernel-cases.js';

const CASES = 30;

/** Values on a coarse grid (many ties, as ReLU outputs have), with a few -Infinity and NaN. */
function pooledInput(rng: Random, shape: number[]): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) {
    const u = rng.int(40);
    out[i] = u === 0 ? -Infinity : u === 1 ? NaN : u < 12 ? 0 : rng.int(5);
  }
  return out;
}

describeBackends(['wasm'], 'wasm replacement kernels', () => {
  it('replaces Conv2D, FusedConv2D, Conv2DBackpropInput, BatchMatMul, MaxPoolGrad and Sum once, however often it is called', () => {
    const names = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'BatchMatMul', 'MaxPoolGrad', 'Sum'];
    registerWasmKernels();
    const first = names.map((name) => tf.getKernel(name, 'wasm'));
    registerWasmKernels();
    const second = names.map((name) => tf.getKernel(name, 'wasm'));
    assert.deepEqual(second, first);
    // The replacement carries the tfjs kernel's setup, which the tfjs kernel it delegates to needs.
    for (const config of first) assert.equal(typeof config?.setupFunc, 'function', config?.kernelName);
  });

  it(`Conv2DBackpropInput equals the cpu kernel and the plain loop (${CASES} random cases)`, async (t) => {
    const rng = new Random(606);
    for (let n = 0; n < CASES; n++) {
      const s = randomConv(rng, false);
      const dyShape = convOutShape(s);
      const filter = normals(rng, s.filterShape);
      const dy = normals(rng, dyShape);
      const attrs = {
        strides: s.strides,
        pad: s.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: s.dimRoundingMode,
        inputShape: s.xShape,
      };
      const kernel = () =>
        runKernel(
          'Conv2DBackpropInput',
          { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, s.filterShape) },
          attrs,
        );
      const [cpu] = await on('cpu', kernel);
      const [wasm] = await on('wasm', kernel);
      assert.deepEqual(wasm.shape, s.xShape, describeCase(s));
      assertClose(wasm.values, cpu.values, `vs cpu ${describeCase(s)}`);
      const zeros = new Float32Array(s.xShape.reduce((a, b) => a * b, 1));
      assertClose(wasm.values, convGradients(s, zeros, filter, dy).dx, `vs loop ${describeCase(s)}`);
    }
    reportWorst(t);
  });

  it('Conv2DBackpropInput hands NCHW to the tfjs kernel, which equals the cpu kernel', async () => {
    const rng = new Random(607);
    const dy = normals(rng, [2, 3, 4, 4]);
    const filter = normals(rng, [3, 3, 5, 3]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 5, 4, 4] };
    const kernel = () =>
      runKernel(
        'Conv2DBackpropInput',
        { dy: tf.tensor4d(dy, [2, 3, 4, 4]), filter: tf.tensor4d(filter, [3, 3, 5, 3]) },
        attrs,
      );
    assertClose((await on('wasm', kernel))[0].values, (await on('cpu', kernel))[0].values, 'NCHW');
  });

  it(`BatchMatMul with and without transposes equals the cpu kernel (${CASES} random cases)`, async (t) => {
    const rng = new Random(707);
    for (let n = 0; n < CASES; n++) {
      const [m, k, p] = [1 + rng.int(70), 1 + rng.int(70), 1 + rng.int(70)];
      const transposeA = rng.int(2) === 1;
      const transposeB = rng.int(2) === 1;
      // Batch 1 as rank 2 or 3 (the fast path), and now and then a real batch (the tfjs kernel).
      const batch = rng.int(5) === 0 ? [2 + rng.int(3)] : rng.int(2) === 0 ? [1] : [];
      const aShape = [...batch, ...(transposeA ? [k, m] : [m, k])];
      const bShape = [...batch, ...(transposeB ? [p, k] : [k, p])];
      const a = normals(rng, aShape);
      const b = normals(rng, bShape);
      const what = `a=[${aShape}] b=[${bShape}] tA=${transposeA} tB=${transposeB}`;
      const kernel = () => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), transposeA, transposeB);
      const [cpu] = await on('cpu', kernel);
      const [wasm] = await on('wasm', kernel);
      assert.deepEqual(wasm.shape, cpu.shape, what);
      assertClose(wasm.values, cpu.values, what);
    }
    reportWorst(t);
  });

  it(`MaxPoolGrad equals the cpu kernel, ties, -Infinity and NaN included (${CASES} random cases)`, async (t) => {
    const rng = new Random(808);
    for (let n = 0; n < CASES; n++) {
      const filterSize = 1 + rng.int(4);
      const stride = 1 + rng.int(3);
      // tfjs's maxPool gradient drops dimRoundingMode (its kernel then sizes dy wrongly), so none here.
      const { pad } = randomPad(rng);
      const dimRoundingMode = undefined;
      // Numeric paddings must stay below the filter size, as tfjs requires of pooling.
      const pooling = Array.isArray(pad) ? 'same' : typeof pad === 'number' ? Math.min(pad, filterSize - 1) : pad;
      const size = filterSize + rng.int(7);
      const xShape: [number, number, number, number] = [
        1 + rng.int(4),
        size,
        typeof pooling === 'number' ? size : filterSize + rng.int(7),
        1 + rng.int(9),
      ];
      const x = pooledInput(rng, xShape);
      const outShape = tf.maxPool(tf.zeros(xShape) as tf.Tensor4D, filterSize, stride, pooling, dimRoundingMode).shape;
      const dy = normals(rng, outShape);
      const what = `x=[${xShape}] filter ${filterSize} stride ${stride} pad=${JSON.stringify(pooling)}${dimRoundingMode ? ` ${dimRoundingMode}` : ''}`;
      const grad = () =>
        tf.grad((input: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.maxPool(input as tf.Tensor4D, filterSize, stride, pooling, dimRoundingMode),
              tf.tensor(dy, outShape),
            ),
          ),
        )(tf.tensor4d(x, xShape));
      const [cpu] = await on('cpu', grad);
      const [wasm] = await on('wasm', grad);
      assertClose(wasm.values, cpu.values, what);
    }
    reportWorst(t);
  });

  it(`Sum over leading axes, and any other, equals the cpu kernel (${CASES} random cases)`, async (t) => {
    const rng = new Random(909);
    for (let n = 0; n < CASES; n++) {
      const shape = Array.from({ length: 1 + rng.int(4) }, () => 1 + rng.int(12));
      // Mostly leading axes (the fast path), sometimes any set, negative axes included.
      const count = 1 + rng.int(shape.length);
      const axes =
        rng.int(3) > 0
          ? Array.from({ length: Math.min(count, Math.max(1, shape.length - 1)) }, (_, i) => i)
          : rng.shuffle(shape.map((_, i) => i - (rng.int(2) === 0 ? 0 : shape.length))).slice(0, count);
      const keepDims = rng.int(2) === 1;
      const x = normals(rng, shape);
      const what = `x=[${shape}] axes=[${axes}] keepDims=${keepDims}`;
      const kernel = () => tf.sum(tf.tensor(x, shape), axes, keepDims);
      const [cpu] = await on('cpu', kernel);
      const [wasm] = await on('wasm', kernel);
      assert.deepEqual(wasm.shape, cpu.shape, what);
      assertClose(wasm.values, cpu.values, what);
    }
    reportWorst(t);
  });

  it('MaxPoolGrad rejects a dy that is not the shape of the pooling output, and leaks nothing doing so', () => {
    const x = tf.ones([1, 3, 3, 2]);
    const dy = tf.ones([1, 2, 2, 2]);
    const before = backendDataIds();
    // A numeric pad with ceil rounding pools to 2 x 2; the gradient, without the rounding mode, expects 1 x 1.
    assert.throws(
      () => runKernel('MaxPoolGrad', { dy, input: x, output: dy }, { filterSize: 2, strides: 2, pad: 0 }),
      /MaxPoolGrad: dy must have the shape of the pooling's output, \[1, 1, 1, 2\]/,
    );
    assert.equal(backendDataIds(), before);
    tf.dispose([x, dy]);
  });

  it('leaves no tensor behind, in the engine or in the wasm heap', () => {
    const x = tf.randomNormal([3, 9, 9, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 4, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
    const a = tf.randomNormal([7, 5], 0, 1, 'float32', 3) as tf.Tensor2D;
    const b = tf.randomNormal([7, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
    const gradients: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
      ['conv2d dx', () => tf.grad((input: tf.Tensor) => tf.sum(tf.conv2d(input as tf.Tensor4D, f, 2, 'same')))(x)],
      ['matMul aT b', () => tf.matMul(a, b, true, false)],
      ['matMul b aT', () => tf.matMul(b, a, true, false)],
      ['maxPool dx', () => tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 3, 2, 'same')))(x)],
      [
        'maxPool 2x2 dx',
        () => tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(x),
      ],
      ['sum over leading axes', () => tf.sum(x, [0, 1, 2])],
    ];
    for (const [name, fn] of gradients) {
      tf.dispose(fn()); // the first call may set up XNNPACK operators the later ones reuse
      const before = backendDataIds();
      expectNoLeak(fn, name);
      assert.equal(backendDataIds(), before, `${name} left data in the wasm heap`);
    }
    tf.dispose([x, f, a, b]);
  });
});
