import { tf } from '../../tf.js';
import { heapOffset } from './heap-offset.js';
import { simdKernels } from './simd-kernels.js';
import { winogradMatrices } from './winograd-matrices.js';
import type { WasmKernelScope } from './wasm-kernel-scope.js';

/**
 * Winograd convolutions for the wasm backend: a 5 x 5 convolution as F(2, 5) and a 3 x 3 one as
 * F(4, 3), both on 6 x 6 tiles, multiply 2.8× and 4× less than the direct one XNNPACK runs. The
 * tile transforms are WebAssembly SIMD loops (assembly/winograd.ts); the 36 products between
 * them, one per tile element, are XNNPACK matrix products.
 */
const TILE = 6;

/**
 * About 1M float32 values (4 MB) of transformed tiles per chunk of images: measured on convnet's
 * second layer at batches of 64 and 256, smaller chunks make too many small products for XNNPACK
 * (each call has a cost), larger ones leave the tiles out of cache by the time the next step reads them.
 */
const CHUNK_VALUES = 2 ** 20;

/**
 * Below this inChannels · outChannels the transforms cost as much as the multiplications they
 * save: measured on a training step, 32 -> 64 channels runs 25–30% faster, 16 -> 32 no faster at
 * a worker's 40–64 images (0.95–1.04).
 */
const MIN_CHANNEL_PRODUCT = 1024;

/**
 * From this batch on, 16 -> 32 channels pays too: the filter transform and the products' calls
 * are spread over more tiles (a forward pass of 256 images, as the health probe and `embed` run
 * it: 0.77–0.87 of XNNPACK's time).
 */
const LARGE_BATCH = 128;

/**
 * Whether a convolution runs as Winograd here: stride 1, no dilation, a square 3 x 3 or 5 x 5
 * filter, channel counts that are multiples of 4 (the SIMD width) and enough of them
 * (`MIN_CHANNEL_PRODUCT`, half as many from `LARGE_BATCH` images on).
 */
export function winogradFits(info: tf.backend_util.Conv2DInfo): boolean {
  const r = info.filterHeight;
  return (
    (r === 3 || r === 5) &&
    info.filterWidth === r &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.inChannels % 4 === 0 &&
    info.outChannels % 4 === 0 &&
    info.inChannels * info.outChannels >=
      (info.batchSize >= LARGE_BATCH ? MIN_CHANNEL_PRODUCT / 2 : MIN_CHANNEL_PRODUCT)
  );
}

/**
 * A stride-1 correlation with an r x r filter whose output (i, j) reads x from row i − padTop,
 * column j − padLeft; then, as a fused convolution does, a `[outChannels]` bias added and ReLU.
 */
export interface CorrelationGeometry {
  filterSize: number;
  outHeight: number;
  outWidth: number;
  padTop: number;
  padLeft: number;
  bias?: tf.TensorInfo;
  relu?: boolean;
}

/**
 * `tf.conv2d(x, filter)` for a convolution that `winogradFits`, with a fused convolution's bias
 * and ReLU when given.
 */
export function winogradConv2D(
  scope: WasmKernelScope,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  epilogue: { bias?: tf.TensorInfo; relu?: boolean } = {},
): tf.TensorInfo {
  return winogradCorrelation(scope, x, winogradFilterTiles(scope, filter, false), {
    filterSize: info.filterHeight,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    ...epilogue,
  });
}

/**
 * `y[b, i, j, k] = Σ_{r, q, c} x[b, i + r − padTop, j + q − padLeft, c] · f[r, q, c, k]` (x is 0
 * outside), with f given as its 36 transformed tiles (`winogradFilterTiles`). Output tiles of
 * m x m: x's 6 x 6 windows are transformed to `Bᵀ d B`, multiplied with the filter's tiles as 36
 * `[tiles, inChannels] x [inChannels, outChannels]` products, and transformed back by `Aᵀ · A`.
 */
export function winogradCorrelation(
  scope: WasmKernelScope,
  x: tf.TensorInfo,
  filterTiles: tf.TensorInfo[],
  { filterSize: r, outHeight, outWidth, padTop, padLeft, bias, relu = false }: CorrelationGeometry,
): tf.TensorInfo {
  const [batch, inHeight, inWidth, inChannels] = x.shape;
  const outChannels = filterTiles[0].shape[2];
  const m = TILE - r + 1;
  const tilesH = Math.ceil(outHeight / m);
  const tilesW = Math.ceil(outWidth / m);
  const kernels = simdKernels(scope.backend);
  const scratch = heapOffset(scope.backend, scope.output([TILE * TILE * 4], 'float32'));
  const y = scope.output([batch, outHeight, outWidth, outChannels], 'float32');
  const biasAt = bias === undefined ? 0 : heapOffset(scope.backend, bias);
  // A few images at a time, so that the transformed tiles stay in cache between the three steps.
  const images = chunkImages(tilesH * tilesW, Math.max(inChannels, outChannels));
  for (let first = 0; first < batch; first += images) {
    const count = Math.min(images, batch - first);
    const inputTiles = tileTensors(scope, [1, count * tilesH * tilesW, inChannels]);
    kernels.winogradInputTiles(
      heapOffset(scope.backend, x) + first * inHeight * inWidth * inChannels * 4,
      count,
      inHeight,
      inWidth,
      inChannels,
      tilesH,
      tilesW,
      m,
      padTop,
      padLeft,
      offsets(scope, inputTiles),
      scratch,
    );
    const products = inputTiles.map((a, i) =>
      scope.run('BatchMatMul', { a, b: filterTiles[i] }, { transposeA: false, transposeB: false }),
    );
    kernels.winogradUntiles(
      offsets(scope, products),
      heapOffset(scope.backend, y) + first * outHeight * outWidth * outChannels * 4,
      count,
      outHeight,
      outWidth,
      outChannels,
      tilesH,
      tilesW,
      m,
      biasAt,
      relu ? 1 : 0,
      scratch,
    );
    scope.release([...inputTiles, ...products]);
  }
  return y;
}

/**
 * The 36 tiles `G g Gᵀ` of an `[r, r, inChannels, outChannels]` filter, each `[1, inChannels,
 * outChannels]`. With `transposed`, those of the filter a transposed convolution (the input
 * gradient) correlates with: flipped in space, its channel axes swapped, `[1, outChannels, inChannels]`.
 */
export function winogradFilterTiles(
  scope: WasmKernelScope,
  filter: tf.TensorInfo,
  transposed: boolean,
): tf.TensorInfo[] {
  const [r, , inChannels, outChannels] = filter.shape;
  const { G } = winogradMatrices(TILE - r + 1, r);
  const g = transposed ? scope.transpose(filter, [0, 1, 3, 2]) : filter;
  // Flipping g is reversing the columns of G: (G J) g (G J)ᵀ = G (J g J) Gᵀ.
  const rows = transposed ? G.map((row) => [...row].reverse()) : G;
  const tiles = tileTensors(scope, transposed ? [1, outChannels, inChannels] : [1, inChannels, outChannels]);
  const scratch = scope.output([TILE * TILE * 4], 'float32');
  // The filter is one r x r "image" whose channels are its inChannels · outChannels columns.
  simdKernels(scope.backend).winogradTiles(
    heapOffset(scope.backend, g),
    1,
    r,
    r,
    inChannels * outChannels,
    1,
    1,
    0,
    r,
    matrix(scope, rows),
    offsets(scope, tiles),
    heapOffset(scope.backend, scratch),
  );
  return tiles;
}

/**
 * The filter gradient of a stride-1 correlation,
 * `dW[r, q, c, k] = Σ_{b, i, j} x[b, i + r − padTop, j + q − padLeft, c] · dy[b, i, j, k]`, by the
 * dual algorithm F(r, m): dy in m x m tiles (the taps), x in the 6 x 6 windows under them (the
 * input), one `[tiles, inChannels]ᵀ x [tiles, outChannels]` product per tile element summing over
 * every tile of the batch (`winogradSums`, chunk by chunk of images), then one transform of the
 * sums back to r x r.
 */
export function winogradFilterGradient(
  scope: WasmKernelScope,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: [number, number, number, number],
  padTop: number,
  padLeft: number,
): tf.TensorInfo {
  const [batch, inHeight, inWidth, inChannels] = x.shape;
  const [, outHeight, outWidth, outChannels] = dy.shape;
  const [r] = filterShape;
  const m = TILE - r + 1;
  const { G } = winogradMatrices(r, m);
  const tilesH = Math.ceil(outHeight / m);
  const tilesW = Math.ceil(outWidth / m);
  const kernels = simdKernels(scope.backend);
  const scratch = heapOffset(scope.backend, scope.output([TILE * TILE * 4], 'float32'));
  const images = chunkImages(tilesH * tilesW, inChannels + outChannels);
  const tiles = Math.min(images, batch) * tilesH * tilesW;
  const xTiles = offsets(scope, tileTensors(scope, [1, tiles, inChannels]));
  const dyTiles = offsets(scope, tileTensors(scope, [1, tiles, outChannels]));
  const dyTransform = matrix(scope, G);
  const sums = scope.output([TILE * TILE, inChannels, outChannels], 'float32');
  for (let first = 0; first < batch; first += images) {
    const count = Math.min(images, batch - first);
    kernels.winogradInputTiles(
      heapOffset(scope.backend, x) + first * inHeight * inWidth * inChannels * 4,
      count,
      inHeight,
      inWidth,
      inChannels,
      tilesH,
      tilesW,
      m,
      padTop,
      padLeft,
      xTiles,
      scratch,
    );
    kernels.winogradTiles(
      heapOffset(scope.backend, dy) + first * outHeight * outWidth * outChannels * 4,
      count,
      outHeight,
      outWidth,
      outChannels,
      tilesH,
      tilesW,
      m,
      m,
      dyTransform,
      dyTiles,
      scratch,
    );
    kernels.winogradSums(
      xTiles,
      dyTiles,
      heapOffset(scope.backend, sums),
      count * tilesH * tilesW,
      inChannels,
      outChannels,
      first > 0 ? 1 : 0,
    );
  }
  const sumsAt = heapOffset(scope.backend, sums);
  const sumBytes = inChannels * outChannels * 4;
  const dW = scope.output(filterShape, 'float32');
  // The 36 sums are one tile whose channels are the filter's inChannels · outChannels columns.
  kernels.winogradUntiles(
    heapOffset(
      scope.backend,
      scope.int32(
        Array.from({ length: TILE * TILE }, (_, i) => sumsAt + i * sumBytes),
        [TILE * TILE],
      ),
    ),
    heapOffset(scope.backend, dW),
    1,
    r,
    r,
    inChannels * outChannels,
    1,
    1,
    r,
    0,
    0,
    scratch,
  );
  return dW;
}

/** How many images of `tilesPerImage` tiles, `channels` values each, make a chunk of about `CHUNK_VALUES` tile values. */
function chunkImages(tilesPerImage: number, channels: number): number {
  return Math.max(1, Math.floor(CHUNK_VALUES / (TILE * TILE * tilesPerImage * channels)));
}

function tileTensors(scope: WasmKernelScope, shape: number[]): tf.TensorInfo[] {
  return Array.from({ length: TILE * TILE }, () => scope.output(shape, 'float32'));
}

function offsets(scope: WasmKernelScope, tensors: tf.TensorInfo[]): number {
  return heapOffset(
    scope.backend,
    scope.int32(
      tensors.map((t) => heapOffset(scope.backend, t)),
      [tensors.length],
    ),
  );
}

/** `rows` as a 6 x 6 float32 row-major matrix on the heap, zero past its columns. */
function matrix(scope: WasmKernelScope, rows: number[][]): number {
  const values = new Float32Array(TILE * TILE);
  rows.forEach((row, i) => values.set(row, i * TILE));
  return heapOffset(scope.backend, scope.float32(values, [TILE * TILE]));
}
