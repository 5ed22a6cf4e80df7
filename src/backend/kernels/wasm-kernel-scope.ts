import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { DeepmetricError } from '../../errors.js';
import { tf } from '../../tf.js';

/**
 * Runs the wasm backend's own kernels from inside a kernel and frees every intermediate they
 * made when the kernel returns or throws: the `tf.tidy` of kernel code, where tensors are bare
 * `TensorInfo`s the engine does not track.
 *
 * @example
 * const t = scope.transpose(x, [3, 1, 2, 0]);
 * const y = scope.run('Conv2D', { x: t, filter }, attrs);
 * return y; // wasmKernelConfig frees `t`, keeps `y`
 */
export class WasmKernelScope {
  private readonly made: tf.TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  /** Runs the wasm kernel registered as `kernelName` and returns its single output. */
  run(kernelName: string, inputs: Record<string, tf.TensorInfo>, attrs: object = {}): tf.TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm') as tf.KernelConfig | undefined;
    if (kernel === undefined) {
      throw new DeepmetricError(
        'backend',
        `The wasm backend has no ${kernelName} kernel, which deepmetric's wasm gradient kernels are built from.`,
      );
    }
    return this.runConfig(kernel, inputs, attrs);
  }

  /**
   * Runs the kernel `config` (not necessarily the registered one: a replacement kernel delegates
   * to the tfjs kernel it replaced this way) and returns its single output.
   */
  runConfig(config: tf.KernelConfig, inputs: Record<string, tf.TensorInfo>, attrs: object = {}): tf.TensorInfo {
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap });
    const outputs = Array.isArray(out) ? out : [out];
    this.made.push(...outputs);
    if (outputs.length !== 1) {
      throw new DeepmetricError(
        'backend',
        `The wasm ${config.kernelName} kernel returned ${outputs.length} outputs; one was expected.`,
      );
    }
    return outputs[0];
  }

  /** A new tensor of `shape` on the wasm heap, its values not initialized: fill them through `view`. */
  output(shape: number[], dtype: 'float32' | 'int32'): tf.TensorInfo {
    const info = this.backend.makeOutput(shape, dtype);
    this.made.push(info);
    return info;
  }

  /**
   * A view of `x`'s values on the wasm heap (no copy). Take views only after the kernel's last
   * allocation: growing the heap detaches the views taken before.
   */
  view(x: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
    return this.backend.typedArrayFromHeap(x) as Float32Array | Int32Array | Uint8Array;
  }

  /** A new int32 tensor holding `values`. */
  int32(values: readonly number[], shape: number[]): tf.TensorInfo {
    const info = this.backend.makeOutput(shape, 'int32', undefined, Int32Array.from(values));
    this.made.push(info);
    return info;
  }

  /** A new float32 tensor holding `values`. */
  float32(values: ArrayLike<number>, shape: number[]): tf.TensorInfo {
    const info = this.backend.makeOutput(shape, 'float32', undefined, Float32Array.from(values));
    this.made.push(info);
    return info;
  }

  /** Frees `infos`, made by this scope and no longer needed, before the kernel returns. */
  release(infos: tf.TensorInfo[]): void {
    for (const info of infos) {
      const at = this.made.indexOf(info);
      if (at < 0)
        throw new DeepmetricError('backend', 'WasmKernelScope.release: the tensor was not made by this scope.');
      this.made.splice(at, 1);
      this.backend.disposeData(info.dataId);
    }
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** The box of `x` starting at `begin` with extent `size`; `x` itself when the box is all of it. */
  crop(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /**
   * Frees everything this scope made except `keep`. Data that `keep` shares with an intermediate
   * (a reshape) survives through the backend's refcount; `keep` being an input of the kernel gets
   * one more reference, since the engine will dispose the output and the input separately.
   */
  close(keep?: tf.TensorInfo): void {
    if (keep !== undefined && !this.made.includes(keep)) this.backend.incRef(keep.dataId);
    for (const info of this.made) {
      if (info !== keep) this.backend.disposeData(info.dataId);
    }
    this.made.length = 0;
  }
}

/**
 * A wasm `KernelConfig` whose function gets typed inputs and attributes and a `WasmKernelScope`.
 * The casts from tfjs's untyped maps live here only; the kernel name fixes what they hold.
 *
 * @example
 * export const squareConfig = wasmKernelConfig<tf.SquareInputs, object>('Square', (scope, { x }) =>
 *   scope.run('Multiply', { a: x, b: x }),
 * );
 */
export function wasmKernelConfig<Inputs, Attrs>(
  kernelName: string,
  fn: (scope: WasmKernelScope, inputs: { [K in keyof Inputs]-?: tf.TensorInfo }, attrs: Attrs) => tf.TensorInfo,
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: scopedKernelFunc(kernelName, fn),
  };
}

/**
 * How deepmetric replaces a kernel tfjs-backend-wasm has but runs slowly: `replace` takes the
 * registered tfjs config and returns deepmetric's, which keeps the original's `setupFunc` (the
 * engine calls it when the backend starts, and the original needs it to run) and may delegate
 * to the original (`scope.runConfig(original, ...)`) for the cases it does not speed up.
 */
export interface WasmKernelReplacement {
  kernelName: string;
  replace(original: tf.KernelConfig): tf.KernelConfig;
}

/**
 * A `WasmKernelReplacement` whose function gets typed inputs and attributes, a `WasmKernelScope`
 * and the tfjs config it replaces.
 *
 * @example
 * export const squareReplacement = wasmKernelReplacement<tf.SquareInputs, object>('Square', (scope, { x }, attrs, original) =>
 *   x.dtype === 'float32' ? scope.run('Multiply', { a: x, b: x }) : scope.runConfig(original, { x }, attrs),
 * );
 */
export function wasmKernelReplacement<Inputs, Attrs>(
  kernelName: string,
  fn: (
    scope: WasmKernelScope,
    inputs: { [K in keyof Inputs]-?: tf.TensorInfo },
    attrs: Attrs,
    original: tf.KernelConfig,
  ) => tf.TensorInfo,
): WasmKernelReplacement {
  return {
    kernelName,
    replace: (original) => ({
      kernelName,
      backendName: 'wasm',
      setupFunc: original.setupFunc,
      disposeFunc: original.disposeFunc,
      kernelFunc: scopedKernelFunc<Inputs, Attrs>(kernelName, (scope, inputs, attrs) =>
        fn(scope, inputs, attrs, original),
      ),
    }),
  };
}

function scopedKernelFunc<Inputs, Attrs>(
  kernelName: string,
  fn: (scope: WasmKernelScope, inputs: { [K in keyof Inputs]-?: tf.TensorInfo }, attrs: Attrs) => tf.TensorInfo,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    if (!(backend instanceof BackendWasm)) {
      throw new DeepmetricError('backend', `deepmetric's ${kernelName} kernel runs on the wasm backend only.`);
    }
    const scope = new WasmKernelScope(backend);
    let result: tf.TensorInfo | undefined;
    try {
      // tfjs types every input as optional; the engine passes the ones the kernel name defines.
      result = fn(
        scope,
        inputs as unknown as { [K in keyof Inputs]-?: tf.TensorInfo },
        (attrs ?? {}) as unknown as Attrs,
      );
      return result;
    } finally {
      scope.close(result);
    }
  };
}
