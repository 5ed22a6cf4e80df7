import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { registerWasmKernels } from '../../src/backend/index.js';
import { DeepmetricError } from '../../src/errors.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';
import { convGradients, convOutShape, segmentSum } from '../reference/conv.js';
import {
  assertClose,
  backendDataIds,
  describeCase,
  normals,
  on,
  randomConv,
  reportWorst,
  runKernel,
} from './kernel-cases.js';

const CASES = 30;

describeBackends(['wasm'], 'wasm gradient kernels', () => {
  it('registers the four kernels once, however often it is called', () => {
    registerWasmKernels();
    registerWasmKernels();
    for (const name of [
      'Conv2DBackpropFilter',
      'UnsortedSegmentSum',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
    ]) {
      assert.equal(tf.getKernel(name, 'wasm')?.backendName, 'wasm', name);
    }
  });

  it(`Conv2DBackpropFilter equals the cpu kernel and the plain loop (${CASES} random cases)`, async (t) => {
    const rng = new Random(101);
    for (let n = 0; n < CASES; n++) {
      const s = randomConv(rng, false);
      const dyShape = convOutShape(s);
      const x = normals(rng, s.xShape);
      const dy = normals(rng, dyShape);
      const attrs = {
        strides: s.strides,
        pad: s.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: s.dimRoundingMode,
        filterShape: s.filterShape,
      };
      const kernel = () =>
        runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, s.xShape), dy: tf.tensor4d(dy, dyShape) }, attrs);
      const [cpu] = await on('cpu', kernel);
      const [wasm] = await on('wasm', kernel);
      assert.deepEqual(wasm.shape, s.filterShape, describeCase(s));
      assertClose(wasm.values, cpu.values, `vs cpu ${describeCase(s)}`);
      assertClose(wasm.values, convGradients(s, x, new Float32Array(x.length), dy).dW, `vs loop ${describeCase(s)}`);
    }
    reportWorst(t);
  });

  it(`DepthwiseConv2dNativeBackpropFilter equals the plain loop, and the cpu kernel at dilation 1 (${CASES} random cases)`, async (t) => {
    const rng = new Random(202);
    for (let n = 0; n < CASES; n++) {
      const s = randomConv(rng, true);
      const dyShape = convOutShape(s);
      const x = normals(rng, s.xShape);
      const dy = normals(rng, dyShape);
      const attrs = {
        strides: s.strides,
        dilations: s.dilations,
        pad: s.pad,
        dimRoundingMode: s.dimRoundingMode,
        filterShape: s.filterShape,
      };
      const kernel = () =>
        runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x: tf.tensor4d(x, s.xShape), dy: tf.tensor4d(dy, dyShape) },
          attrs,
        );
      const [wasm] = await on('wasm', kernel);
      assert.deepEqual(wasm.shape, s.filterShape, describeCase(s));
      assertClose(
        wasm.values,
        convGradients(s, x, new Float32Array(s.filterShape.reduce((a, b) => a * b)), dy).dW,
        `vs loop ${describeCase(s)}`,
      );
      // The cpu kernel indexes x without the dilation (tfjs's gradient never sends one), so it
      // is a reference at dilation 1 only.
      if (s.dilations[0] === 1)
        assertClose(wasm.values, (await on('cpu', kernel))[0].values, `vs cpu ${describeCase(s)}`);
    }
    reportWorst(t);
  });

  it(`DepthwiseConv2dNativeBackpropInput equals the plain loop, and the cpu kernel at dilation 1 (${CASES} random cases)`, async (t) => {
    const rng = new Random(303);
    for (let n = 0; n < CASES; n++) {
      const s = randomConv(rng, true);
      const dyShape = convOutShape(s);
      const filter = normals(rng, s.filterShape);
      const dy = normals(rng, dyShape);
      const attrs = {
        strides: s.strides,
        dilations: s.dilations,
        pad: s.pad,
        dimRoundingMode: s.dimRoundingMode,
        inputShape: s.xShape,
      };
      const kernel = () =>
        runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, s.filterShape) },
          attrs,
        );
      const [wasm] = await on('wasm', kernel);
      assert.deepEqual(wasm.shape, s.xShape, describeCase(s));
      assertClose(
        wasm.values,
        convGradients(s, new Float32Array(s.xShape.reduce((a, b) => a * b)), filter, dy).dx,
        `vs loop ${describeCase(s)}`,
      );
      if (s.dilations[0] === 1)
        assertClose(wasm.values, (await on('cpu', kernel))[0].values, `vs cpu ${describeCase(s)}`);
    }
    reportWorst(t);
  });

  it(`UnsortedSegmentSum sums duplicates and drops ids out of range, like the plain loop and the cpu kernel (${CASES} random cases)`, async (t) => {
    const rng = new Random(404);
    for (let n = 0; n < CASES; n++) {
      const numSegments = 1 + rng.int(10);
      const idsShape = rng.int(4) === 0 ? [1 + rng.int(4), 1 + rng.int(4)] : [rng.int(20)];
      const inner = Array.from({ length: rng.int(3) }, () => 1 + rng.int(5));
      const count = idsShape.reduce((a, b) => a * b, 1);
      const ids = Int32Array.from({ length: count }, () => rng.int(numSegments + 4) - 2);
      const x = normals(rng, [...idsShape, ...inner]);
      // tfjs types segmentIds as 1-D; the kernel takes TensorFlow's any-rank ids.
      const idsTensor = (): tf.Tensor1D => tf.tensor(ids, idsShape, 'int32') as tf.Tensor as tf.Tensor1D;
      const kernel = () => tf.unsortedSegmentSum(tf.tensor(x, [...idsShape, ...inner]), idsTensor(), numSegments);
      const [wasm] = await on('wasm', kernel);
      const what = `ids=[${idsShape}] inner=[${inner}] numSegments=${numSegments}`;
      assert.deepEqual(wasm.shape, [numSegments, ...inner], what);
      assertClose(
        wasm.values,
        segmentSum(
          x,
          ids,
          numSegments,
          inner.reduce((a, b) => a * b, 1),
        ),
        `vs loop ${what}`,
      );
      // The cpu kernel sums over axis 0 only, which is TensorFlow's result for 1-D ids only.
      if (idsShape.length === 1) assertClose(wasm.values, (await on('cpu', kernel))[0].values, `vs cpu ${what}`);
    }
    reportWorst(t);
  });

  it('UnsortedSegmentSum keeps int32 exact, and handles no rows and no segments', () => {
    const sums = tf.unsortedSegmentSum(
      tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'),
      tf.tensor1d([2, 0, 2], 'int32'),
      3,
    );
    assert.equal(sums.dtype, 'int32');
    assert.deepEqual(Array.from(sums.dataSync()), [3, 4, 0, 0, 6, 8]);
    const none = tf.unsortedSegmentSum(tf.zeros([0, 3]), tf.zeros([0], 'int32') as tf.Tensor1D, 2);
    assert.deepEqual(none.shape, [2, 3]);
    assert.deepEqual(Array.from(none.dataSync()), [0, 0, 0, 0, 0, 0]);
    const empty = tf.unsortedSegmentSum(tf.ones([4, 3]), tf.tensor1d([0, 1, 0, 1], 'int32'), 0);
    assert.deepEqual(empty.shape, [0, 3]);
    tf.dispose([sums, none, empty]);
  });

  it('tf.grad of tf.conv2d, tf.depthwiseConv2d and tf.gather equals the cpu backend', async (t) => {
    const rng = new Random(505);
    for (let n = 0; n < 12; n++) {
      for (const depthwise of [false, true]) {
        const s = randomConv(rng, depthwise);
        s.dilations = [1, 1]; // tfjs's conv gradients reject dilations
        const x = normals(rng, s.xShape);
        const f = normals(rng, s.filterShape);
        const w = normals(rng, convOutShape(s));
        const pad = s.pad as 'same';
        const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
          depthwise
            ? tf.depthwiseConv2d(a, b, s.strides, pad, 'NHWC', 1, s.dimRoundingMode)
            : tf.conv2d(a, b, s.strides, pad, 'NHWC', 1, s.dimRoundingMode);
        const grads = () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), tf.tensor4d(w, convOutShape(s)))),
          )([tf.tensor4d(x, s.xShape), tf.tensor4d(f, s.filterShape)]);
        const cpu = await on('cpu', grads);
        const wasm = await on('wasm', grads);
        assertClose(wasm[0].values, cpu[0].values, `dx ${describeCase(s)}`);
        assertClose(wasm[1].values, cpu[1].values, `dW ${describeCase(s)}`);
      }
    }
    for (const axis of [0, 1]) {
      const table = normals(rng, [7, 5]);
      const indices = Int32Array.from({ length: 9 }, () => rng.int(axis === 0 ? 7 : 5));
      const weights = normals(rng, axis === 0 ? [9, 5] : [7, 9]);
      const grad = () =>
        tf.grad((t: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.gather(t, tf.tensor1d(indices, 'int32'), axis),
              tf.tensor2d(weights, axis === 0 ? [9, 5] : [7, 9]),
            ),
          ),
        )(tf.tensor2d(table, [7, 5]));
      assertClose((await on('wasm', grad))[0].values, (await on('cpu', grad))[0].values, `gather axis ${axis}`);
    }
    reportWorst(t);
  });

  it('leaves no tensor behind, in the engine or in the wasm heap', () => {
    const x = tf.randomNormal([3, 9, 9, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 4, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
    const df = tf.randomNormal([3, 3, 4, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const table = tf.randomNormal([6, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
    const ids = tf.tensor1d([0, 5, 5, 2], 'int32');
    const segments = tf.tensor1d([0, -1, 9, 1, 1, 0], 'int32');
    const gradients: Array<[string, () => tf.Tensor[]]> = [
      [
        'conv2d',
        () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([
            x,
            f,
          ]),
      ],
      [
        'depthwiseConv2d',
        () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid')),
          )([x, df]),
      ],
      ['gather', () => [tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table)]],
      ['unsortedSegmentSum', () => [tf.unsortedSegmentSum(table, segments, 3)]],
    ];
    for (const [name, fn] of gradients) {
      fn(); // the first call may set up XNNPACK operators the later ones reuse
      const before = backendDataIds();
      expectNoLeak(fn, name);
      assert.equal(backendDataIds(), before, `${name} left data in the wasm heap`);
    }
    tf.dispose([x, f, df, table, ids, segments]);
  });

  it('rejects what it does not compute, and leaks nothing doing so', () => {
    const x = tf.ones([1, 4, 4, 2]);
    const dy = tf.ones([1, 4, 4, 3]);
    const filter = tf.ones([3, 3, 2, 1]);
    const before = backendDataIds();
    assert.throws(
      () =>
        runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] },
        ),
      (e: unknown) => e instanceof DeepmetricError && /dataFormat 'NHWC' only/.test(e.message),
    );
    assert.throws(
      () =>
        runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] },
        ),
      (e: unknown) => e instanceof DeepmetricError && /dy must have the shape/.test(e.message),
    );
    assert.throws(
      () =>
        runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter },
          { strides: 1, dilations: 1, pad: 'same', inputShape: [1, 4, 4, 2] },
        ),
      (e: unknown) => e instanceof DeepmetricError && /dy must have the shape/.test(e.message),
    );
    assert.equal(backendDataIds(), before);
    tf.dispose([x, dy, filter]);
  });
});
