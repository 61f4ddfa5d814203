// Sum over any set of axes: the reduction the engine needs to unbroadcast cotangents.

import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { right, isLeft } from 'fp-ts/lib/Either.js';
import type { ShapeError } from '../errors.js';
import { defineOp, type Op } from '../op.js';
import type { Conformance, ConformanceCase } from '../cases.js';
import { normalizeAxes, sizeOf, stridesOf, stridedOffsets, type Shape } from '../shape.js';
import { allocate, type Aval, type FloatArray } from '../tensor.js';
import { reshape, broadcastTo } from './shape.js';

/** Attrs of reductions: which axes (default all; negative counts from the end) and whether to keep them as size 1. */
export interface ReduceAttrs {
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
}

/** Codec of {@link ReduceAttrs}. */
export const reduceAttrs: t.Type<ReduceAttrs, ReduceAttrs, unknown> = t.partial({
  axis: t.union([t.number, t.readonlyArray(t.number)]),
  keepDims: t.boolean,
});

/**
 * The output shape of a reduction, and the normalised axes.
 *
 * @example
 * reducedShape([2, 3, 4], { axis: [0, -1] }) // right({ shape: [3], axes: [0, 2] })
 */
export const reducedShape = (shape: Shape, attrs: ReduceAttrs): Either<ShapeError, { shape: number[]; keepShape: number[]; axes: number[] }> => {
  const axes = normalizeAxes(attrs.axis, shape.length);
  if (isLeft(axes)) return axes;
  const keepShape = shape.map((d, i) => (axes.right.includes(i) ? 1 : d));
  const out = attrs.keepDims === true ? keepShape : shape.filter((_, i) => !axes.right.includes(i));
  return right({ shape: out, keepShape, axes: axes.right });
};

/** Output aval of a reduction. */
export const inferReduce = ([x]: readonly Aval[], attrs: ReduceAttrs): Either<ShapeError, Aval> => {
  const r = reducedShape(x.shape, attrs);
  return isLeft(r) ? r : right({ shape: r.right.shape, dtype: x.dtype });
};

/**
 * Walks `x` in row-major order and gives, for each element, the flat index of the reduced
 * output element it belongs to (strides of reduced axes are zero).
 *
 * @example
 * reduceIndex([2, 3], [0]) // Int32Array [0, 1, 2, 0, 1, 2]
 */
export const reduceIndex = (shape: Shape, axes: readonly number[]): Int32Array => {
  const ks = stridesOf(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  return stridedOffsets(shape, shape.map((_, i) => (axes.includes(i) ? 0 : ks[i])));
};

/**
 * Splits a reduction into [outer, reduced, inner] blocks when the reduced axes are
 * contiguous, which lets kernels use plain nested loops; undefined otherwise.
 *
 * @example
 * contiguousBlocks([2, 3, 4], [1]) // { outer: 2, len: 3, inner: 4 }
 */
export const contiguousBlocks = (shape: Shape, axes: readonly number[]): { outer: number; len: number; inner: number } | undefined => {
  if (axes.length === 0) return { outer: sizeOf(shape), len: 1, inner: 1 };
  for (let k = 1; k < axes.length; k++) if (axes[k] !== axes[k - 1] + 1) return undefined;
  const a0 = axes[0], a1 = axes[axes.length - 1];
  return { outer: sizeOf(shape.slice(0, a0)), len: sizeOf(shape.slice(a0, a1 + 1)), inner: sizeOf(shape.slice(a1 + 1)) };
};

const sumKernel = (x: FloatArray, shape: Shape, axes: readonly number[], out: FloatArray): void => {
  const b = contiguousBlocks(shape, axes);
  if (b !== undefined) {
    const { outer, len, inner } = b;
    const acc = new Float64Array(inner > 1 ? inner : 0);
    for (let o = 0; o < outer; o++) {
      const base = o * len * inner, ob = o * inner;
      if (inner === 1) {
        let s = 0;
        for (let k = 0; k < len; k++) s += x[base + k];
        out[ob] = s;
      } else {
        // Accumulate in float64 so float32 sums over many rows do not lose precision.
        acc.fill(0);
        for (let k = 0; k < len; k++) {
          const row = base + k * inner;
          for (let i = 0; i < inner; i++) acc[i] += x[row + i];
        }
        for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
      }
    }
    return;
  }
  const idx = reduceIndex(shape, axes);
  const acc = new Float64Array(out.length);
  for (let i = 0; i < x.length; i++) acc[idx[i]] += x[i];
  out.set(acc);
};

/**
 * The conformance cases every reduction shares — all axes, several axes kept, the last axis —
 * plus an op's own.
 *
 * @example
 * defineOp({ ..., conformance: reduceConformance([{ inputs: [[4]], attrs: { ddof: 1 } }]) })
 */
export const reduceConformance = (extra: readonly ConformanceCase[] = []): Conformance => ({
  cases: [
    { inputs: [[2, 3]], label: 'all axes' },
    { inputs: [[2, 3, 2]], attrs: { axis: [0, 2], keepDims: true }, label: 'axes 0, 2 kept' },
    { inputs: [[3, 2]], attrs: { axis: -1 }, label: 'last axis' },
    ...extra,
  ],
  badAttrs: [{ axis: 7 }, { axis: 'rows' }],
});

/**
 * Sum over `axis` (default all axes), optionally keeping reduced axes as size 1.
 *
 * @example
 * sum(tensor([[1, 2], [3, 4]]), { axis: 0 }) // [4, 6]
 * sum(x, { axis: [0, 2], keepDims: true })
 */
export const sum: Op<ReduceAttrs> = defineOp({
  name: 'core.sum',
  conformance: reduceConformance(),
  kind: 'reduce',
  attrs: reduceAttrs,
  arity: 1,
  infer: inferReduce,
  forward: ([x], attrs, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape));
    const axes = normalizeAxes(attrs.axis, x.shape.length);
    sumKernel(x.data, x.shape, isLeft(axes) ? [] : axes.right, o);
    return o;
  },
  // ∂Σx = g broadcast back over the reduced axes
  vjp: ({ inputs: [x], cotangent: g, attrs }) => {
    const r = reducedShape(x.shape, attrs);
    const keep = isLeft(r) ? x.shape : r.right.keepShape;
    return [broadcastTo(reshape(g, { shape: [...keep] }), { shape: [...x.shape] })];
  },
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : sum(tx, attrs)),
});
