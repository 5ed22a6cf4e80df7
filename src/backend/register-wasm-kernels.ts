/**
 * Gradient kernels that the wasm backend lacks, registered for it once. The kernels themselves
 * live in their own files; this list is filled as they are written.
 */
let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
}
