import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { DeepmetricError } from '../../errors.js';
import { fileUrlPath } from '../../io/file-url-path.js';
import { nodeModule } from '../../io/node-module.js';

/**
 * deepmetric's WebAssembly SIMD kernels (assembly/kernels.ts, built by `npm run build:wasm`),
 * running in place on the wasm backend's heap: every pointer is a byte offset on that heap
 * (`heapOffset`), every size a count of elements. See assembly/kernels.ts for what each computes.
 */
export interface SimdKernels {
  sumRows(x: number, out: number, rows: number, size: number): void;
  maxPoolGrad2x2(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
  ): void;
  fillPatchRows(
    x: number,
    patches: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
    strideH: number,
    strideW: number,
    filterH: number,
    filterW: number,
    padTop: number,
    padLeft: number,
  ): void;
  adamStep(
    w: number,
    m: number,
    v: number,
    g: number,
    wOut: number,
    mOut: number,
    vOut: number,
    size: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    c1: number,
    c2: number,
    epsilon: number,
    negLr: number,
  ): void;
  transposedProduct(a: number, b: number, out: number, rows: number, m: number, n: number, accumulate: number): void;
  winogradInputTiles(
    x: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    tilesH: number,
    tilesW: number,
    step: number,
    padTop: number,
    padLeft: number,
    outs: number,
    scratch: number,
  ): void;
  winogradTiles(
    x: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    tilesH: number,
    tilesW: number,
    step: number,
    size: number,
    matrix: number,
    outs: number,
    scratch: number,
  ): void;
  winogradSums(as: number, bs: number, sums: number, rows: number, m: number, n: number, accumulate: number): void;
  winogradUntiles(
    ins: number,
    y: number,
    batch: number,
    outH: number,
    outW: number,
    channels: number,
    tilesH: number,
    tilesW: number,
    size: number,
    bias: number,
    relu: number,
    scratch: number,
  ): void;
}

/** The same from src/ (tests) and dist/ (the package): both sit three folders below the package root. */
const WASM_FILE = new URL('../../../build/kernels.wasm', import.meta.url);

let compiled: WebAssembly.Module | undefined;
/** One instance per backend: a worker thread's backend has its own heap. */
const instances = new WeakMap<BackendWasm, SimdKernels>();

/**
 * The SIMD kernels bound to `backend`'s memory, instantiated on first use. The module imports
 * that memory instead of owning one, so heap growth keeps every offset valid, and it has no data
 * segment or start function that would write into tfjs's heap when instantiated (tested).
 *
 * @example
 * simdKernels(scope.backend).sumRows(heapOffset(scope.backend, x), heapOffset(scope.backend, out), rows, size);
 */
export function simdKernels(backend: BackendWasm): SimdKernels {
  let kernels = instances.get(backend);
  if (kernels === undefined) {
    kernels = new WebAssembly.Instance(compileKernels(), { env: { memory: backendMemory(backend) } })
      .exports as unknown as SimdKernels;
    instances.set(backend, kernels);
  }
  return kernels;
}

function compileKernels(): WebAssembly.Module {
  if (compiled === undefined) {
    let bytes: Uint8Array<ArrayBuffer>;
    const { readFileSync } = nodeModule('node:fs');
    try {
      bytes = new Uint8Array(readFileSync(fileUrlPath(WASM_FILE)));
    } catch (cause) {
      throw new DeepmetricError(
        'backend',
        `deepmetric's SIMD kernels (${WASM_FILE.pathname}) are missing: run \`npm run build:wasm\`.`,
        { cause },
      );
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/**
 * tfjs-backend-wasm types its emscripten module without `asm`, where emscripten keeps the
 * instance's exports, and `HEAPU8`, the view tfjs reads tensors through: the memory must be HEAPU8's.
 */
function backendMemory(backend: BackendWasm): WebAssembly.Memory {
  const wasm = backend.wasm as unknown as { asm?: { memory?: unknown }; HEAPU8?: Uint8Array };
  const memory = wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || memory.buffer !== wasm.HEAPU8?.buffer) {
    throw new DeepmetricError(
      'backend',
      "deepmetric's SIMD kernels could not find the wasm backend's memory (`wasm.asm.memory`); this tfjs-backend-wasm is not 4.22.",
    );
  }
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) {
    throw new DeepmetricError(
      'backend',
      "deepmetric's SIMD kernels do not support the multithreaded wasm backend (shared memory); start it single-threaded.",
    );
  }
  return memory;
}
