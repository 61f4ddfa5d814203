// Kernels for reductions over any axes, softmax / log-softmax along one axis, and softmax cross-entropy.

import { normalizeAxes, stridesOf, sizeOf, type FloatArray, type Kernel, type ReduceAttrs, type Shape } from '@chainrule/core';
import { contiguousBlocks, crossEntropyRows, stridedOffsets } from '@chainrule/core/kernels';
import { Frame, type WasmRuntime } from './runtime.js';

// Op codes of assembly/reduce.ts.
const REDUCE_CODES: Readonly<Record<string, number>> = { 'core.sum': 0, 'ops.mean': 1, 'ops.max': 2, 'ops.min': 3, 'ops.prod': 4 };

/**
 * Lays `x` out as [outer, len, inner] with the reduced axes in the middle: as it is when
 * they are contiguous, else gathered with the kept axes first and the reduced axes last
 * (one strided copy, then inner = 1).
 */
const blocksOf = (x: FloatArray, shape: Shape, axes: readonly number[]): { data: FloatArray; outer: number; len: number; inner: number } => {
  const b = contiguousBlocks(shape, axes);
  if (b !== undefined) return { data: x, ...b };
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const perm = [...kept, ...axes];
  const strides = stridesOf(shape);
  const idx = stridedOffsets(perm.map((d) => shape[d]), perm.map((d) => strides[d]));
  const data = x instanceof Float64Array ? new Float64Array(x.length) : new Float32Array(x.length);
  for (let i = 0; i < idx.length; i++) data[i] = x[idx[i]];
  return { data, outer: sizeOf(kept.map((d) => shape[d])), len: sizeOf(axes.map((d) => shape[d])), inner: 1 };
};

const reduceKernel = (rt: WasmRuntime, code: number): Kernel<ReduceAttrs> => ([x], out, attrs, avals) => {
  const shape = avals.inputs[0].shape;
  const axes = normalizeAxes(attrs.axis, shape.length);
  const { data, outer, len, inner } = blocksOf(x, shape, axes._tag === 'Left' ? [] : axes.right);
  const f = new Frame(rt);
  const px = f.take(data.byteLength), po = f.take(out.byteLength), acc = f.take(inner * 8);
  f.commit();
  rt.put(data, px);
  (out instanceof Float64Array ? rt.exports.reduceF64 : rt.exports.reduceF32)(code, px, po, outer, len, inner, acc);
  rt.get(out, po);
};

const axisBlocks = (shape: Shape, axis: number | undefined): { outer: number; len: number; inner: number } => {
  const a = (axis ?? -1) < 0 ? (axis ?? -1) + shape.length : (axis ?? -1);
  return { outer: sizeOf(shape.slice(0, a)), len: shape[a], inner: sizeOf(shape.slice(a + 1)) };
};

// Runs softmax or log-softmax of x (blocks along one axis) into `out`.
const softmaxInto = (rt: WasmRuntime, x: FloatArray, out: FloatArray, b: { outer: number; len: number; inner: number }, log: boolean): void => {
  const f = new Frame(rt);
  const px = f.take(x.byteLength), po = f.take(out.byteLength);
  f.commit();
  rt.put(x, px);
  (out instanceof Float64Array ? rt.exports.softmaxF64 : rt.exports.softmaxF32)(px, po, b.outer, b.len, b.inner, log ? 1 : 0);
  rt.get(out, po);
};

const softmaxKernel = (rt: WasmRuntime, log: boolean): Kernel<{ readonly axis?: number }> => ([x], out, attrs, avals) => {
  softmaxInto(rt, x, out, axisBlocks(avals.inputs[0].shape, attrs.axis), log);
};

// Per-example cross-entropy: log-softmax in wasm, then core's per-row sums (the reference's,
// which also refuses out-of-range class labels).
const crossEntropyKernel = (rt: WasmRuntime): Kernel => ([z, p], out, _attrs, avals) => {
  const zs = avals.inputs[0].shape;
  const c = zs[zs.length - 1];
  const ls = z instanceof Float64Array ? new Float64Array(z.length) : new Float32Array(z.length);
  softmaxInto(rt, z, ls, { outer: out.length, len: c, inner: 1 }, true);
  crossEntropyRows(ls, p, avals.inputs[1].shape.length === zs.length, c, out);
};

/**
 * The reduction, softmax and cross-entropy kernels of a runtime, keyed by op name.
 *
 * @example
 * reduceKernels(instantiate())['core.sum']
 */
export const reduceKernels = (rt: WasmRuntime): Record<string, Kernel> => {
  const table: Record<string, Kernel> = {};
  for (const [name, code] of Object.entries(REDUCE_CODES)) table[name] = reduceKernel(rt, code);
  table['core.softmax'] = softmaxKernel(rt, false);
  table['core.logSoftmax'] = softmaxKernel(rt, true);
  table['core.softmaxCrossEntropy'] = crossEntropyKernel(rt);
  return table;
};
