// The wasm Backend: its kernel table over one runtime, and the choice between it and the reference backend.

import { chooseBackend, jsBackend, setBackend, type Backend, type Kernel } from '@chainrule/core';
import { instantiate, type WasmRuntime } from './runtime.js';
import { wasmUnsupported } from './simd.js';
import { matmulKernel } from './matmul.js';
import { elementwiseKernels } from './elementwise.js';
import { reduceKernels } from './reduce.js';
import { convKernels } from './conv.js';
import { poolKernels } from './pool.js';

/** A Backend whose kernels run in WebAssembly, with the runtime they share (for a compiler's use). */
export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  /** The module instance and memory the kernels run in; see docs/backends.md for running kernels on buffers in it. */
  readonly runtime: WasmRuntime;
}

const kernelTable = (rt: WasmRuntime): Record<string, Kernel> => ({
  'core.matmul': matmulKernel(rt),
  ...elementwiseKernels(rt),
  ...reduceKernels(rt),
  ...convKernels(rt),
  ...poolKernels(rt),
});

/**
 * Creates the wasm backend: compiles the SIMD kernel module and instantiates it over its own
 * growing memory. Throws an Error saying why when this engine lacks WebAssembly SIMD.
 *
 * @example
 * const wasm = createWasmBackend()
 * withBackend(wasm, () => matmul(a, b))
 */
export const createWasmBackend = (): WasmBackend => {
  const why = wasmUnsupported();
  if (why !== undefined) throw new Error(`the wasm backend cannot load: ${why}`);
  const runtime = instantiate();
  return Object.freeze({ name: 'wasm', kernels: Object.freeze(kernelTable(runtime)), runtime });
};

let shared: WasmBackend | undefined;
let failure: string | undefined;
let noted = false;

/**
 * The process's wasm backend (created on first use), or undefined with one note on the
 * console when it cannot load here (no WebAssembly SIMD, or a browser main thread that
 * refuses to compile synchronously).
 *
 * @example
 * const wasm = wasmBackend() ?? jsBackend
 */
export const wasmBackend = (): WasmBackend | undefined => {
  if (shared !== undefined) return shared;
  if (failure === undefined) {
    try {
      shared = createWasmBackend();
      return shared;
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
  }
  if (!noted) {
    noted = true;
    console.warn(`chainrule: ${failure}; using the js backend`);
  }
  return undefined;
};

/**
 * The best backend this process can run: wasm where it loads, else js; `CHAINRULE_BACKEND=js|wasm`
 * overrides (an unknown name is an error listing the known ones).
 *
 * @example
 * setBackend(bestBackend())
 */
export const bestBackend = (env?: string): Backend => {
  const wasm = wasmBackend();
  return chooseBackend(wasm === undefined ? [jsBackend] : [wasm, jsBackend], env ?? envBackend());
};

/**
 * Makes {@link bestBackend} the process default and returns it.
 *
 * @example
 * installBestBackend().name // 'wasm' in Node 20
 */
export const installBestBackend = (env?: string): Backend => {
  const b = bestBackend(env);
  setBackend(b);
  return b;
};

/** The names a process can choose from, best first. */
export const knownBackendNames = (): readonly string[] => (wasmBackend() === undefined ? ['js'] : ['wasm', 'js']);

const envBackend = (): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CHAINRULE_BACKEND;
