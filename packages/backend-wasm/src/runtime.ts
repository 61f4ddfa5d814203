// The loaded kernel module: its memory, its exports, and the arena that eager kernel calls copy through.

import type { FloatArray } from '@chainrule/core';
import { kernelsBase64, kernelsSharedBase64 } from './generated/kernels-wasm.js';
import { SLOT_BYTES, ThreadPool, type Job } from './threads.js';

/** The functions the AssemblyScript module exports (byte addresses and sizes, see assembly/). */
export interface KernelExports {
  readonly heapBase: () => number;
  readonly matmulScratchBytes: (size: number) => number;
  readonly matmulF32: (a: number, b: number, c: number, m: number, k: number, n: number, transA: number, transB: number, i0: number, i1: number, scratch: number) => void;
  readonly matmulF64: (a: number, b: number, c: number, m: number, k: number, n: number, transA: number, transB: number, i0: number, i1: number, scratch: number) => void;
  readonly unaryF32: (op: number, x: number, y: number, n: number, alpha: number) => void;
  readonly unaryF64: (op: number, x: number, y: number, n: number, alpha: number) => void;
  readonly binaryF32: (op: number, a: number, aRows: number, aStep: number, b: number, bRows: number, bStep: number, out: number, rows: number, w: number) => void;
  readonly binaryF64: (op: number, a: number, aRows: number, aStep: number, b: number, bRows: number, bStep: number, out: number, rows: number, w: number) => void;
  readonly reduceF32: (op: number, x: number, out: number, outer: number, len: number, inner: number, acc: number) => void;
  readonly reduceF64: (op: number, x: number, out: number, outer: number, len: number, inner: number, acc: number) => void;
  readonly softmaxF32: (x: number, out: number, outer: number, len: number, inner: number, log: number) => void;
  readonly softmaxF64: (x: number, out: number, outer: number, len: number, inner: number, log: number) => void;
  readonly convChunkRows: (taps: number) => number;
  readonly conv2dF32: ConvCall;
  readonly conv2dF64: ConvCall;
  readonly conv2dInputF32: ConvCall;
  readonly conv2dInputF64: ConvCall;
  readonly conv2dFilterF32: (x: number, dy: number, acc: number, geom: number, r0: number, r1: number, col: number, part: number, scratch: number) => void;
  readonly conv2dFilterF64: (x: number, dy: number, acc: number, geom: number, r0: number, r1: number, col: number, part: number, scratch: number) => void;
  readonly fromF64: (src: number, dst: number, n: number, f32: number) => void;
  readonly maxPoolF32: MaxPoolCall;
  readonly maxPoolF64: MaxPoolCall;
  readonly poolScatterF32: (dy: number, argmax: number, m: number, dx: number, xSize: number) => void;
  readonly poolScatterF64: (dy: number, argmax: number, m: number, dx: number, xSize: number) => void;
  readonly poolGatherF32: (v: number, argmax: number, m: number, out: number) => void;
  readonly poolGatherF64: (v: number, argmax: number, m: number, out: number) => void;
  readonly avgPoolF32: AvgPoolCall;
  readonly avgPoolF64: AvgPoolCall;
}

/** conv2d forward (a = x, b = w, c = y, range = output rows) or input gradient (a = dy, b = w, c = dx, range = images). */
type ConvCall = (a: number, b: number, c: number, geom: number, from: number, to: number, col: number, scratch: number) => void;
type MaxPoolCall = (x: number, out: number, argmax: number, n: number, h: number, w: number, c: number, oh: number, ow: number, rows: number, cols: number) => void;
type AvgPoolCall = (src: number, dst: number, n: number, h: number, w: number, c: number, oh: number, ow: number, rows: number, cols: number, acc: number, grad: number) => void;

const PAGE = 65536;
const ALIGN = 64;

/** Rounds a byte address up to the arena's alignment (a cache line, so v128 loads never split one). */
export const align = (p: number): number => Math.ceil(p / ALIGN) * ALIGN;

/**
 * One instance of the kernel module and its linear memory, and the worker pool when it has
 * more than one thread. Eager kernel calls lay their inputs, output and scratch out from
 * `base` on (a bump arena reset by every call), growing the memory when a call needs more;
 * nothing is ever freed by hand, and the memory stays at its high-water mark, so repeated
 * calls of one size leave it flat.
 *
 * @example
 * const rt = instantiate({ threads: 2 })
 * const f = new Frame(rt); const p = f.take(1024); f.commit() // 1024 bytes at p until the next call
 */
export class WasmRuntime {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  /** How many threads split the large kernels (1: no workers). */
  readonly threads: number;
  /** Per thread, where its matmul scratch (packed panels, sized for float64) lives. */
  readonly scratch: readonly number[];
  /** The first byte of the arena: after the static data, the pool's control block and the scratch. */
  readonly base: number;
  private readonly pool: ThreadPool | undefined;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, threads = 1, startTimeoutMs?: number) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.memory = memory;
    this.threads = threads;
    const slots = align(this.exports.heapBase());
    let p = align(slots + threads * SLOT_BYTES);
    const scratch: number[] = [];
    for (let t = 0; t < threads; t++) {
      scratch.push(p);
      p = align(p + this.exports.matmulScratchBytes(8));
    }
    this.scratch = scratch;
    this.base = p;
    this.ensure(this.base);
    const names = Object.keys(instance.exports).filter((k) => typeof (instance.exports as Record<string, unknown>)[k] === 'function');
    this.pool = threads > 1 ? new ThreadPool(module, memory, names, slots, threads, startTimeoutMs) : undefined;
  }

  /**
   * Runs kernel calls at once, jobs[t] on thread t (jobs.length ≤ threads), and returns when
   * all are done; with one thread, one after the other here.
   */
  parallel(jobs: readonly Job[]): void {
    const local = this.exports as unknown as Record<string, (...a: number[]) => void>;
    if (this.pool === undefined || jobs.length <= 1) {
      for (const j of jobs) local[j.fn](...j.args);
      return;
    }
    this.pool.run(jobs, local);
  }

  /** Resolves once the workers, if any, have started. */
  ready(): Promise<void> {
    return this.pool?.ready() ?? Promise.resolve();
  }

  /** Stops the worker pool, if any; later multi-threaded calls then fail with an error naming a worker. */
  terminate(): void {
    this.pool?.terminate();
  }

  /** Grows the memory so that bytes [0, end) exist. Only this runtime grows its memory, so its size is tracked here. */
  ensure(end: number): void {
    if (end <= this.size) return;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.size = this.memory.buffer.byteLength;
    this.views();
  }

  // Views over the whole memory, made again only when it grows (ensure): making a typed
  // array per copy measured as much as the copy itself for small tensors.
  private size = 0;
  private buffer: ArrayBufferLike | undefined;
  private f32 = new Float32Array(0);
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);

  private views(): void {
    const b = this.memory.buffer;
    if (b === this.buffer) return;
    this.size = b.byteLength;
    this.buffer = b;
    this.f32 = new Float32Array(b);
    this.f64 = new Float64Array(b);
    this.i32 = new Int32Array(b);
  }

  /** A view of `length` elements of `like`'s type at byte address `ptr` (valid until the memory grows). */
  view(like: FloatArray, ptr: number, length: number): FloatArray {
    return like instanceof Float64Array ? this.f64.subarray(ptr >>> 3, (ptr >>> 3) + length) : this.f32.subarray(ptr >>> 2, (ptr >>> 2) + length);
  }

  /** Copies `data` into memory at `ptr` (aligned to its element size). */
  put(data: FloatArray, ptr: number): void {
    if (data instanceof Float64Array) this.f64.set(data, ptr >>> 3);
    else this.f32.set(data, ptr >>> 2);
  }

  /** Copies an int32 table into memory at `ptr`. */
  putInt32(data: Int32Array, ptr: number): void {
    this.i32.set(data, ptr >>> 2);
  }

  /** Copies `out.length` elements at `ptr` into `out`. */
  get(out: FloatArray, ptr: number): void {
    const n = out.length;
    const src = out instanceof Float64Array ? this.f64 : this.f32;
    const at = out instanceof Float64Array ? ptr >>> 3 : ptr >>> 2;
    if (n <= 16) {
      for (let i = 0; i < n; i++) out[i] = src[at + i];
      return;
    }
    out.set(src.subarray(at, at + n));
  }
}

/**
 * Lays out one call's buffers in the arena: `take` hands out aligned byte addresses in order,
 * `commit` grows the memory to fit them all. Addresses are valid until the next call.
 *
 * @example
 * const f = new Frame(rt); const pa = f.take(a.byteLength); f.commit(); rt.put(a, pa)
 */
export class Frame {
  private end: number;
  constructor(private readonly rt: WasmRuntime) {
    this.end = rt.base;
  }
  take(bytes: number): number {
    const p = this.end;
    this.end = align(p + bytes);
    return p;
  }
  commit(): void {
    this.rt.ensure(this.end);
  }
}

let compiled: WebAssembly.Module | undefined;
let compiledShared: WebAssembly.Module | undefined;

const decodeBase64 = (s: string): Uint8Array => {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
};

/** Pages the shared memory may grow to (2 GiB, the kernelsShared build's maximum). */
const SHARED_MAX_PAGES = 32768;

/** Options of {@link instantiate}. */
export interface RuntimeOptions {
  /** Threads that split large kernels (default 1); more than one needs SharedArrayBuffer and a thread that may block. */
  readonly threads?: number;
  /** How long a worker may take to start or to pick up a call (default 10 s). */
  readonly startTimeoutMs?: number;
}

/**
 * Compiles the kernel module (once per process) and instantiates it over a fresh memory:
 * a plain one for one thread, a shared one and a worker pool for more. Synchronous: fine in
 * Node and in workers; a browser page's main thread may refuse to compile a module this size
 * synchronously, which `wasmBackend` reports as a fallback.
 *
 * @example
 * const rt = instantiate({ threads: 2 })
 */
export const instantiate = (options: RuntimeOptions = {}): WasmRuntime => {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new RangeError(`threads: expected an integer from 1 to 256, got ${String(threads)}`);
  }
  if (threads === 1) {
    compiled ??= new WebAssembly.Module(decodeBase64(kernelsBase64) as Uint8Array<ArrayBuffer>);
    return new WasmRuntime(compiled, new WebAssembly.Memory({ initial: 16 }));
  }
  compiledShared ??= new WebAssembly.Module(decodeBase64(kernelsSharedBase64) as Uint8Array<ArrayBuffer>);
  const memory = new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true });
  return new WasmRuntime(compiledShared, memory, threads, options.startTimeoutMs);
};
