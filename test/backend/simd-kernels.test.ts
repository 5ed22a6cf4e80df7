import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { heapOffset } from '../../src/backend/kernels/heap-offset.js';
import { simdKernels } from '../../src/backend/kernels/simd-kernels.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';
import { assertClose, backendDataIds, normals, on, reportWorst, runKernel } from './kernel-cases.js';

// deepmetric's WebAssembly SIMD kernels (assembly/kernels.ts): the module's safety on tfjs's heap,
// exact agreement with plain loops, and the ops built on them against the cpu backend.

const WASM_FILE = new URL('../../build/kernels.wasm', import.meta.url);
const CHANNELS = [1, 3, 4, 5, 16, 32];

/** The ids of the module's sections, in order (the binary format's section headers). */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8; // magic and version
  while (at < bytes.length) {
    ids.push(bytes[at++]);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      size |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    at += size;
  }
  return ids;
}

function backend(): BackendWasm {
  return tf.backend() as BackendWasm;
}

/** Bytes of the wasm heap now (tfjs-backend-wasm's types omit emscripten's `HEAPU8`). */
function heapBytes(): number {
  return (backend().wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.byteLength;
}

/** Values that pool like ReLU outputs (many ties), with -Infinity and NaN, and some windows all NaN or -Infinity. */
function pooledInput(rng: Random, shape: [number, number, number, number]): Float32Array {
  const [b, h, w, c] = shape;
  const out = new Float32Array(b * h * w * c);
  for (let i = 0; i < out.length; i++) {
    const u = rng.int(20);
    out[i] = u === 0 ? -Infinity : u === 1 ? NaN : u < 8 ? 0 : rng.int(5);
  }
  for (let n = 0; n < 3; n++) {
    const [bi, i, j, ci] = [rng.int(b), 2 * rng.int(Math.floor(h / 2)), 2 * rng.int(Math.floor(w / 2)), rng.int(c)];
    const fill = rng.int(2) === 0 ? NaN : -Infinity;
    for (const [r, q] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ])
      out[((bi * h + i + r) * w + j + q) * c + ci] = fill;
  }
  return out;
}

/** The plain loop: each window's first strict maximum in row-major order gets 0 + dy; no maximum, no gradient. */
function maxPoolGrad2x2Loop(x: Float32Array, dy: Float32Array, shape: [number, number, number, number]): Float32Array {
  const [batch, h, w, c] = shape;
  const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
  const dx = new Float32Array(x.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let k = 0; k < c; k++) {
          let best = -Infinity;
          let where = -1;
          for (const [r, q] of [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ]) {
            const at = ((b * h + 2 * i + r) * w + 2 * j + q) * c + k;
            if (x[at] > best) ((best = x[at]), (where = at));
          }
          if (where >= 0) dx[where] += dy[((b * oh + i) * ow + j) * c + k];
        }
      }
    }
  }
  return dx;
}

/** The plain loop of a Sum over leading axes: float64 sums in row order, rounded once. */
function sumRowsLoop(x: Float32Array, size: number): Float32Array {
  const sums = new Float64Array(size);
  for (let at = 0; at < x.length; at += size) for (let s = 0; s < size; s++) sums[s] += x[at + s];
  return Float32Array.from(sums);
}

interface Patches {
  xShape: [number, number, number, number];
  filter: [number, number];
  strides: [number, number];
  pad: [[number, number], [number, number]];
}

/** The plain im2col loop (transposed): one row per filter tap and channel, one column per output pixel. */
function patchRowsLoop(x: Float32Array, p: Patches): { values: Float32Array; outH: number; outW: number } {
  const [batch, h, w, c] = p.xShape;
  const [fH, fW] = p.filter;
  const [sH, sW] = p.strides;
  const [[top, bottom], [left, right]] = p.pad;
  const outH = Math.floor((h + top + bottom - fH) / sH) + 1;
  const outW = Math.floor((w + left + right - fW) / sW) + 1;
  const values = new Float32Array(fH * fW * c * batch * outH * outW);
  let at = 0;
  for (let r = 0; r < fH; r++)
    for (let q = 0; q < fW; q++)
      for (let k = 0; k < c; k++)
        for (let b = 0; b < batch; b++)
          for (let i = 0; i < outH; i++)
            for (let j = 0; j < outW; j++, at++) {
              const [row, col] = [i * sH + r - top, j * sW + q - left];
              values[at] = row >= 0 && row < h && col >= 0 && col < w ? x[((b * h + row) * w + col) * c + k] : 0;
            }
  return { values, outH, outW };
}

const PATCH_CASES: Patches[] = [
  {
    xShape: [3, 28, 28, 1],
    filter: [5, 5],
    strides: [1, 1],
    pad: [
      [2, 2],
      [2, 2],
    ],
  }, // conv-1 of the default ConvNet
  {
    xShape: [2, 9, 11, 1],
    filter: [5, 5],
    strides: [1, 1],
    pad: [
      [0, 0],
      [0, 0],
    ],
  },
  {
    xShape: [2, 9, 11, 1],
    filter: [3, 4],
    strides: [2, 2],
    pad: [
      [1, 2],
      [3, 0],
    ],
  },
  {
    xShape: [2, 7, 6, 3],
    filter: [3, 3],
    strides: [1, 2],
    pad: [
      [1, 1],
      [1, 1],
    ],
  },
  {
    xShape: [1, 5, 13, 2],
    filter: [4, 4],
    strides: [2, 1],
    pad: [
      [0, 4],
      [4, 0],
    ],
  },
  {
    xShape: [2, 3, 3, 1],
    filter: [1, 1],
    strides: [1, 1],
    pad: [
      [0, 0],
      [0, 0],
    ],
  },
  {
    xShape: [1, 2, 2, 1],
    filter: [5, 5],
    strides: [1, 1],
    pad: [
      [2, 2],
      [2, 2],
    ],
  }, // windows wider than x
];

describeBackends(['wasm'], 'wasm SIMD kernels', () => {
  it("the module imports only the memory and has no data segment, start function or global that could write into tfjs's heap", () => {
    const bytes = new Uint8Array(readFileSync(WASM_FILE));
    const module = new WebAssembly.Module(bytes);
    assert.deepEqual(WebAssembly.Module.imports(module), [{ module: 'env', name: 'memory', kind: 'memory' }]);
    const functions = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    assert.deepEqual(functions.sort(), [
      'adamStep',
      'fillPatchRows',
      'maxPoolGrad2x2',
      'sumRows',
      'transposedProduct',
      'winogradInputTiles',
      'winogradSums',
      'winogradTiles',
      'winogradUntiles',
    ]);
    const ids = sectionIds(bytes);
    for (const [id, name] of [
      [11, 'data'],
      [12, 'data count'],
      [8, 'start'],
      [6, 'global'],
    ] as const) {
      assert.ok(!ids.includes(id), `kernels.wasm has a ${name} section (id ${id}): sections ${ids.join(', ')}`);
    }
  });

  it('sumRows equals the float64 loop bit for bit, for any number of kept values', () => {
    const rng = new Random(1);
    for (const size of [1, 3, 4, 5, 15, 16, 17, 20, 32, 35]) {
      for (const rows of [1, 7, 64]) {
        const values = normals(rng, [rows, size]).map((v) => v * 10 ** rng.int(6));
        const sum = tf.tidy(() => tf.sum(tf.tensor(values, [rows, size]), 0).dataSync() as Float32Array);
        assert.deepEqual(Float32Array.from(sum), sumRowsLoop(values, size), `rows ${rows} size ${size}`);
      }
    }
  });

  it('Sum of a bias gradient, [b, h, w, C] over [0, 1, 2], equals the cpu kernel', async (t) => {
    const rng = new Random(2);
    for (const c of CHANNELS) {
      const shape = [1 + rng.int(8), 1 + rng.int(9), 1 + rng.int(9), c];
      const x = normals(rng, shape);
      const kernel = () => tf.sum(tf.tensor(x, shape), [0, 1, 2]);
      const [cpu] = await on('cpu', kernel);
      const [wasm] = await on('wasm', kernel);
      assertClose(wasm.values, cpu.values, `x=[${shape}]`);
    }
    reportWorst(t);
  });

  it('MaxPoolGrad of 2 x 2 stride 2 pooling equals the plain loop and the cpu kernel exactly, NaN and -Infinity windows and odd sizes included', async () => {
    const rng = new Random(3);
    for (const c of CHANNELS) {
      for (const [h, w] of [
        [4, 4],
        [5, 7],
        [7, 6],
        [2, 3],
        [3, 2],
        [28, 28],
      ]) {
        const shape: [number, number, number, number] = [1 + rng.int(3), h, w, c];
        const x = pooledInput(rng, shape);
        const outShape = [shape[0], Math.floor(h / 2), Math.floor(w / 2), c];
        const dy = normals(rng, outShape);
        const grad = () =>
          tf.grad((input: tf.Tensor) =>
            tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid'), tf.tensor(dy, outShape))),
          )(tf.tensor4d(x, shape));
        const [wasm] = await on('wasm', grad);
        const [cpu] = await on('cpu', grad);
        const what = `x=[${shape}]`;
        assert.deepEqual(wasm.values, maxPoolGrad2x2Loop(x, dy, shape), `vs loop ${what}`);
        assert.deepEqual(wasm.values, cpu.values, `vs cpu ${what}`);
      }
    }
  });

  it("MaxPoolGrad of 2 x 2 stride 2 'same' pooling equals the cpu kernel, even sizes (the SIMD path) and odd (a cut window)", async () => {
    const rng = new Random(4);
    for (const c of [3, 16]) {
      for (const [h, w] of [
        [6, 8],
        [5, 7],
      ]) {
        const shape: [number, number, number, number] = [2, h, w, c];
        const x = pooledInput(rng, shape);
        const outShape = [2, Math.ceil(h / 2), Math.ceil(w / 2), c];
        const dy = normals(rng, outShape);
        const grad = () =>
          tf.grad((input: tf.Tensor) =>
            tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, 2, 2, 'same'), tf.tensor(dy, outShape))),
          )(tf.tensor4d(x, shape));
        const [wasm] = await on('wasm', grad);
        const [cpu] = await on('cpu', grad);
        assert.deepEqual(wasm.values, cpu.values, `x=[${shape}]`);
      }
    }
  });

  it('fillPatchRows equals the plain im2col loop exactly, for any stride, padding and channel count', () => {
    const rng = new Random(5);
    for (const p of PATCH_CASES) {
      const x = normals(rng, p.xShape);
      const expected = patchRowsLoop(x, p);
      const input = tf.tensor4d(x, p.xShape);
      const b = backend();
      const patches = b.makeOutput([expected.values.length], 'float32');
      const [batch, h, w, c] = p.xShape;
      simdKernels(b).fillPatchRows(
        heapOffset(b, input),
        heapOffset(b, patches),
        batch,
        h,
        w,
        c,
        expected.outH,
        expected.outW,
        ...p.strides,
        ...p.filter,
        p.pad[0][0],
        p.pad[1][0],
      );
      const out = tf.engine().makeTensorFromTensorInfo(patches);
      assert.deepEqual(
        out.dataSync(),
        expected.values,
        `x=[${p.xShape}] filter ${p.filter} strides ${p.strides} pad ${JSON.stringify(p.pad)}`,
      );
      tf.dispose([input, out]);
    }
  });

  it('transposedProduct equals the float32 loop bit for bit, with remainders, with and without accumulation', () => {
    const rng = new Random(7);
    for (const [rows, m, n] of [
      [1, 1, 4],
      [5, 4, 8],
      [37, 25, 32],
      [64, 9, 12],
      [3, 32, 64],
    ]) {
      for (const accumulate of [0, 1]) {
        const a = normals(rng, [rows, m]);
        const b = normals(rng, [rows, n]);
        const start = normals(rng, [m, n]);
        const expected = new Float32Array(m * n);
        for (let i = 0; i < m; i++) {
          for (let k = 0; k < n; k++) {
            let c = accumulate ? start[i * n + k] : 0;
            for (let t = 0; t < rows; t++) c = Math.fround(c + Math.fround(a[t * m + i] * b[t * n + k]));
            expected[i * n + k] = c;
          }
        }
        const [ta, tb, out] = [tf.tensor(a), tf.tensor(b), tf.tensor(start)];
        const bk = backend();
        simdKernels(bk).transposedProduct(
          heapOffset(bk, ta),
          heapOffset(bk, tb),
          heapOffset(bk, out),
          rows,
          m,
          n,
          accumulate,
        );
        assert.deepEqual(out.dataSync(), expected, `rows ${rows} m ${m} n ${n} accumulate ${accumulate}`);
        tf.dispose([ta, tb, out]);
      }
    }
  });

  it('Conv2DBackpropFilter through the patch rows equals the cpu kernel', async (t) => {
    const rng = new Random(6);
    for (const p of PATCH_CASES) {
      const [fH, fW] = p.filter;
      const filterShape: [number, number, number, number] = [fH, fW, p.xShape[3], 1 + rng.int(8)];
      const pad = [[0, 0], ...p.pad, [0, 0]];
      const x = normals(rng, p.xShape);
      const dyShape = tf.conv2d(
        tf.zeros(p.xShape) as tf.Tensor4D,
        tf.zeros(filterShape) as tf.Tensor4D,
        p.strides,
        pad as tf.backend_util.ExplicitPadding,
      ).shape;
      const dy = normals(rng, dyShape);
      const attrs = { strides: p.strides, pad, dataFormat: 'NHWC', filterShape };
      const kernel = () =>
        runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, p.xShape), dy: tf.tensor(dy, dyShape) }, attrs);
      const [cpu] = await on('cpu', kernel);
      const [wasm] = await on('wasm', kernel);
      assertClose(wasm.values, cpu.values, `x=[${p.xShape}] filter [${filterShape}]`);
    }
    reportWorst(t);
  });

  it('gives the same bits on every run, and keeps working after the wasm heap grows', () => {
    const rng = new Random(7);
    const x = tf.tensor4d(normals(rng, [4, 14, 14, 5]), [4, 14, 14, 5]);
    const f = tf.tensor4d(normals(rng, [5, 5, 5, 3]), [5, 5, 5, 3]);
    const step = () =>
      tf.tidy(() => {
        const y = tf.conv2d(x, f, 1, 'same');
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.maxPool(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')), 2, 2, 'valid')),
        )([x, f]);
        return [dx, df, tf.sum(y, [0, 1, 2])].map((t) => Float32Array.from(t.dataSync()));
      });
    const first = step();
    assert.deepEqual(step(), first);
    const heap = heapBytes();
    const big = tf.zeros([heap / 4 + 1]); // more than the whole heap: it must grow
    assert.ok(heapBytes() > heap, 'the heap did not grow');
    assert.deepEqual(step(), first);
    tf.dispose([x, f, big]);
  });

  it('leaves no tensor behind, in the engine or in the wasm heap', () => {
    const x = tf.randomNormal([3, 9, 7, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
    const grey = tf.randomNormal([3, 9, 7, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const f = tf.randomNormal([5, 5, 1, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
    const cases: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
      [
        'maxPool 2x2 dx, odd sizes',
        () => tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(x),
      ],
      ['sum over leading axes', () => tf.sum(x, [0, 1, 2])],
      [
        'conv2d filter gradient, one channel',
        () => tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(grey, w as tf.Tensor4D, 1, 'same')))(f),
      ],
    ];
    for (const [name, fn] of cases) {
      tf.dispose(fn());
      const before = backendDataIds();
      expectNoLeak(fn, name);
      assert.equal(backendDataIds(), before, `${name} left data in the wasm heap`);
    }
    tf.dispose([x, grey, f]);
  });
});
