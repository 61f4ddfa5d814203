// Kernels for max and average pooling and their gradients (ops.maxPool2d …): window tables here, the loops in wasm (assembly/pool.ts).

import type { FloatArray, Kernel, Shape } from '@chainrule/core';
import { Frame, type WasmRuntime } from './runtime.js';
import { outputSize, padsOf } from './conv.js';

type Size2 = number | readonly [number, number];

/** The attrs the pooling ops share (see ops.maxPool2d). */
export interface PoolAttrs {
  readonly windowShape?: Size2;
  readonly ksize?: Size2;
  readonly strides?: Size2;
  readonly padding?: 'same' | 'valid' | readonly [readonly [number, number], readonly [number, number]];
  readonly inputShape?: readonly number[];
}

const pairOf = (s: Size2 | undefined, fallback: readonly [number, number]): readonly [number, number] =>
  s === undefined ? fallback : typeof s === 'number' ? [s, s] : s;

// For each output index along one axis, the input range [start, end) its window covers inside the input.
const windowRanges = (outSize: number, inSize: number, window: number, stride: number, before: number): Int32Array => {
  const r = new Int32Array(2 * outSize);
  for (let i = 0; i < outSize; i++) {
    const start = i * stride - before;
    r[2 * i] = Math.max(0, start);
    r[2 * i + 1] = Math.max(r[2 * i], Math.min(inSize, start + window));
  }
  return r;
};

/** Pooling geometry of an NHWC input shape: sizes and the row / column window tables. */
export const poolGeometry = (xShape: Shape, attrs: PoolAttrs) => {
  const [n, h, w, c] = xShape;
  const win = pairOf(attrs.windowShape ?? attrs.ksize, [1, 1]);
  const s = pairOf(attrs.strides, win);
  const [top, bottom, left, right] = padsOf(attrs.padding ?? 'valid', h, w, win, s, [1, 1]);
  const oh = outputSize(h, win[0], s[0], 1, top, bottom), ow = outputSize(w, win[1], s[1], 1, left, right);
  return { n, h, w, c, oh, ow, rows: windowRanges(oh, h, win[0], s[0], top), cols: windowRanges(ow, w, win[1], s[1], left) };
};

type Geometry = ReturnType<typeof poolGeometry>;

// Lays out x, the window tables and the argmax of one max-pool call, and runs the forward.
const maxPoolInto = (rt: WasmRuntime, x: FloatArray, g: Geometry, f: Frame) => {
  const m = g.n * g.oh * g.ow * g.c;
  const px = f.take(x.byteLength), pr = f.take(g.rows.byteLength), pc = f.take(g.cols.byteLength);
  const pooled = f.take(m * x.BYTES_PER_ELEMENT), argmax = f.take(m * 4);
  return { m, px, pr, pc, pooled, argmax, run: () => {
    rt.put(x, px); rt.putInt32(g.rows, pr); rt.putInt32(g.cols, pc);
    (x instanceof Float64Array ? rt.exports.maxPoolF64 : rt.exports.maxPoolF32)(px, pooled, argmax, g.n, g.h, g.w, g.c, g.oh, g.ow, pr, pc);
  } };
};

const maxPoolKernel = (rt: WasmRuntime): Kernel<PoolAttrs> => ([x], out, attrs, avals) => {
  const f = new Frame(rt);
  const p = maxPoolInto(rt, x, poolGeometry(avals.inputs[0].shape, attrs), f);
  f.commit();
  p.run();
  rt.get(out, p.pooled);
};

// The window maxima are found again here: a compiled plan reuses buffers, so an input's array
// is no proof that its values are those the forward saw.
const maxPoolGradKernel = (rt: WasmRuntime): Kernel<PoolAttrs> => ([x, dy], out, attrs, avals) => {
  const f = new Frame(rt);
  const p = maxPoolInto(rt, x, poolGeometry(avals.inputs[0].shape, attrs), f);
  const pdy = f.take(dy.byteLength), pdx = f.take(out.byteLength);
  f.commit();
  p.run();
  rt.put(dy, pdy);
  (out instanceof Float64Array ? rt.exports.poolScatterF64 : rt.exports.poolScatterF32)(pdy, p.argmax, p.m, pdx, out.length);
  rt.get(out, pdx);
};

const maxPoolGatherKernel = (rt: WasmRuntime): Kernel<PoolAttrs> => ([x, v], out, attrs, avals) => {
  const f = new Frame(rt);
  const p = maxPoolInto(rt, x, poolGeometry(avals.inputs[0].shape, attrs), f);
  const pv = f.take(v.byteLength);
  f.commit();
  p.run();
  rt.put(v, pv);
  (out instanceof Float64Array ? rt.exports.poolGatherF64 : rt.exports.poolGatherF32)(pv, p.argmax, p.m, p.pooled);
  rt.get(out, p.pooled);
};

const avgPoolKernel = (rt: WasmRuntime, grad: boolean): Kernel<PoolAttrs> => ([src], out, attrs, avals) => {
  const g = poolGeometry(grad ? attrs.inputShape ?? avals.output.shape : avals.inputs[0].shape, attrs);
  const f = new Frame(rt);
  const ps = f.take(src.byteLength), pd = f.take(out.byteLength), pr = f.take(g.rows.byteLength), pc = f.take(g.cols.byteLength), acc = f.take(g.c * 8);
  f.commit();
  rt.put(src, ps); rt.putInt32(g.rows, pr); rt.putInt32(g.cols, pc);
  (out instanceof Float64Array ? rt.exports.avgPoolF64 : rt.exports.avgPoolF32)(ps, pd, g.n, g.h, g.w, g.c, g.oh, g.ow, pr, pc, acc, grad ? 1 : 0);
  rt.get(out, pd);
};

/**
 * The pooling kernels of a runtime, keyed by op name.
 *
 * @example
 * poolKernels(instantiate())['ops.maxPool2d']
 */
export const poolKernels = (rt: WasmRuntime): Record<string, Kernel> => ({
  'ops.maxPool2d': maxPoolKernel(rt),
  'ops.maxPool2dGrad': maxPoolGradKernel(rt),
  'ops.maxPool2dGather': maxPoolGatherKernel(rt),
  'ops.avgPool2d': avgPoolKernel(rt, false),
  'ops.avgPool2dGrad': avgPoolKernel(rt, true),
});
