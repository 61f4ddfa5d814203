// Reductions over any set of axes, with keepDims: mean, max, min, prod, logsumexp, variance, argmax, argmin.

import * as t from 'io-ts';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import type { Either } from 'fp-ts/lib/Either.js';
import {
  defineOp, noGradient, allocate, reduceAttrs, reducedShape, inferReduce, normalizeAxes, shapesEqual, sizeOf, sum, reshape, broadcastTo, mul, div, sub, exp, stopGradient, ChainruleError, batchAxis,
  type Op, type BatchArgs, type ReduceAttrs, type Tensor, type Aval, type Shape, type ShapeError, withDefaults, nonNegativeInt, reduceConformance } from '@chainrule/core';
import { reduceIndex, contiguousBlocks } from '@chainrule/core/kernels';
import { equal, where } from './binary.js';
import { abs, sqrt, square } from './unary.js';

export { sum } from '@chainrule/core';

/** The normalised axes, the kept-dims shape and the number of elements folded into each output. */
const layout = (shape: Shape, attrs: ReduceAttrs): { axes: number[]; keep: number[]; count: number } => {
  const r = reducedShape(shape, attrs);
  // infer has already rejected bad axes, so the Left branch is never taken for a recorded node.
  if (isLeft(r)) return { axes: [], keep: [...shape], count: 1 };
  let count = 1;
  for (const a of r.right.axes) count *= shape[a];
  return { axes: r.right.axes, keep: r.right.keepShape, count };
};

/** A reduced value (or cotangent) viewed with the reduced axes kept as size 1, ready to broadcast against x. */
const kept = (y: Tensor, keep: readonly number[]): Tensor => (shapesEqual(y.shape, keep) ? y : reshape(y, { shape: [...keep] }));

/**
 * Arithmetic mean over `axis` (default all axes), optionally keeping reduced axes as size 1.
 * The mean of no elements is NaN.
 *
 * @example
 * mean(tensor([[1, 2], [3, 4]]), { axis: 0 }) // [2, 3]
 * mean(x)                                     // a scalar
 */
export const mean: Op<ReduceAttrs> = defineOp({
  name: 'ops.mean',
  conformance: reduceConformance(),
  kind: 'reduce',
  attrs: reduceAttrs,
  arity: 1,
  infer: inferReduce,
  forward: ([x], attrs, out) => {
    const { axes, count } = layout(x.shape, attrs);
    const o = allocate(out.dtype, sizeOf(out.shape)), d = x.data;
    const idx = reduceIndex(x.shape, axes);
    const s = new Float64Array(o.length);
    for (let i = 0; i < d.length; i++) s[idx[i]] += d[i];
    for (let j = 0; j < o.length; j++) o[j] = s[j] / count;
    return o;
  },
  // ∂mean = g/n broadcast back over the reduced axes
  vjp: ({ inputs: [x], cotangent: g, attrs }) => {
    const { keep, count } = layout(x.shape, attrs);
    return [broadcastTo(div(kept(g, keep), count), { shape: [...x.shape] })];
  },
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : mean(tx, attrs)),
});

/** Where x attains its (broadcast) extremum y, each tie weighted 1/(number of ties): ∂y/∂x. */
const extremumShare = (x: Tensor, y: Tensor, attrs: ReduceAttrs): Tensor => {
  const { axes, keep } = layout(x.shape, attrs);
  const mask = equal(x, kept(y, keep));
  return div(mask, sum(mask, { axis: axes, keepDims: true }));
};

/**
 * Maximum over `axis` (default all axes); NaN if any element is NaN, −∞ over no elements.
 * Subgradient: the gradient is split equally among all elements tied for the maximum.
 *
 * @example
 * max(tensor([[1, 5], [3, 2]]), { axis: 1 }) // [5, 3]
 */
export const max: Op<ReduceAttrs> = defineOp({
  name: 'ops.max',
  conformance: { cases: [{ inputs: [[2, 3]], distinct: 0.25 }, { inputs: [[2, 3, 2]], attrs: { axis: [0, 2] }, distinct: 0.25 }], badAttrs: [{ axis: 7 }] },
  kind: 'reduce',
  attrs: reduceAttrs,
  arity: 1,
  infer: inferReduce,
  forward: ([x], attrs, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape)).fill(-Infinity), d = x.data;
    const idx = reduceIndex(x.shape, layout(x.shape, attrs).axes);
    for (let i = 0; i < d.length; i++) {
      const v = d[i], j = idx[i];
      if (v > o[j] || v !== v) o[j] = v;
    }
    return o;
  },
  // ∂max = g·[x = max]/#ties
  vjp: ({ inputs: [x], output: y, cotangent: g, attrs }) => [mul(extremumShare(x, y, attrs), kept(g, layout(x.shape, attrs).keep))],
  jvp: ({ inputs: [x], output: y, tangents: [tx], attrs }) => (tx === null ? null : sum(mul(extremumShare(x, y, attrs), tx), attrs)),
  smooth: false,
});

/**
 * Minimum over `axis` (default all axes); NaN if any element is NaN, +∞ over no elements.
 * Subgradient: the gradient is split equally among all elements tied for the minimum.
 *
 * @example
 * min(tensor([[1, 5], [3, 2]]), { axis: 1 }) // [1, 2]
 */
export const min: Op<ReduceAttrs> = defineOp({
  name: 'ops.min',
  conformance: { cases: [{ inputs: [[2, 3]], distinct: 0.25 }, { inputs: [[3, 2]], attrs: { axis: -1, keepDims: true }, distinct: 0.25 }], badAttrs: [{ axis: 7 }] },
  kind: 'reduce',
  attrs: reduceAttrs,
  arity: 1,
  infer: inferReduce,
  forward: ([x], attrs, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape)).fill(Infinity), d = x.data;
    const idx = reduceIndex(x.shape, layout(x.shape, attrs).axes);
    for (let i = 0; i < d.length; i++) {
      const v = d[i], j = idx[i];
      if (v < o[j] || v !== v) o[j] = v;
    }
    return o;
  },
  // ∂min = g·[x = min]/#ties
  vjp: ({ inputs: [x], output: y, cotangent: g, attrs }) => [mul(extremumShare(x, y, attrs), kept(g, layout(x.shape, attrs).keep))],
  jvp: ({ inputs: [x], output: y, tangents: [tx], attrs }) => (tx === null ? null : sum(mul(extremumShare(x, y, attrs), tx), attrs)),
  smooth: false,
});

/**
 * ∂prod/∂xᵢ = Πⱼ≠ᵢ xⱼ without dividing by zero, written so that its own derivative (the
 * Hessian) is exact and symmetric at zeros too. With p the product of the non-zero elements
 * of a group and z = Σ x·[x = 0] (0 in value, but carrying the zeros' gradient):
 * no zero: p/xᵢ; one zero: p at the zero and z·p/xᵢ elsewhere (so ∂²/∂xᵢ∂x₀ = p/xᵢ from both
 * sides); two zeros: (z − xᵢ)·p at each zero (the other zero times p) and 0 elsewhere; more: 0.
 */
const prodSlope = (x: Tensor, attrs: ReduceAttrs): Tensor => {
  const { axes } = layout(x.shape, attrs);
  const isZero = equal(x, 0);
  const zeros = sum(isZero, { axis: axes, keepDims: true });
  const safe = where(isZero, 1, x);
  const p = prod(safe, { axis: axes, keepDims: true });
  const z = sum(mul(x, isZero), { axis: axes, keepDims: true });
  const oneZero = where(isZero, p, mul(z, div(p, safe)));
  const twoZeros = where(isZero, mul(sub(z, x), p), 0);
  return where(equal(zeros, 0), div(p, safe), where(equal(zeros, 1), oneZero, where(equal(zeros, 2), twoZeros, 0)));
};

/**
 * Product over `axis` (default all axes); 1 over no elements. The gradient Πⱼ≠ᵢ xⱼ is exact
 * with any number of zeros (no division by zero), and so are second derivatives.
 *
 * @example
 * prod(tensor([[1, 2], [3, 4]]), { axis: 1 }) // [2, 12]
 */
export const prod: Op<ReduceAttrs> = defineOp({
  name: 'ops.prod',
  conformance: reduceConformance(),
  kind: 'reduce',
  attrs: reduceAttrs,
  arity: 1,
  infer: inferReduce,
  forward: ([x], attrs, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape)), d = x.data;
    const p = new Float64Array(o.length).fill(1);
    const idx = reduceIndex(x.shape, layout(x.shape, attrs).axes);
    for (let i = 0; i < d.length; i++) p[idx[i]] *= d[i];
    o.set(p);
    return o;
  },
  // ∂Πx = g·Πⱼ≠ᵢ xⱼ
  vjp: ({ inputs: [x], cotangent: g, attrs }) => [mul(kept(g, layout(x.shape, attrs).keep), prodSlope(x, attrs))],
  jvp: ({ inputs: [x], tangents: [tx], attrs }) => (tx === null ? null : sum(mul(prodSlope(x, attrs), tx), attrs)),
  domains: [{ min: 0.5, max: 2 }],
});

/**
 * softmax over the reduced axes, e/Σe with e = exp(x − max x): exact where exp(x − y) would
 * carry y's rounding. The shift is held constant (stopGradient) because the result does not
 * depend on it, so derivatives of any order are unchanged.
 */
const softmaxOver = (x: Tensor, attrs: ReduceAttrs): Tensor => {
  const { axes } = layout(x.shape, attrs);
  const e = exp(sub(x, stopGradient(max(x, { axis: axes, keepDims: true }))));
  return div(e, sum(e, { axis: axes, keepDims: true }));
};

/**
 * log Σ exp(x) over `axis` (default all axes), computed as m + log Σ exp(x − m) with m the
 * maximum: finite and exact for inputs of ±1000. −∞ over no elements.
 *
 * @example
 * logsumexp(tensor([1000, 1000]))                 // 1000.693
 * logsumexp(x, { axis: -1, keepDims: true })      // per row, broadcastable against x
 */
export const logsumexp: Op<ReduceAttrs> = defineOp({
  name: 'ops.logsumexp',
  conformance: reduceConformance(),
  kind: 'reduce',
  attrs: reduceAttrs,
  arity: 1,
  infer: inferReduce,
  forward: ([x], attrs, out) => {
    const n = sizeOf(out.shape), d = x.data;
    const idx = reduceIndex(x.shape, layout(x.shape, attrs).axes);
    const m = new Float64Array(n).fill(-Infinity), s = new Float64Array(n);
    for (let i = 0; i < d.length; i++) {
      const v = d[i], j = idx[i];
      if (v > m[j] || v !== v) m[j] = v;
    }
    for (let i = 0; i < d.length; i++) {
      const j = idx[i];
      if (Number.isFinite(m[j])) s[j] += Math.exp(d[i] - m[j]);
    }
    const o = allocate(out.dtype, n);
    for (let j = 0; j < n; j++) o[j] = Number.isFinite(m[j]) ? m[j] + Math.log(s[j]) : m[j];
    return o;
  },
  // ∂logsumexp = g·softmax(x) = g·exp(x − y)
  vjp: ({ inputs: [x], cotangent: g, attrs }) => [mul(kept(g, layout(x.shape, attrs).keep), softmaxOver(x, attrs))],
  jvp: ({ inputs: [x], tangents: [tx], attrs }) => (tx === null ? null : sum(mul(softmaxOver(x, attrs), tx), attrs)),
  domains: [{ min: -5, max: 5 }],
});

/** Attrs of {@link variance}: a reduction's, plus `ddof` (divide by n − ddof; default 0, the population variance). */
export interface VarianceAttrs extends ReduceAttrs {
  readonly ddof: number;
}

/** ∂var/∂x = 2(x − mean)/(n − ddof), built from ops. */
const varianceSlope = (x: Tensor, attrs: VarianceAttrs): Tensor => {
  const { axes, count } = layout(x.shape, attrs);
  return mul(sub(x, mean(x, { axis: axes, keepDims: true })), 2 / (count - attrs.ddof));
};

/**
 * Variance Σ(x − mean)²/(n − ddof) over `axis` (default all axes), two-pass (no catastrophic
 * cancellation). `ddof` defaults to 0 (population variance); `ddof: 1` gives the unbiased
 * sample variance. n ≤ ddof gives ∞ or NaN, as in NumPy.
 *
 * @example
 * variance(tensor([1, 2, 3, 4]))              // 1.25
 * variance(tensor([1, 2, 3, 4]), { ddof: 1 }) // 1.667
 */
export const variance: Op<VarianceAttrs> = defineOp({
  name: 'ops.variance',
  conformance: reduceConformance([{ inputs: [[4]], attrs: { ddof: 1 }, label: 'ddof 1' }]),
  kind: 'reduce',
  attrs: t.intersection([reduceAttrs, withDefaults({ ddof: nonNegativeInt }, { ddof: 0 })]),
  arity: 1,
  infer: inferReduce,
  forward: ([x], attrs, out) => {
    const { axes, count } = layout(x.shape, attrs);
    const n = sizeOf(out.shape), d = x.data;
    const idx = reduceIndex(x.shape, axes);
    const mu = new Float64Array(n), s = new Float64Array(n);
    for (let i = 0; i < d.length; i++) mu[idx[i]] += d[i];
    for (let j = 0; j < n; j++) mu[j] /= count;
    for (let i = 0; i < d.length; i++) {
      const e = d[i] - mu[idx[i]];
      s[idx[i]] += e * e;
    }
    const o = allocate(out.dtype, n), denom = count - attrs.ddof;
    for (let j = 0; j < n; j++) o[j] = s[j] / denom;
    return o;
  },
  // ∂var = g·2(x − mean)/(n − ddof)
  vjp: ({ inputs: [x], cotangent: g, attrs }) => [mul(kept(g, layout(x.shape, attrs).keep), varianceSlope(x, attrs))],
  jvp: ({ inputs: [x], tangents: [tx], attrs }) => {
    if (tx === null) return null;
    const { ddof: _ddof, ...reduce } = attrs;
    return sum(mul(varianceSlope(x, attrs), tx), reduce);
  },
  domains: [{ min: -3, max: 3 }],
});

/** Attrs of {@link argmax} / {@link argmin}: one axis (default: the flattened tensor) and keepDims. */
export interface ArgAttrs {
  readonly axis?: number;
  readonly keepDims?: boolean;
}

const argAttrs: t.Type<ArgAttrs, ArgAttrs, unknown> = t.partial({ axis: t.number, keepDims: t.boolean });

const inferArg = ([x]: readonly Aval[], { axis, keepDims }: ArgAttrs): Either<ShapeError, Aval> => {
  if (axis === undefined) {
    if (sizeOf(x.shape) === 0) return left({ _tag: 'ShapeMismatch', message: 'cannot take the arg-extremum of an empty tensor' });
    return right({ shape: keepDims === true ? x.shape.map(() => 1) : [], dtype: x.dtype });
  }
  const a = normalizeAxes(axis, x.shape.length);
  if (isLeft(a)) return a;
  if (x.shape[a.right[0]] === 0) return left({ _tag: 'ShapeMismatch', message: `cannot take the arg-extremum over axis ${axis} of size 0` });
  return inferReduce([x], { axis, keepDims });
};

/** Index of the first maximum (sign 1) or minimum (sign −1) along one axis; a NaN wins. */
const argKernel = (x: Tensor, axis: number | undefined, out: Aval, sign: 1 | -1): Float32Array | Float64Array => {
  const a = axis === undefined ? undefined : axis < 0 ? axis + x.shape.length : axis;
  const { outer, len, inner } = a === undefined ? { outer: 1, len: x.size, inner: 1 } : contiguousBlocks(x.shape, [a])!;
  const d = x.data, o = allocate(out.dtype, outer * inner);
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < inner; q++) {
      const base = p * len * inner + q;
      let best = sign * d[base], at = 0;
      for (let k = 1; k < len && best === best; k++) {
        const v = sign * d[base + k * inner];
        if (v > best || v !== v) {
          best = v;
          at = k;
        }
      }
      o[p * inner + q] = at;
    }
  }
  return o;
};

/** Arg-extrema of a batch: over each example's flattened elements when no axis is given, else along the shifted axis. */
const batchArg = (op: Op<ArgAttrs>, { inputs: [x], size, attrs: { axis, keepDims }, output }: BatchArgs<ArgAttrs>): Tensor => {
  if (axis !== undefined) return op(x, { axis: batchAxis(axis, x.shape.length - 1), ...(keepDims === undefined ? {} : { keepDims }) });
  return reshape(op(reshape(x, { shape: [size, -1] }), { axis: 1 }), { shape: [size, ...output.shape] });
};

/**
 * Index of the largest element along `axis` (default: of the flattened tensor), as a float
 * in the input's dtype; the first one on ties, the first NaN if any. No gradient.
 *
 * @example
 * argmax(tensor([[1, 5], [3, 2]]), { axis: 1 }) // [1, 0]
 */
export const argmax: Op<ArgAttrs> = defineOp({
  name: 'ops.argmax',
  conformance: { cases: [{ inputs: [[2, 3]], attrs: { axis: 1 }, distinct: 0.25 }], badAttrs: [{ axis: 5 }] },
  kind: 'reduce',
  attrs: argAttrs,
  arity: 1,
  infer: inferArg,
  forward: ([x], { axis }, out) => argKernel(x, axis, out, 1),
  vjp: noGradient,
  differentiable: false,
  batch: (args) => batchArg(argmax, args),
});

/**
 * Index of the smallest element along `axis` (default: of the flattened tensor), as a float
 * in the input's dtype; the first one on ties, the first NaN if any. No gradient.
 *
 * @example
 * argmin(tensor([[1, 5], [3, 2]]), { axis: 1 }) // [0, 1]
 */
export const argmin: Op<ArgAttrs> = defineOp({
  name: 'ops.argmin',
  conformance: { cases: [{ inputs: [[2, 3]], attrs: { axis: 0 }, distinct: 0.25 }], badAttrs: [{ axis: 5 }] },
  kind: 'reduce',
  attrs: argAttrs,
  arity: 1,
  infer: inferArg,
  forward: ([x], { axis }, out) => argKernel(x, axis, out, -1),
  vjp: noGradient,
  differentiable: false,
  batch: (args) => batchArg(argmin, args),
});

/**
 * Standard deviation √variance over `axis` (default all axes), with `ddof` as in
 * {@link variance}. A composite of variance and sqrt; its gradient is infinite where every
 * value is equal (the standard deviation has a kink at 0).
 *
 * @example
 * std(tensor([1, 2, 3, 4]))              // 1.118
 * std(tensor([1, 2, 3, 4]), { ddof: 1 }) // 1.291
 */
export const std = (x: Tensor, attrs: Partial<VarianceAttrs> = {}): Tensor => sqrt(variance(x, attrs));

/** Attrs of {@link norm}: the order (1, 2 or Infinity; default 2), the axes (default all) and keepDims. */
export interface NormAttrs {
  readonly ord?: 1 | 2 | typeof Infinity;
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
}

/**
 * The vector norm over `axis` (default all axes, i.e. the whole tensor flattened): ord 1
 * Σ|x|, ord 2 √Σx² (default), ord ∞ max |x|. A composite of abs, square, sum, max and sqrt.
 *
 * @example
 * norm(tensor([3, -4]))                  // 5
 * norm(tensor([3, -4]), { ord: 1 })      // 7
 * norm(tensor([3, -4]), { ord: Infinity }) // 4
 */
export const norm = (x: Tensor, attrs: NormAttrs = {}): Tensor => {
  const { ord = 2, ...reduce } = attrs;
  if (ord === 1) return sum(abs(x), reduce);
  if (ord === 2) return sqrt(sum(square(x), reduce));
  if (ord === Infinity) return max(abs(x), reduce);
  throw new ChainruleError('BadAttrs', `norm: ord must be 1, 2 or Infinity, got ${JSON.stringify(ord)}`, { op: 'ops.norm', shapes: [x.shape], attrs });
};
