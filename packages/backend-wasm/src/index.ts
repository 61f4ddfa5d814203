// @chainrule/backend-wasm: WebAssembly SIMD kernels for chainrule, and the choice of the best backend.

export { createWasmBackend, wasmBackend, bestBackend, installBestBackend, knownBackendNames, type WasmBackend } from './backend.js';
export { wasmUnsupported } from './simd.js';
export { WasmRuntime, Frame, instantiate, type KernelExports } from './runtime.js';
