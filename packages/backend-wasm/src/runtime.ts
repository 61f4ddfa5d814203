// The loaded kernel module: its memory, its exports, and the arena that eager kernel calls copy through.

import type { FloatArray } from '@chainrule/core';
import { kernelsBase64 } from './generated/kernels-wasm.js';

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
 * One instance of the kernel module and its linear memory. Eager kernel calls lay their
 * inputs, output and scratch out from `base` on (a bump arena reset by every call), growing
 * the memory when a call needs more; nothing is ever freed by hand, and the memory stays at
 * its high-water mark, so repeated calls of one size leave it flat.
 *
 * @example
 * const rt = instantiate()
 * const p = rt.reserve(1024) // byte address of 1024 free bytes, valid until the next reserve
 */
export class WasmRuntime {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  /** The first byte of the arena: after the module's static data and the matmul scratch. */
  readonly base: number;
  /** Where the matmul scratch (packed panels) lives, big enough for float64. */
  readonly matmulScratch: number;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.memory = memory;
    this.matmulScratch = align(this.exports.heapBase());
    this.base = align(this.matmulScratch + this.exports.matmulScratchBytes(8));
    this.ensure(this.base);
  }

  /** Grows the memory so that bytes [0, end) exist. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }

  /** A view of `length` elements of `out`'s type at byte address `ptr` (valid until the memory grows). */
  view(like: FloatArray, ptr: number, length: number): FloatArray {
    return like instanceof Float64Array ? new Float64Array(this.memory.buffer, ptr, length) : new Float32Array(this.memory.buffer, ptr, length);
  }

  /** Copies `data` into memory at `ptr`. */
  put(data: FloatArray, ptr: number): void {
    this.view(data, ptr, data.length).set(data);
  }

  /** Copies an int32 table into memory at `ptr`. */
  putInt32(data: Int32Array, ptr: number): void {
    new Int32Array(this.memory.buffer, ptr, data.length).set(data);
  }

  /** Copies `out.length` elements at `ptr` into `out`. */
  get(out: FloatArray, ptr: number): void {
    out.set(this.view(out, ptr, out.length));
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

const decodeBase64 = (s: string): Uint8Array => {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
};

/**
 * Compiles the kernel module (once per process) and instantiates it over a fresh memory.
 * Synchronous: fine in Node and in workers; a browser's main thread may refuse to compile
 * a module this size synchronously, which `bestBackend` reports as a fallback.
 *
 * @example
 * const rt = instantiate()
 */
export const instantiate = (): WasmRuntime => {
  compiled ??= new WebAssembly.Module(decodeBase64(kernelsBase64) as Uint8Array<ArrayBuffer>);
  return new WasmRuntime(compiled, new WebAssembly.Memory({ initial: 16 }));
};
