// Elementwise ops on one input: the activations and maths functions of the standard library.

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import { defineOp, allocate, inferSame, noAttrs, noGradient, add, sub, mul, div, neg, exp, sigmoid, type Op, type Aval, type Tensor } from '@chainrule/core';
import { greater, greaterEqual, lessEqual, where } from './binary.js';

export { neg, exp, log, sigmoid, cast, stopGradient } from '@chainrule/core';

const finite = t.refinement(t.number, Number.isFinite, 'finite number');

/**
 * Elementwise |x|. Subgradient at 0: 0 (the gradient is sign(x)).
 *
 * @example
 * abs(tensor([-2, 0, 3])) // [2, 0, 3]
 */
export const abs: Op<{}> = defineOp({
  name: 'ops.abs',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.abs(d[i]);
    return o;
  },
  // ∂|x| = g·sign(x)
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, sign(x))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : mul(tx, sign(x))),
  domains: [{ min: -5, max: 5, avoid: [0] }],
  smooth: false,
});

/**
 * Elementwise sign: −1, 0 or 1 (NaN stays NaN). Its derivative is zero wherever it exists,
 * so no cotangent flows back (a symbolic zero); at 0 the convention is also 0.
 *
 * @example
 * sign(tensor([-2, 0, 3])) // [-1, 0, 1]
 */
export const sign: Op<{}> = defineOp({
  name: 'ops.sign',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.sign(d[i]);
    return o;
  },
  // ∂sign = 0
  vjp: () => [null],
  jvp: () => null,
  domains: [{ min: -5, max: 5, avoid: [0] }],
  smooth: false,
});

/**
 * Elementwise ⌊x⌋. Piecewise constant: no gradient.
 *
 * @example
 * floor(tensor([2.5, -0.5])) // [2, -1]
 */
export const floor: Op<{}> = defineOp({
  name: 'ops.floor',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.floor(d[i]);
    return o;
  },
  // ∂⌊x⌋ = 0 almost everywhere: no gradient
  vjp: noGradient,
  differentiable: false,
});

/**
 * Elementwise rounding to the nearest integer, halves away from zero. No gradient.
 *
 * @example
 * round(tensor([2.5, -2.5, 0.4])) // [3, -3, 0]
 */
export const round: Op<{}> = defineOp({
  name: 'ops.round',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.sign(d[i]) * Math.round(Math.abs(d[i]));
    return o;
  },
  // ∂round = 0 almost everywhere: no gradient
  vjp: noGradient,
  differentiable: false,
});

/**
 * Elementwise eˣ − 1, accurate for x near 0 (where `sub(exp(x), 1)` loses all digits).
 *
 * @example
 * expm1(tensor([1e-10], { dtype: 'float64' })) // [1.00000000005e-10]
 */
export const expm1: Op<{}> = defineOp({
  name: 'ops.expm1',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.expm1(d[i]);
    return o;
  },
  // ∂(eˣ − 1) = g·eˣ = g·(y + 1)
  vjp: ({ output: y, cotangent: g }) => [mul(g, add(y, 1))],
  jvp: ({ output: y, tangents: [tx] }) => (tx === null ? null : mul(tx, add(y, 1))),
  domains: [{ min: -5, max: 5 }],
});

/**
 * Elementwise log(1 + x), accurate for x near 0.
 *
 * @example
 * log1p(tensor([1e-10], { dtype: 'float64' })) // [9.9999999995e-11]
 */
export const log1p: Op<{}> = defineOp({
  name: 'ops.log1p',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.log1p(d[i]);
    return o;
  },
  // ∂log(1+x) = g/(1+x)
  vjp: ({ inputs: [x], cotangent: g }) => [div(g, add(x, 1))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : div(tx, add(x, 1))),
  domains: [{ min: -0.5, max: 10 }],
});

/**
 * Elementwise √x (NaN for x < 0).
 *
 * @example
 * sqrt(tensor([4, 9])) // [2, 3]
 */
export const sqrt: Op<{}> = defineOp({
  name: 'ops.sqrt',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.sqrt(d[i]);
    return o;
  },
  // ∂√x = g/(2√x)
  vjp: ({ output: y, cotangent: g }) => [div(g, mul(y, 2))],
  jvp: ({ output: y, tangents: [tx] }) => (tx === null ? null : div(tx, mul(y, 2))),
  domains: [{ min: 0.1, max: 10 }],
});

/**
 * Elementwise 1/√x.
 *
 * @example
 * rsqrt(tensor([4, 0.25])) // [0.5, 2]
 */
export const rsqrt: Op<{}> = defineOp({
  name: 'ops.rsqrt',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = 1 / Math.sqrt(d[i]);
    return o;
  },
  // ∂x^(−½) = −g·y/(2x)
  vjp: ({ inputs: [x], output: y, cotangent: g }) => [mul(g, div(y, mul(x, -2)))],
  jvp: ({ inputs: [x], output: y, tangents: [tx] }) => (tx === null ? null : mul(tx, div(y, mul(x, -2)))),
  domains: [{ min: 0.1, max: 10 }],
});

/**
 * Elementwise x².
 *
 * @example
 * square(tensor([-3, 2])) // [9, 4]
 */
export const square: Op<{}> = defineOp({
  name: 'ops.square',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = d[i] * d[i];
    return o;
  },
  // ∂x² = 2·g·x
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, mul(x, 2))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : mul(tx, mul(x, 2))),
});

/**
 * Elementwise 1/x.
 *
 * @example
 * reciprocal(tensor([2, -4])) // [0.5, -0.25]
 */
export const reciprocal: Op<{}> = defineOp({
  name: 'ops.reciprocal',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = 1 / d[i];
    return o;
  },
  // ∂(1/x) = −g·y²
  vjp: ({ output: y, cotangent: g }) => [neg(mul(g, mul(y, y)))],
  jvp: ({ output: y, tangents: [tx] }) => (tx === null ? null : neg(mul(tx, mul(y, y)))),
  domains: [{ min: -5, max: 5, avoid: [0] }],
});

/**
 * Elementwise sine (radians).
 *
 * @example
 * sin(tensor([0, Math.PI / 2])) // [0, 1]
 */
export const sin: Op<{}> = defineOp({
  name: 'ops.sin',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.sin(d[i]);
    return o;
  },
  // ∂sin x = g·cos x
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, cos(x))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : mul(tx, cos(x))),
  domains: [{ min: -6, max: 6 }],
});

/**
 * Elementwise cosine (radians).
 *
 * @example
 * cos(tensor([0, Math.PI])) // [1, -1]
 */
export const cos: Op<{}> = defineOp({
  name: 'ops.cos',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.cos(d[i]);
    return o;
  },
  // ∂cos x = −g·sin x
  vjp: ({ inputs: [x], cotangent: g }) => [neg(mul(g, sin(x)))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : neg(mul(tx, sin(x)))),
  domains: [{ min: -6, max: 6 }],
});

/**
 * Elementwise hyperbolic tangent.
 *
 * @example
 * tanh(tensor([0, 1000])) // [0, 1]
 */
export const tanh: Op<{}> = defineOp({
  name: 'ops.tanh',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.tanh(d[i]);
    return o;
  },
  // ∂tanh = g·(1 − y²)
  vjp: ({ output: y, cotangent: g }) => [mul(g, sub(1, mul(y, y)))],
  jvp: ({ output: y, tangents: [tx] }) => (tx === null ? null : mul(tx, sub(1, mul(y, y)))),
  domains: [{ min: -4, max: 4 }],
});

/**
 * Elementwise max(x, 0). Subgradient at 0: 0 (as in TensorFlow, JAX and PyTorch).
 *
 * @example
 * relu(tensor([-1, 0, 2])) // [0, 0, 2]
 */
export const relu: Op<{}> = defineOp({
  name: 'ops.relu',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = d[i] > 0 ? d[i] : d[i] === d[i] ? 0 : d[i];
    return o;
  },
  // ∂relu = g·[x > 0]
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, greater(x, 0))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : mul(tx, greater(x, 0))),
  domains: [{ min: -5, max: 5, avoid: [0] }],
  smooth: false,
});

/** Attrs of {@link leakyRelu}: the slope for x ≤ 0 (default 0.2, as in TensorFlow.js). */
export interface LeakyReluAttrs {
  readonly alpha?: number;
}

/**
 * Elementwise x for x > 0, α·x otherwise; `alpha` defaults to 0.2 (TensorFlow.js's
 * default; PyTorch uses 0.01). Subgradient at 0: α (the x ≤ 0 branch).
 *
 * @example
 * leakyRelu(tensor([-1, 2]))                  // [-0.2, 2]
 * leakyRelu(tensor([-1, 2]), { alpha: 0.01 }) // [-0.01, 2]
 */
export const leakyRelu: Op<LeakyReluAttrs> = defineOp({
  name: 'ops.leakyRelu',
  kind: 'elementwise',
  attrs: t.partial({ alpha: finite }),
  arity: 1,
  infer: inferSame,
  forward: ([x], { alpha = 0.2 }, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = d[i] > 0 ? d[i] : alpha * d[i];
    return o;
  },
  // ∂leakyRelu = g·(x > 0 ? 1 : α)
  vjp: ({ inputs: [x], cotangent: g, attrs: { alpha = 0.2 } }) => [where(greater(x, 0), g, mul(g, alpha))],
  jvp: ({ inputs: [x], tangents: [tx], attrs: { alpha = 0.2 } }) => (tx === null ? null : where(greater(x, 0), tx, mul(tx, alpha))),
  domains: [{ min: -5, max: 5, avoid: [0] }],
  smooth: false,
});

/** Attrs of {@link elu}: the scale of the negative branch (default 1). */
export interface EluAttrs {
  readonly alpha?: number;
}

/**
 * Exponential linear unit: x for x > 0, α·(eˣ − 1) otherwise (`alpha` default 1).
 * Subgradient at 0: α (the x ≤ 0 branch; continuous when α = 1).
 *
 * @example
 * elu(tensor([-1, 2])) // [-0.632, 2]
 */
export const elu: Op<EluAttrs> = defineOp({
  name: 'ops.elu',
  kind: 'elementwise',
  attrs: t.partial({ alpha: finite }),
  arity: 1,
  infer: inferSame,
  forward: ([x], { alpha = 1 }, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = d[i] > 0 ? d[i] : alpha * Math.expm1(d[i]);
    return o;
  },
  // ∂elu = g·(x > 0 ? 1 : y + α)
  vjp: ({ inputs: [x], output: y, cotangent: g, attrs: { alpha = 1 } }) => [where(greater(x, 0), g, mul(g, add(y, alpha)))],
  jvp: ({ inputs: [x], output: y, tangents: [tx], attrs: { alpha = 1 } }) =>
    tx === null ? null : where(greater(x, 0), tx, mul(tx, add(y, alpha))),
  domains: [{ min: -5, max: 5, avoid: [0] }],
  smooth: false,
});

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf(x) for |x| < 2 from 2/√π·e^(−x²)·Σₙ 2ⁿx^(2n+1)/(1·3···(2n+1)): positive terms, no cancellation. */
const erfSeries = (x: number): number => {
  const x2 = 2 * x * x;
  let term = x, s = x;
  for (let n = 1; n < 100; n++) {
    term *= x2 / (2 * n + 1);
    s += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(s)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * s;
};

/** erfc(x) for x ≥ 2 from the continued fraction e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))). */
const erfcFraction = (x: number): number => {
  let t = x;
  for (let k = 80; k >= 1; k--) t = x + k / 2 / t;
  return (Math.exp(-x * x) * INV_SQRT_PI) / t;
};

/** erf(x) to about 1e-15 relative error. */
const erfOf = (x: number): number => {
  const a = Math.abs(x);
  if (a < 2) return erfSeries(x);
  const r = 1 - erfcFraction(a);
  return x < 0 ? -r : r;
};

/** erfc(x) = 1 − erf(x), keeping its relative precision for large positive x (the tail). */
const erfcOf = (x: number): number => (x < 2 ? 1 - erfSeries(Math.max(x, -6)) : erfcFraction(x));

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt. Computed with a positive-term series for
 * |x| < 2 and a continued fraction for the tail: relative error below 1e-15 against
 * high-precision values (checked in the tests).
 *
 * @example
 * erf(tensor([0, 1])) // [0, 0.8427]
 */
export const erf: Op<{}> = defineOp({
  name: 'ops.erf',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = erfOf(d[i]);
    return o;
  },
  // ∂erf = g·(2/√π)·e^(−x²)
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : mul(tx, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI))),
  domains: [{ min: -3, max: 3 }],
});

/** gelu′(x) = Φ(x) + x·φ(x), built from ops. */
const geluSlope = (x: Tensor) =>
  add(mul(add(erf(mul(x, SQRT_HALF)), 1), 0.5), mul(x, mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI)));

/**
 * Gaussian error linear unit, the exact form x·Φ(x) = x·½·(1 + erf(x/√2)) (not the tanh
 * approximation). Φ is computed through erfc for negative x, so the tail keeps its relative
 * precision.
 *
 * @example
 * gelu(tensor([-1, 0, 1])) // [-0.1587, 0, 0.8413]
 */
export const gelu: Op<{}> = defineOp({
  name: 'ops.gelu',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = d[i] * 0.5 * erfcOf(-d[i] * SQRT_HALF);
    return o;
  },
  // ∂gelu = g·(Φ(x) + x·φ(x))
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, geluSlope(x))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : mul(tx, geluSlope(x))),
  domains: [{ min: -4, max: 4 }],
});

/**
 * softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^(−|x|)): finite and accurate for
 * x = ±1000.
 *
 * @example
 * softplus(tensor([0, 1000, -1000])) // [0.693, 1000, 0]
 */
export const softplus: Op<{}> = defineOp({
  name: 'ops.softplus',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }
    return o;
  },
  // ∂softplus = g·σ(x)
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, sigmoid(x))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : mul(tx, sigmoid(x))),
  domains: [{ min: -6, max: 6 }],
});

/** silu′(x) = σ(x)·(1 + x·(1 − σ(x))), built from ops. */
const siluSlope = (x: Tensor) => {
  const s = sigmoid(x);
  return mul(s, add(mul(x, sub(1, s)), 1));
};

/**
 * SiLU (swish): x·σ(x), stable for large |x|.
 *
 * @example
 * silu(tensor([0, 1])) // [0, 0.731]
 */
export const silu: Op<{}> = defineOp({
  name: 'ops.silu',
  kind: 'elementwise',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v >= 0) o[i] = v / (1 + Math.exp(-v));
      else {
        const e = Math.exp(v);
        o[i] = (v * e) / (1 + e);
      }
    }
    return o;
  },
  // ∂silu = g·σ(x)·(1 + x·(1 − σ(x)))
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, siluSlope(x))],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : mul(tx, siluSlope(x))),
  domains: [{ min: -6, max: 6 }],
});

/** Attrs of {@link clip}: the bounds; an omitted bound does not clip. */
export interface ClipAttrs {
  readonly min?: number;
  readonly max?: number;
}

const inferClip = (inputs: readonly Aval[], { min, max }: ClipAttrs) =>
  min !== undefined && max !== undefined && min > max
    ? left({ _tag: 'BadAttrs' as const, message: `clip: min ${min} is greater than max ${max}` })
    : right(inputs[0]);

/** The 0/1 mask of min ≤ x ≤ max, built from ops. */
const clipMask = (x: Tensor, { min, max }: ClipAttrs) => {
  const lo = min === undefined ? null : greaterEqual(x, min);
  const hi = max === undefined ? null : lessEqual(x, max);
  return lo === null ? hi : hi === null ? lo : mul(lo, hi);
};

/**
 * Elementwise clamp to [min, max] (either bound may be omitted). Subgradient: 1 on the
 * closed interval min ≤ x ≤ max (the bounds included, as in TensorFlow.js), 0 outside.
 *
 * @example
 * clip(tensor([-2, 0.5, 3]), { min: 0, max: 1 }) // [0, 0.5, 1]
 */
export const clip: Op<ClipAttrs> = defineOp({
  name: 'ops.clip',
  kind: 'elementwise',
  attrs: t.partial({ min: finite, max: finite }),
  arity: 1,
  infer: inferClip,
  forward: ([x], { min = -Infinity, max = Infinity }, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = v < min ? min : v > max ? max : v;
    }
    return o;
  },
  // ∂clip = g·[min ≤ x ≤ max]
  vjp: ({ inputs: [x], cotangent: g, attrs }) => {
    const m = clipMask(x, attrs);
    return [m === null ? g : mul(g, m)];
  },
  jvp: ({ inputs: [x], tangents: [tx], attrs }) => {
    const m = clipMask(x, attrs);
    return tx === null ? null : m === null ? tx : mul(tx, m);
  },
  // The kinks sit at the bounds, which are attrs: these avoid points suit bounds of ±1; tests with other bounds avoid them.
  domains: [{ min: -3, max: 3, avoid: [-1, 1] }],
  smooth: false,
});
