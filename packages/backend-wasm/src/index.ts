// @chainrule/backend-wasm: WebAssembly SIMD kernels for chainrule, and the choice of the best backend.

export { createWasmBackend, loadWasmBackend, defaultThreads, wasmBackend, bestBackend, installBestBackend, loadBestBackend, knownBackendNames, describeBackend, type WasmBackend, type WasmBackendOptions } from './backend.js';
export { ThreadPool, splitRange, canBlock, type Job } from './threads.js';
export { wasmUnsupported } from './simd.js';
export { WasmRuntime, Frame, instantiate, type KernelExports, type RuntimeOptions } from './runtime.js';
