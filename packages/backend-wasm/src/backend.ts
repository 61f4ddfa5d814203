// The wasm Backend: its kernel table over one runtime, and the choice between it and the reference backend.

import { chooseBackend, jsBackend, setBackend, type Backend, type Kernel } from '@chainrule/core';
import { instantiate, type RuntimeOptions, type WasmRuntime } from './runtime.js';
import { canBlock } from './threads.js';
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

/** Options of {@link createWasmBackend}. */
export interface WasmBackendOptions extends RuntimeOptions {
  /**
   * Threads that split matmul and conv by output tiles (default: {@link defaultThreads}).
   * More than one needs SharedArrayBuffer (a cross-origin-isolated page) and a thread that
   * may block (Node, or a worker); otherwise an Error says which is missing.
   */
  readonly threads?: number;
}

/**
 * The threads a backend uses by default: the available cores in Node; in a browser worker of
 * a cross-origin-isolated page, navigator.hardwareConcurrency; else 1.
 *
 * @example
 * defaultThreads() // 2 on a two-core machine
 */
export const defaultThreads = (): number => {
  const g = globalThis as {
    process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
    navigator?: { hardwareConcurrency?: number };
    crossOriginIsolated?: boolean;
  };
  if (g.process?.versions?.node !== undefined && typeof g.process.getBuiltinModule === 'function') {
    const os = g.process.getBuiltinModule('node:os') as { availableParallelism?: () => number } | undefined;
    return Math.max(1, os?.availableParallelism?.() ?? 1);
  }
  if (g.crossOriginIsolated === true && canBlock()) return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
  return 1;
};

/**
 * Creates a wasm backend: compiles the SIMD kernel module and instantiates it over its own
 * growing memory, with a worker pool over a shared memory when `threads` > 1. Throws an Error
 * saying why when this engine lacks WebAssembly SIMD or cannot run threads.
 * Nothing needs disposing; the workers never keep a process alive.
 *
 * @example
 * const wasm = createWasmBackend({ threads: 2 })
 * withBackend(wasm, () => matmul(a, b))
 */
export const createWasmBackend = (options: WasmBackendOptions = {}): WasmBackend => {
  const why = wasmUnsupported();
  if (why !== undefined) throw new Error(`the wasm backend cannot load: ${why}`);
  const threads = options.threads ?? defaultThreads();
  if (threads > 1 && typeof SharedArrayBuffer === 'undefined') {
    throw new Error(`the wasm backend cannot run ${threads} threads: SharedArrayBuffer is missing (serve the page cross-origin isolated, with COOP/COEP headers), use threads: 1`);
  }
  if (threads > 1 && !canBlock()) {
    throw new Error(`the wasm backend cannot run ${threads} threads on this thread: it may not block in Atomics.wait (a page's main thread); run it in a worker or use threads: 1`);
  }
  const runtime = instantiate({ ...options, threads });
  return Object.freeze({ name: 'wasm', kernels: Object.freeze(kernelTable(runtime)), runtime });
};

/**
 * Creates a wasm backend and waits until its workers have started: the way to get a
 * multi-threaded backend in a browser worker, where workers start only once the creating
 * thread yields. In Node, createWasmBackend alone is enough.
 *
 * @example
 * const wasm = await loadWasmBackend({ threads: navigator.hardwareConcurrency })
 */
export const loadWasmBackend = async (options: WasmBackendOptions = {}): Promise<WasmBackend> => {
  const b = createWasmBackend(options);
  await b.runtime.ready();
  return b;
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

/**
 * Like {@link installBestBackend} without installing, for a browser worker: waits for the
 * wasm backend's workers to start (threads only in a cross-origin-isolated page), and falls
 * back to js with one note when wasm cannot load. `CHAINRULE_BACKEND` is honoured where a
 * process environment exists.
 *
 * @example
 * const backend = await loadBestBackend()
 * setBackend(backend)
 */
export const loadBestBackend = async (options: WasmBackendOptions = {}): Promise<Backend> => {
  const env = envBackend();
  if (env === 'js') return jsBackend;
  let wasm = shared;
  if (wasm === undefined) {
    try {
      wasm = await loadWasmBackend(options);
    } catch {
      // Threads could not start: one thread still beats js; if even that fails, wasmBackend notes why.
      try {
        wasm = createWasmBackend({ ...options, threads: 1 });
      } catch {
        wasm = wasmBackend();
      }
    }
  }
  shared ??= wasm;
  return chooseBackend(wasm === undefined ? [jsBackend] : [wasm, jsBackend], env);
};

/**
 * The names a process can choose from, best first.
 *
 * @example
 * knownBackendNames() // ['wasm', 'js'] where wasm loads
 */
export const knownBackendNames = (): readonly string[] => (wasmBackend() === undefined ? ['js'] : ['wasm', 'js']);

const envBackend = (): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CHAINRULE_BACKEND;

/**
 * A short description of a backend for people: its name, and its threads for wasm.
 *
 * @example
 * describeBackend(createWasmBackend({ threads: 2 })) // 'wasm (2 threads)'
 * describeBackend(jsBackend)                          // 'js'
 */
export const describeBackend = (b: Backend): string => {
  const rt = (b as Partial<WasmBackend>).runtime;
  return rt === undefined ? b.name : `${b.name} (${rt.threads} thread${rt.threads === 1 ? '' : 's'})`;
};
