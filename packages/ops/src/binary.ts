// Elementwise ops on two or three inputs with NumPy broadcasting: pow, maximum, minimum, where and comparisons.

import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import {
  defineOp, noGradient, allocate, inferBroadcast, unbroadcast, broadcastTangent, broadcastShapes, noAttrs, sizeOf, tensor, sub, mul, log, type Op, type Aval, type Tensor, type FloatArray, type ShapeError,
} from '@chainrule/core';
import { expandTo } from '@chainrule/core/kernels';
import type { Either } from 'fp-ts/lib/Either.js';
import { addTangents } from './internal.js';

export { add, sub, mul, div } from '@chainrule/core';

/**
 * Elementwise aᵇ, broadcasting. Differentiable in both inputs where a > 0; for a < 0 the
 * base gradient is still right for integer exponents, but the exponent's gradient
 * (which needs log a) is NaN. At a = 0 the exponent's gradient is taken as 0.
 *
 * @example
 * pow(tensor([2, 3]), 2)             // [4, 9]
 * pow(tensor([4, 9]), tensor([0.5])) // [2, 3]
 */
export const pow: Op<{}> = defineOp({
  name: 'ops.pow',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => {
    const x = expandTo(a, out.shape), y = expandTo(b, out.shape);
    const o = allocate(out.dtype, sizeOf(out.shape));
    for (let i = 0; i < o.length; i++) o[i] = Math.pow(x[i], y[i]);
    return o;
  },
  // ∂aᵇ = (g·b·aᵇ⁻¹, g·aᵇ·log a)
  vjp: ({ inputs: [a, b], output: y, cotangent: g }) => [
    unbroadcast(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape),
    unbroadcast(mul(g, mul(y, log(where(equal(a, 0), 1, a)))), b.shape),
  ],
  jvp: ({ inputs: [a, b], output: y, tangents: [ta, tb] }) => {
    const x = ta === null ? null : mul(ta, mul(b, pow(a, sub(b, 1))));
    const z = tb === null ? null : mul(tb, mul(y, log(where(equal(a, 0), 1, a))));
    return broadcastTangent(addTangents(x, z), y.shape);
  },
  domains: [{ min: 0.5, max: 3 }, { min: -2, max: 2 }],
});

/**
 * Elementwise max(a, b), broadcasting (NaN if either is NaN). Subgradient on ties a = b:
 * the whole gradient goes to the first input, a.
 *
 * @example
 * maximum(tensor([1, 5]), tensor([3, 2])) // [3, 5]
 */
export const maximum: Op<{}> = defineOp({
  name: 'ops.maximum',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => {
    const x = expandTo(a, out.shape), y = expandTo(b, out.shape);
    const o = allocate(out.dtype, sizeOf(out.shape));
    for (let i = 0; i < o.length; i++) o[i] = Math.max(x[i], y[i]);
    return o;
  },
  // ∂max(a, b) = (g·[a ≥ b], g·[a < b])
  vjp: ({ inputs: [a, b], cotangent: g }) => [
    unbroadcast(mul(g, greaterEqual(a, b)), a.shape),
    unbroadcast(mul(g, less(a, b)), b.shape),
  ],
  jvp: ({ inputs: [a, b], output, tangents: [ta, tb] }) =>
    broadcastTangent(addTangents(ta === null ? null : mul(ta, greaterEqual(a, b)), tb === null ? null : mul(tb, less(a, b))), output.shape),
  smooth: false,
});

/**
 * Elementwise min(a, b), broadcasting (NaN if either is NaN). Subgradient on ties a = b:
 * the whole gradient goes to the first input, a.
 *
 * @example
 * minimum(tensor([1, 5]), tensor([3, 2])) // [1, 2]
 */
export const minimum: Op<{}> = defineOp({
  name: 'ops.minimum',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => {
    const x = expandTo(a, out.shape), y = expandTo(b, out.shape);
    const o = allocate(out.dtype, sizeOf(out.shape));
    for (let i = 0; i < o.length; i++) o[i] = Math.min(x[i], y[i]);
    return o;
  },
  // ∂min(a, b) = (g·[a ≤ b], g·[a > b])
  vjp: ({ inputs: [a, b], cotangent: g }) => [
    unbroadcast(mul(g, lessEqual(a, b)), a.shape),
    unbroadcast(mul(g, greater(a, b)), b.shape),
  ],
  jvp: ({ inputs: [a, b], output, tangents: [ta, tb] }) =>
    broadcastTangent(addTangents(ta === null ? null : mul(ta, lessEqual(a, b)), tb === null ? null : mul(tb, greater(a, b))), output.shape),
  smooth: false,
});

const inferWhere = ([c, a, b]: readonly Aval[]): Either<ShapeError, Aval> => {
  if (a.dtype !== b.dtype) return left({ _tag: 'DtypeMismatch', message: `where: the branches' dtypes ${a.dtype} and ${b.dtype} differ; cast one of them` });
  const ab = broadcastShapes(a.shape, b.shape);
  if (isLeft(ab)) return ab;
  const all = broadcastShapes(c.shape, ab.right);
  if (isLeft(all)) return all;
  return right({ shape: all.right, dtype: a.dtype });
};

/** `where(c, x, 0)` or `where(c, 0, x)` with a zero of x's dtype (a plain 0 would take c's dtype). */
const zeroLike = (x: Tensor): Tensor => tensor(0, { dtype: x.dtype });

/**
 * Elementwise selection: a where `cond` is nonzero (NaN counts as nonzero), b elsewhere;
 * all three broadcast together. `cond` may have either dtype; the result has a's. No
 * gradient flows to `cond`.
 *
 * @example
 * where(tensor([1, 0]), tensor([1, 2]), tensor([10, 20])) // [1, 20]
 * where(greater(x, 0), x, 0)                              // relu
 */
export const where: Op<{}> = defineOp({
  name: 'ops.where',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 3,
  infer: inferWhere,
  forward: ([c, a, b], _, out) => {
    const s = expandTo(c, out.shape), x = expandTo(a, out.shape), y = expandTo(b, out.shape);
    const o = allocate(out.dtype, sizeOf(out.shape));
    for (let i = 0; i < o.length; i++) o[i] = s[i] !== 0 ? x[i] : y[i];
    return o;
  },
  // ∂where(c, a, b) = (none, g·[c ≠ 0], g·[c = 0])
  vjp: ({ inputs: [c, a, b], cotangent: g }) => [
    null,
    unbroadcast(where(c, g, zeroLike(g)), a.shape),
    unbroadcast(where(c, zeroLike(g), g), b.shape),
  ],
  jvp: ({ inputs: [c], output, tangents: [, ta, tb] }) =>
    ta === null && tb === null ? null : broadcastTangent(where(c, ta ?? zeroLike(output), tb ?? zeroLike(output)), output.shape),
  domains: [{ min: -1, max: 1, avoid: [0] }, {}, {}],
});

type Comparison = 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';

/** One loop per comparison (chosen once, outside the loop). */
const compareKernel = (kind: Comparison, a: Tensor, b: Tensor, out: Aval): FloatArray => {
  const x = expandTo(a, out.shape), y = expandTo(b, out.shape);
  const o = allocate(out.dtype, sizeOf(out.shape));
  const n = o.length;
  switch (kind) {
    case 'equal': for (let i = 0; i < n; i++) o[i] = x[i] === y[i] ? 1 : 0; break;
    case 'notEqual': for (let i = 0; i < n; i++) o[i] = x[i] !== y[i] ? 1 : 0; break;
    case 'less': for (let i = 0; i < n; i++) o[i] = x[i] < y[i] ? 1 : 0; break;
    case 'lessEqual': for (let i = 0; i < n; i++) o[i] = x[i] <= y[i] ? 1 : 0; break;
    case 'greater': for (let i = 0; i < n; i++) o[i] = x[i] > y[i] ? 1 : 0; break;
    case 'greaterEqual': for (let i = 0; i < n; i++) o[i] = x[i] >= y[i] ? 1 : 0; break;
  }
  return o;
};

/**
 * Elementwise a = b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * equal(tensor([1, 2]), 2) // [0, 1]
 */
export const equal: Op<{}> = defineOp({
  name: 'ops.equal',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => compareKernel('equal', a, b, out),
  vjp: noGradient,
  differentiable: false,
});

/**
 * Elementwise a ≠ b as 1 or 0 in the inputs' dtype, broadcasting (NaN ≠ NaN). No gradient.
 *
 * @example
 * notEqual(tensor([1, 2]), 2) // [1, 0]
 */
export const notEqual: Op<{}> = defineOp({
  name: 'ops.notEqual',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => compareKernel('notEqual', a, b, out),
  vjp: noGradient,
  differentiable: false,
});

/**
 * Elementwise a < b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * less(tensor([1, 2, 3]), 2) // [1, 0, 0]
 */
export const less: Op<{}> = defineOp({
  name: 'ops.less',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => compareKernel('less', a, b, out),
  vjp: noGradient,
  differentiable: false,
});

/**
 * Elementwise a ≤ b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * lessEqual(tensor([1, 2, 3]), 2) // [1, 1, 0]
 */
export const lessEqual: Op<{}> = defineOp({
  name: 'ops.lessEqual',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => compareKernel('lessEqual', a, b, out),
  vjp: noGradient,
  differentiable: false,
});

/**
 * Elementwise a > b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * greater(tensor([1, 2, 3]), 2) // [0, 0, 1]
 */
export const greater: Op<{}> = defineOp({
  name: 'ops.greater',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => compareKernel('greater', a, b, out),
  vjp: noGradient,
  differentiable: false,
});

/**
 * Elementwise a ≥ b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * greaterEqual(tensor([1, 2, 3]), 2) // [0, 1, 1]
 */
export const greaterEqual: Op<{}> = defineOp({
  name: 'ops.greaterEqual',
  kind: 'broadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => compareKernel('greaterEqual', a, b, out),
  vjp: noGradient,
  differentiable: false,
});
