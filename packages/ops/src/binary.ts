// Elementwise ops on two or three inputs with NumPy broadcasting: pow, maximum, minimum, where and comparisons.

import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import {
  defineOp, binaryOp, allocate, unbroadcast, broadcastTangent, broadcastShapes, noAttrs, sizeOf, tensor, sub, mul, log,
  type Op, type Aval, type Tensor, type ShapeError,
} from '@chainrule/core';
import { expandTo } from '@chainrule/core/kernels';
import type { Either } from 'fp-ts/lib/Either.js';

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
export const pow: Op<{}> = binaryOp({
  name: 'ops.pow',
  conformance: { cases: [{ inputs: [[2, 3], [2, 3]] }, { inputs: [[3], []] }, { inputs: [[], [2]] }] },
  fn: (a, b) => Math.pow(a, b),
  // ∂aᵇ = (b·aᵇ⁻¹, aᵇ·log a)
  partials: [(a, b) => mul(b, pow(a, sub(b, 1))), (a, _b, y) => mul(y, log(where(equal(a, 0), 1, a)))],
  domains: [{ min: 0.5, max: 3 }, { min: -2, max: 2 }],
});

/**
 * Elementwise max(a, b), broadcasting (NaN if either is NaN). Subgradient on ties a = b:
 * the whole gradient goes to the first input, a.
 *
 * @example
 * maximum(tensor([1, 5]), tensor([3, 2])) // [3, 5]
 */
export const maximum: Op<{}> = binaryOp({
  name: 'ops.maximum',
  conformance: { cases: [{ inputs: [[2, 3], [2, 3]], distinct: 0.25 }, { inputs: [[4], []], distinct: 0.5, label: 'vector and scalar' }] },
  fn: (a, b) => Math.max(a, b),
  // ∂max(a, b) = ([a ≥ b], [a < b])
  partials: [(a, b) => greaterEqual(a, b), (a, b) => less(a, b)],
  smooth: false,
});

/**
 * Elementwise min(a, b), broadcasting (NaN if either is NaN). Subgradient on ties a = b:
 * the whole gradient goes to the first input, a.
 *
 * @example
 * minimum(tensor([1, 5]), tensor([3, 2])) // [1, 2]
 */
export const minimum: Op<{}> = binaryOp({
  name: 'ops.minimum',
  conformance: { cases: [{ inputs: [[2, 3], [2, 3]], distinct: 0.25 }, { inputs: [[4], []], distinct: 0.5, label: 'vector and scalar' }] },
  fn: (a, b) => Math.min(a, b),
  // ∂min(a, b) = ([a ≤ b], [a > b])
  partials: [(a, b) => lessEqual(a, b), (a, b) => greater(a, b)],
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
  conformance: {
    cases: [
      { inputs: [tensor([1, 0, 1, 0]), [4], [4]] },
      { inputs: [tensor([[1], [0]]), [2, 3], []], label: 'broadcasting' },
    ],
  },
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

/**
 * Elementwise a = b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * equal(tensor([1, 2]), 2) // [0, 1]
 */
export const equal: Op<{}> = binaryOp({ name: 'ops.equal', fn: (a, b) => (a === b ? 1 : 0) });

/**
 * Elementwise a ≠ b as 1 or 0 in the inputs' dtype, broadcasting (NaN ≠ NaN). No gradient.
 *
 * @example
 * notEqual(tensor([1, 2]), 2) // [1, 0]
 */
export const notEqual: Op<{}> = binaryOp({ name: 'ops.notEqual', fn: (a, b) => (a !== b ? 1 : 0) });

/**
 * Elementwise a < b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * less(tensor([1, 2, 3]), 2) // [1, 0, 0]
 */
export const less: Op<{}> = binaryOp({ name: 'ops.less', fn: (a, b) => (a < b ? 1 : 0) });

/**
 * Elementwise a ≤ b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * lessEqual(tensor([1, 2, 3]), 2) // [1, 1, 0]
 */
export const lessEqual: Op<{}> = binaryOp({ name: 'ops.lessEqual', fn: (a, b) => (a <= b ? 1 : 0) });

/**
 * Elementwise a > b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * greater(tensor([1, 2, 3]), 2) // [0, 0, 1]
 */
export const greater: Op<{}> = binaryOp({ name: 'ops.greater', fn: (a, b) => (a > b ? 1 : 0) });

/**
 * Elementwise a ≥ b as 1 or 0 in the inputs' dtype, broadcasting. No gradient.
 *
 * @example
 * greaterEqual(tensor([1, 2, 3]), 2) // [0, 1, 1]
 */
export const greaterEqual: Op<{}> = binaryOp({ name: 'ops.greaterEqual', fn: (a, b) => (a >= b ? 1 : 0) });
