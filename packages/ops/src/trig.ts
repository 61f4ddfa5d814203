// Trigonometric and hyperbolic functions and their inverses, each declared by its scalar function and derivative.

import { unaryOp, binaryOp, add, sub, div, neg, type Op } from '@chainrule/core';
import { rsqrt, reciprocal, square } from './unary.js';

/**
 * Elementwise tangent (radians).
 *
 * @example
 * tan(tensor([0, Math.PI / 4])) // [0, 1]
 */
export const tan: Op<{}> = unaryOp({
  name: 'ops.tan',
  fn: Math.tan,
  // d tan x = 1 + tan² x
  derivative: (_x, y) => add(square(y), 1),
  domains: [{ min: -1.2, max: 1.2 }],
});

/**
 * Elementwise arcsine, in [−π/2, π/2] (NaN outside [−1, 1]).
 *
 * @example
 * asin(tensor([0, 1])) // [0, 1.5708]
 */
export const asin: Op<{}> = unaryOp({
  name: 'ops.asin',
  fn: Math.asin,
  // d asin x = 1/√(1 − x²)
  derivative: (x) => rsqrt(sub(1, square(x))),
  domains: [{ min: -0.9, max: 0.9 }],
});

/**
 * Elementwise arccosine, in [0, π] (NaN outside [−1, 1]).
 *
 * @example
 * acos(tensor([1, 0])) // [0, 1.5708]
 */
export const acos: Op<{}> = unaryOp({
  name: 'ops.acos',
  fn: Math.acos,
  // d acos x = −1/√(1 − x²)
  derivative: (x) => neg(rsqrt(sub(1, square(x)))),
  domains: [{ min: -0.9, max: 0.9 }],
});

/**
 * Elementwise arctangent, in (−π/2, π/2).
 *
 * @example
 * atan(tensor([0, 1])) // [0, 0.7854]
 */
export const atan: Op<{}> = unaryOp({
  name: 'ops.atan',
  fn: Math.atan,
  // d atan x = 1/(1 + x²)
  derivative: (x) => reciprocal(add(square(x), 1)),
  domains: [{ min: -4, max: 4 }],
});

/**
 * The angle of the point (b, a) — `atan2(a, b)` as in NumPy and Math.atan2 — in (−π, π],
 * broadcasting. Its branch cut is a = 0, b < 0, where the angle jumps from π to −π.
 *
 * @example
 * atan2(tensor([1, 1]), tensor([1, -1])) // [0.7854, 2.3562]
 */
export const atan2: Op<{}> = binaryOp({
  name: 'ops.atan2',
  fn: (a, b) => Math.atan2(a, b),
  // ∂atan2(a, b) = (b/(a² + b²), −a/(a² + b²))
  partials: [(a, b) => div(b, add(square(a), square(b))), (a, b) => neg(div(a, add(square(a), square(b))))],
  domains: [{ min: -2, max: 2, avoid: [0] }, { min: -2, max: 2, avoid: [0] }],
});

/**
 * Elementwise hyperbolic sine.
 *
 * @example
 * sinh(tensor([0, 1])) // [0, 1.1752]
 */
export const sinh: Op<{}> = unaryOp({
  name: 'ops.sinh',
  fn: Math.sinh,
  // d sinh x = cosh x
  derivative: (x) => cosh(x),
  domains: [{ min: -3, max: 3 }],
});

/**
 * Elementwise hyperbolic cosine.
 *
 * @example
 * cosh(tensor([0, 1])) // [1, 1.5431]
 */
export const cosh: Op<{}> = unaryOp({
  name: 'ops.cosh',
  fn: Math.cosh,
  // d cosh x = sinh x
  derivative: (x) => sinh(x),
  domains: [{ min: -3, max: 3 }],
});

/**
 * Elementwise inverse hyperbolic sine.
 *
 * @example
 * asinh(tensor([0, 1])) // [0, 0.8814]
 */
export const asinh: Op<{}> = unaryOp({
  name: 'ops.asinh',
  fn: Math.asinh,
  // d asinh x = 1/√(x² + 1)
  derivative: (x) => rsqrt(add(square(x), 1)),
  domains: [{ min: -4, max: 4 }],
});

/**
 * Elementwise inverse hyperbolic cosine (NaN below 1).
 *
 * @example
 * acosh(tensor([1, 2])) // [0, 1.3170]
 */
export const acosh: Op<{}> = unaryOp({
  name: 'ops.acosh',
  fn: Math.acosh,
  // d acosh x = 1/√(x² − 1)
  derivative: (x) => rsqrt(sub(square(x), 1)),
  domains: [{ min: 1.2, max: 5 }],
});

/**
 * Elementwise inverse hyperbolic tangent (±∞ at ±1, NaN beyond).
 *
 * @example
 * atanh(tensor([0, 0.5])) // [0, 0.5493]
 */
export const atanh: Op<{}> = unaryOp({
  name: 'ops.atanh',
  fn: Math.atanh,
  // d atanh x = 1/(1 − x²)
  derivative: (x) => reciprocal(sub(1, square(x))),
  domains: [{ min: -0.8, max: 0.8 }],
});
