// Kernels for ops.conv2d, ops.conv2dBackpropInput and ops.conv2dBackpropFilter: the geometry from the attrs, the loops in wasm (assembly/conv.ts).

import type { FloatArray, Kernel, Shape } from '@chainrule/core';
import { Frame, type WasmRuntime } from './runtime.js';
import { splitRange } from './threads.js';
import { PARALLEL_MIN_MACS } from './matmul.js';

/** A size per spatial axis, as ops' conv and pool attrs take it. */
type Size2 = number | readonly [number, number];
type Padding = 'same' | 'valid' | readonly [readonly [number, number], readonly [number, number]];

/** The attrs the conv ops share (see ops.conv2d). */
export interface ConvAttrs {
  readonly padding: Padding;
  readonly strides?: Size2;
  readonly dilations?: Size2;
  readonly inputShape?: readonly number[];
  readonly filterShape?: readonly number[];
}

const pairOf = (s: Size2 | undefined, fallback: readonly [number, number]): readonly [number, number] =>
  s === undefined ? fallback : typeof s === 'number' ? [s, s] : s;

/** Output size along one axis: TensorFlow's rule, ⌊(in + pads − dilated span)/stride⌋ + 1. */
export const outputSize = (inSize: number, k: number, stride: number, dilation: number, before: number, after: number): number =>
  Math.max(0, Math.floor((inSize + before + after - (dilation * (k - 1) + 1)) / stride) + 1);

/** TensorFlow's 'same' padding along one axis: output ⌈in/stride⌉, the odd pixel after. */
export const samePads = (inSize: number, k: number, stride: number, dilation: number): readonly [number, number] => {
  const total = Math.max(0, (Math.ceil(inSize / stride) - 1) * stride + dilation * (k - 1) + 1 - inSize);
  const before = Math.floor(total / 2);
  return [before, total - before];
};

/** Pads [top, bottom, left, right] of a 'same' / 'valid' / explicit padding. */
export const padsOf = (p: Padding, h: number, w: number, k: readonly [number, number], s: readonly [number, number], d: readonly [number, number]): readonly [number, number, number, number] => {
  const [t, b] = p === 'valid' ? [0, 0] : p === 'same' ? samePads(h, k[0], s[0], d[0]) : p[0];
  const [l, r] = p === 'valid' ? [0, 0] : p === 'same' ? samePads(w, k[1], s[1], d[1]) : p[1];
  return [t, b, l, r];
};

/** The 15 int32 of assembly/conv.ts's Geometry, from an input shape, a filter shape and the attrs. */
export const convGeometry = (xShape: Shape, wShape: Shape, attrs: ConvAttrs): Int32Array => {
  const [n, h, w, c] = xShape;
  const [kh, kw, , o] = wShape;
  const s = pairOf(attrs.strides, [1, 1]), d = pairOf(attrs.dilations, [1, 1]);
  const [top, bottom, left, right] = padsOf(attrs.padding, h, w, [kh, kw], s, d);
  const oh = outputSize(h, kh, s[0], d[0], top, bottom), ow = outputSize(w, kw, s[1], d[1], left, right);
  return Int32Array.of(n, h, w, c, kh, kw, o, oh, ow, s[0], s[1], d[0], d[1], top, left);
};

// Lays out the inputs, output and geometry of one conv call, and one im2col chunk per thread
// that takes part: `parts` ranges of `total` (output rows or images), threads only when the
// product is large enough to pay for waking them.
const frame = (rt: WasmRuntime, a: FloatArray, b: FloatArray, outBytes: number, geom: Int32Array, total: number) => {
  const taps = geom[4] * geom[5] * geom[3];
  const rows = geom[0] * geom[7] * geom[8];
  const split = rows * taps * geom[6] >= PARALLEL_MIN_MACS ? splitRange(total, rt.threads) : [];
  const ranges = split.length > 0 ? split : [[0, total] as [number, number]];
  const f = new Frame(rt);
  const S = a.BYTES_PER_ELEMENT;
  const pa = f.take(a.byteLength), pb = f.take(b.byteLength), po = f.take(outBytes), pg = f.take(geom.byteLength);
  const colBytes = Math.min(rt.exports.convChunkRows(taps), rows) * taps * S;
  const cols = ranges.map(() => f.take(colBytes));
  return { f, pa, pb, po, pg, cols, ranges };
};

const forwardKernel = (rt: WasmRuntime): Kernel<ConvAttrs> => ([x, w], out, attrs, avals) => {
  const geom = convGeometry(avals.inputs[0].shape, avals.inputs[1].shape, attrs);
  const { f, pa, pb, po, pg, cols, ranges } = frame(rt, x, w, out.byteLength, geom, geom[0] * geom[7] * geom[8]);
  f.commit();
  rt.put(x, pa); rt.put(w, pb); rt.putInt32(geom, pg);
  const fn = out instanceof Float64Array ? 'conv2dF64' : 'conv2dF32';
  rt.parallel(ranges.map(([r0, r1], t) => ({ fn, args: [pa, pb, po, pg, r0, r1, cols[t], rt.scratch[t]] })));
  rt.get(out, po);
};

// Threads split the images, so no two add into the same input pixel.
const inputKernel = (rt: WasmRuntime): Kernel<ConvAttrs> => ([dy, w], out, attrs, avals) => {
  const geom = convGeometry(attrs.inputShape ?? avals.output.shape, avals.inputs[1].shape, attrs);
  const { f, pa, pb, po, pg, cols, ranges } = frame(rt, dy, w, out.byteLength, geom, geom[0]);
  f.commit();
  rt.put(dy, pa); rt.put(w, pb); rt.putInt32(geom, pg);
  const fn = out instanceof Float64Array ? 'conv2dInputF64' : 'conv2dInputF32';
  rt.parallel(ranges.map(([n0, n1], t) => ({ fn, args: [pa, pb, po, pg, n0, n1, cols[t], rt.scratch[t]] })));
  rt.get(out, po);
};

// Threads split the output rows, each summing its share into its own float64 accumulator;
// the shares are added here, in thread order.
const filterKernel = (rt: WasmRuntime): Kernel<ConvAttrs> => ([x, dy], out, attrs, avals) => {
  const geom = convGeometry(avals.inputs[0].shape, attrs.filterShape ?? avals.output.shape, attrs);
  const { f, pa, pb, po, pg, cols, ranges } = frame(rt, x, dy, out.byteLength, geom, geom[0] * geom[7] * geom[8]);
  const accs = ranges.map(() => f.take(out.length * 8));
  const parts = ranges.map(() => f.take(out.byteLength));
  f.commit();
  rt.put(x, pa); rt.put(dy, pb); rt.putInt32(geom, pg);
  const f64 = out instanceof Float64Array;
  const fn = f64 ? 'conv2dFilterF64' : 'conv2dFilterF32';
  rt.parallel(ranges.map(([r0, r1], t) => ({ fn, args: [pa, pb, accs[t], pg, r0, r1, cols[t], parts[t], rt.scratch[t]] })));
  if (accs.length > 1) {
    const total = new Float64Array(rt.memory.buffer, accs[0], out.length);
    for (let t = 1; t < accs.length; t++) {
      const share = new Float64Array(rt.memory.buffer, accs[t], out.length);
      for (let i = 0; i < out.length; i++) total[i] += share[i];
    }
  }
  rt.exports.fromF64(accs[0], po, out.length, f64 ? 0 : 1);
  rt.get(out, po);
};

/**
 * The conv2d kernels of a runtime, keyed by op name.
 *
 * @example
 * convKernels(instantiate())['ops.conv2d']
 */
export const convKernels = (rt: WasmRuntime): Record<string, Kernel> => ({
  'ops.conv2d': forwardKernel(rt),
  'ops.conv2dBackpropInput': inputKernel(rt),
  'ops.conv2dBackpropFilter': filterKernel(rt),
});
