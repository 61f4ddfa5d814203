// Elementwise ops on one input: the activations and maths functions of the standard library, each declared by its scalar function and derivative.

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import { unaryOp, withDefaults, finite, add, sub, mul, div, neg, exp, sigmoid, type Op, type Aval, type Tensor } from '@chainrule/core';
import { greater, greaterEqual, less, lessEqual, where } from './binary.js';

export { neg, exp, log, sigmoid, cast, stopGradient } from '@chainrule/core';

/**
 * Elementwise |x|. Subgradient at 0: 0 (the gradient is sign(x)).
 *
 * @example
 * abs(tensor([-2, 0, 3])) // [2, 0, 3]
 */
export const abs: Op<{}> = unaryOp({
  name: 'ops.abs',
  fn: Math.abs,
  // d|x| = sign(x)
  derivative: (x) => sign(x),
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
export const sign: Op<{}> = unaryOp({
  name: 'ops.sign',
  fn: Math.sign,
  // d sign = 0: no gradient
  domains: [{ min: -5, max: 5, avoid: [0] }],
});

/**
 * Elementwise ⌊x⌋. Piecewise constant: no gradient.
 *
 * @example
 * floor(tensor([2.5, -0.5])) // [2, -1]
 */
export const floor: Op<{}> = unaryOp({
  name: 'ops.floor',
  fn: Math.floor,
  // d⌊x⌋ = 0 almost everywhere: no gradient
});

/**
 * Elementwise rounding to the nearest integer, halves away from zero. No gradient.
 *
 * @example
 * round(tensor([2.5, -2.5, 0.4])) // [3, -3, 0]
 */
export const round: Op<{}> = unaryOp({
  name: 'ops.round',
  fn: (v) => Math.sign(v) * Math.round(Math.abs(v)),
  // d round = 0 almost everywhere: no gradient
});

/**
 * Elementwise eˣ − 1, accurate for x near 0 (where `sub(exp(x), 1)` loses all digits).
 *
 * @example
 * expm1(tensor([1e-10], { dtype: 'float64' })) // [1.00000000005e-10]
 */
export const expm1: Op<{}> = unaryOp({
  name: 'ops.expm1',
  fn: Math.expm1,
  // d(eˣ − 1) = eˣ = y + 1
  derivative: (_x, y) => add(y, 1),
  domains: [{ min: -5, max: 5 }],
});

/**
 * Elementwise log(1 + x), accurate for x near 0.
 *
 * @example
 * log1p(tensor([1e-10], { dtype: 'float64' })) // [9.9999999995e-11]
 */
export const log1p: Op<{}> = unaryOp({
  name: 'ops.log1p',
  fn: Math.log1p,
  // d log(1+x) = 1/(1+x)
  derivative: (x) => reciprocal(add(x, 1)),
  domains: [{ min: -0.5, max: 10 }],
});

/**
 * Elementwise √x (NaN for x < 0).
 *
 * @example
 * sqrt(tensor([4, 9])) // [2, 3]
 */
export const sqrt: Op<{}> = unaryOp({
  name: 'ops.sqrt',
  fn: Math.sqrt,
  // d√x = 1/(2√x)
  derivative: (_x, y) => div(0.5, y),
  domains: [{ min: 0.1, max: 10 }],
});

/**
 * Elementwise 1/√x.
 *
 * @example
 * rsqrt(tensor([4, 0.25])) // [0.5, 2]
 */
export const rsqrt: Op<{}> = unaryOp({
  name: 'ops.rsqrt',
  fn: (v) => 1 / Math.sqrt(v),
  // d x^(−½) = −y/(2x)
  derivative: (x, y) => div(y, mul(x, -2)),
  domains: [{ min: 0.1, max: 10 }],
});

/**
 * Elementwise x².
 *
 * @example
 * square(tensor([-3, 2])) // [9, 4]
 */
export const square: Op<{}> = unaryOp({
  name: 'ops.square',
  fn: (v) => v * v,
  // d x² = 2x
  derivative: (x) => mul(x, 2),
});

/**
 * Elementwise 1/x.
 *
 * @example
 * reciprocal(tensor([2, -4])) // [0.5, -0.25]
 */
export const reciprocal: Op<{}> = unaryOp({
  name: 'ops.reciprocal',
  fn: (v) => 1 / v,
  // d(1/x) = −y²
  derivative: (_x, y) => neg(mul(y, y)),
  domains: [{ min: -5, max: 5, avoid: [0] }],
});

/**
 * Elementwise sine (radians).
 *
 * @example
 * sin(tensor([0, Math.PI / 2])) // [0, 1]
 */
export const sin: Op<{}> = unaryOp({
  name: 'ops.sin',
  fn: Math.sin,
  // d sin x = cos x
  derivative: (x) => cos(x),
  domains: [{ min: -6, max: 6 }],
});

/**
 * Elementwise cosine (radians).
 *
 * @example
 * cos(tensor([0, Math.PI])) // [1, -1]
 */
export const cos: Op<{}> = unaryOp({
  name: 'ops.cos',
  fn: Math.cos,
  // d cos x = −sin x
  derivative: (x) => neg(sin(x)),
  domains: [{ min: -6, max: 6 }],
});

/**
 * Elementwise hyperbolic tangent.
 *
 * @example
 * tanh(tensor([0, 1000])) // [0, 1]
 */
export const tanh: Op<{}> = unaryOp({
  name: 'ops.tanh',
  fn: Math.tanh,
  // d tanh = 1 − y²
  derivative: (_x, y) => sub(1, mul(y, y)),
  domains: [{ min: -4, max: 4 }],
});

/**
 * Elementwise max(x, 0). Subgradient at 0: 0 (as in TensorFlow, JAX and PyTorch).
 *
 * @example
 * relu(tensor([-1, 0, 2])) // [0, 0, 2]
 */
export const relu: Op<{}> = unaryOp({
  name: 'ops.relu',
  fn: (v) => (v > 0 ? v : v === v ? 0 : v),
  // d relu = [x > 0]
  derivative: (x) => greater(x, 0),
  domains: [{ min: -5, max: 5, avoid: [0] }],
  smooth: false,
});

/** Attrs of {@link leakyRelu}: the slope for x ≤ 0 (default 0.2, as in TensorFlow.js). */
export interface LeakyReluAttrs {
  readonly alpha: number;
}

/**
 * Elementwise x for x > 0, α·x otherwise; `alpha` defaults to 0.2 (TensorFlow.js's
 * default; PyTorch uses 0.01). Subgradient at 0: α (the x ≤ 0 branch).
 *
 * @example
 * leakyRelu(tensor([-1, 2]))                  // [-0.2, 2]
 * leakyRelu(tensor([-1, 2]), { alpha: 0.01 }) // [-0.01, 2]
 */
export const leakyRelu: Op<LeakyReluAttrs> = unaryOp({
  name: 'ops.leakyRelu',
  conformance: { cases: [{ inputs: [[2, 3]] }, { inputs: [[4]], attrs: { alpha: 0.05 } }], badAttrs: [{ alpha: 'small' }] },
  attrs: withDefaults({ alpha: finite }, { alpha: 0.2 }),
  fn: (v, { alpha }) => (v > 0 ? v : alpha * v),
  // d leakyRelu = x > 0 ? 1 : α
  derivative: (x, _y, { alpha }) => where(greater(x, 0), 1, alpha),
  domains: [{ min: -5, max: 5, avoid: [0] }],
  smooth: false,
});

/** Attrs of {@link elu}: the scale of the negative branch (default 1). */
export interface EluAttrs {
  readonly alpha: number;
}

/**
 * Exponential linear unit: x for x > 0, α·(eˣ − 1) otherwise (`alpha` default 1).
 * Subgradient at 0: α (the x ≤ 0 branch; continuous when α = 1).
 *
 * @example
 * elu(tensor([-1, 2])) // [-0.632, 2]
 */
export const elu: Op<EluAttrs> = unaryOp({
  name: 'ops.elu',
  conformance: { cases: [{ inputs: [[2, 3]] }, { inputs: [[4]], attrs: { alpha: 0.5 } }], badAttrs: [{ alpha: 'one' }] },
  attrs: withDefaults({ alpha: finite }, { alpha: 1 }),
  fn: (v, { alpha }) => (v > 0 ? v : alpha * Math.expm1(v)),
  // d elu = x > 0 ? 1 : y + α
  derivative: (x, y, { alpha }) => where(greater(x, 0), 1, add(y, alpha)),
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
export const erf: Op<{}> = unaryOp({
  name: 'ops.erf',
  fn: erfOf,
  // d erf = (2/√π)·e^(−x²)
  derivative: (x) => mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI),
  domains: [{ min: -3, max: 3 }],
});

/**
 * The complementary error function erfc(x) = 1 − erf(x), with its relative precision kept in
 * the tail: erfc(26) ≈ 5.7e-296 rather than 0. Same series and continued fraction as erf.
 *
 * @example
 * erfc(tensor([0, 3])) // [1, 2.209e-5]
 */
export const erfc: Op<{}> = unaryOp({
  name: 'ops.erfc',
  fn: erfcOf,
  // d erfc = −(2/√π)·e^(−x²)
  derivative: (x) => mul(exp(neg(mul(x, x))), -TWO_OVER_SQRT_PI),
  domains: [{ min: -3, max: 3 }],
});

/**
 * Gaussian error linear unit, the exact form x·Φ(x) = x·½·(1 + erf(x/√2)) (not the tanh
 * approximation). Φ is computed through erfc for negative x, so the tail keeps its relative
 * precision.
 *
 * @example
 * gelu(tensor([-1, 0, 1])) // [-0.1587, 0, 0.8413]
 */
export const gelu: Op<{}> = unaryOp({
  name: 'ops.gelu',
  fn: (v) => v * 0.5 * erfcOf(-v * SQRT_HALF),
  // d gelu = Φ(x) + x·φ(x), with Φ(x) = ½·erfc(−x/√2): for x < −6 the sum is tiny and ½(1 + erf) would lose its digits
  derivative: (x) => add(mul(erfc(mul(x, -SQRT_HALF)), 0.5), mul(x, mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI))),
  domains: [{ min: -4, max: 4 }],
});

/**
 * softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^(−|x|)): finite and accurate for
 * x = ±1000.
 *
 * @example
 * softplus(tensor([0, 1000, -1000])) // [0.693, 1000, 0]
 */
export const softplus: Op<{}> = unaryOp({
  name: 'ops.softplus',
  fn: (v) => (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v))),
  // d softplus = σ(x)
  derivative: (x) => sigmoid(x),
  domains: [{ min: -6, max: 6 }],
});

/**
 * SiLU (swish): x·σ(x), stable for large |x|.
 *
 * @example
 * silu(tensor([0, 1])) // [0, 0.731]
 */
export const silu: Op<{}> = unaryOp({
  name: 'ops.silu',
  fn: (v) => {
    if (v >= 0) return v / (1 + Math.exp(-v));
    const e = Math.exp(v);
    return (v * e) / (1 + e);
  },
  // d silu = σ(x)·(1 + x·(1 − σ(x)))
  derivative: (x) => {
    const s = sigmoid(x);
    return mul(s, add(mul(x, sub(1, s)), 1));
  },
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

/**
 * Elementwise clamp to [min, max] (either bound may be omitted). Subgradient: 1 on the
 * closed interval min ≤ x ≤ max (the bounds included, as in TensorFlow.js), 0 outside.
 *
 * @example
 * clip(tensor([-2, 0.5, 3]), { min: 0, max: 1 }) // [0, 0.5, 1]
 */
export const clip: Op<ClipAttrs> = unaryOp({
  name: 'ops.clip',
  conformance: {
    cases: [
      { inputs: [[2, 3]], label: 'no bounds' },
      { inputs: [{ shape: [2, 3], min: -1, max: 2, avoid: [0, 1] }], attrs: { min: 0, max: 1 } },
      { inputs: [{ shape: [4], avoid: [-0.5] }], attrs: { min: -0.5 } },
    ],
    badAttrs: [{ min: 'zero' }],
  },
  attrs: t.partial({ min: finite, max: finite }),
  infer: inferClip,
  fn: (v, { min = -Infinity, max = Infinity }) => (v < min ? min : v > max ? max : v),
  // d clip = [min ≤ x ≤ max]
  derivative: (x, _y, { min, max }) => {
    const lo = min === undefined ? null : greaterEqual(x, min);
    const hi = max === undefined ? null : lessEqual(x, max);
    return lo === null ? (hi === null ? 1 : hi) : hi === null ? lo : mul(lo, hi);
  },
  // The kinks sit at the bounds, which are attrs: these avoid points suit bounds of ±1; tests with other bounds avoid them.
  domains: [{ min: -3, max: 3, avoid: [-1, 1] }],
  smooth: false,
});

/**
 * Elementwise 2ˣ.
 *
 * @example
 * exp2(tensor([3, -1])) // [8, 0.5]
 */
export const exp2: Op<{}> = unaryOp({
  name: 'ops.exp2',
  fn: (v) => Math.pow(2, v),
  // d 2ˣ = 2ˣ·ln 2
  derivative: (_x, y) => mul(y, Math.LN2),
  domains: [{ min: -5, max: 5 }],
});

/**
 * Elementwise base-2 logarithm.
 *
 * @example
 * log2(tensor([8, 0.5])) // [3, -1]
 */
export const log2: Op<{}> = unaryOp({
  name: 'ops.log2',
  fn: Math.log2,
  // d log₂ x = 1/(x·ln 2)
  derivative: (x) => div(1 / Math.LN2, x),
  domains: [{ min: 0.1, max: 10 }],
});

/**
 * Elementwise base-10 logarithm.
 *
 * @example
 * log10(tensor([100, 0.1])) // [2, -1]
 */
export const log10: Op<{}> = unaryOp({
  name: 'ops.log10',
  fn: Math.log10,
  // d log₁₀ x = 1/(x·ln 10)
  derivative: (x) => div(1 / Math.LN10, x),
  domains: [{ min: 0.1, max: 10 }],
});

/**
 * softsign(x) = x/(1 + |x|), a bounded activation in (−1, 1).
 *
 * @example
 * softsign(tensor([-1, 0, 3])) // [-0.5, 0, 0.75]
 */
export const softsign: Op<{}> = unaryOp({
  name: 'ops.softsign',
  fn: (v) => v / (1 + Math.abs(v)),
  // d softsign = 1/(1 + |x|)²
  derivative: (x) => reciprocal(square(add(abs(x), 1))),
  // Its second derivative jumps at 0.
  domains: [{ min: -5, max: 5, avoid: [0] }],
});

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * Scaled exponential linear unit: λ·x for x > 0, λ·α·(eˣ − 1) otherwise, with the fixed
 * λ ≈ 1.0507 and α ≈ 1.6733 that make activations self-normalising (Klambauer et al., 2017).
 * Subgradient at 0: λ·α (the x ≤ 0 branch).
 *
 * @example
 * selu(tensor([-1, 1])) // [-1.1113, 1.0507]
 */
export const selu: Op<{}> = unaryOp({
  name: 'ops.selu',
  fn: (v) => (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v)),
  // d selu = x > 0 ? λ : y + λ·α
  derivative: (x, y) => where(greater(x, 0), SELU_SCALE, add(y, SELU_SCALE * SELU_ALPHA)),
  domains: [{ min: -5, max: 5, avoid: [0] }],
  smooth: false,
});

/** softplus(x) without overflow, for the scalar kernels. */
const softplusOf = (v: number): number => (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));

/**
 * mish(x) = x·tanh(softplus(x)) (Misra, 2019), finite for x = ±1000.
 *
 * @example
 * mish(tensor([0, 1])) // [0, 0.8651]
 */
export const mish: Op<{}> = unaryOp({
  name: 'ops.mish',
  fn: (v) => v * Math.tanh(softplusOf(v)),
  // d mish = t + x·(1 − t²)·σ(x), t = tanh(softplus(x))
  derivative: (x) => {
    const t = tanh(softplus(x));
    return add(t, mul(mul(x, sub(1, square(t))), sigmoid(x)));
  },
  domains: [{ min: -5, max: 5 }],
});

/** [−3 < x < 3], built from ops: where hardSigmoid and hardSwish are not flat. */
const insideThree = (x: Tensor) => mul(greater(x, -3), less(x, 3));

/**
 * hardSigmoid(x) = clip(x/6 + ½, 0, 1), the piecewise-linear sigmoid of PyTorch and
 * MobileNetV3 (TensorFlow.js's uses slope 0.2 instead). Subgradient at ±3: 0.
 *
 * @example
 * hardSigmoid(tensor([-4, 0, 1.5])) // [0, 0.5, 0.75]
 */
export const hardSigmoid: Op<{}> = unaryOp({
  name: 'ops.hardSigmoid',
  fn: (v) => (v <= -3 ? 0 : v >= 3 ? 1 : v / 6 + 0.5),
  // d hardSigmoid = [−3 < x < 3]/6
  derivative: (x) => mul(insideThree(x), 1 / 6),
  domains: [{ min: -5, max: 5, avoid: [-3, 3] }],
  smooth: false,
});

/**
 * hardSwish(x) = x·hardSigmoid(x) (MobileNetV3). Subgradient at ±3: the outer branches
 * (0 at −3, 1 at 3).
 *
 * @example
 * hardSwish(tensor([-4, 1, 4])) // [0, 0.6667, 4]
 */
export const hardSwish: Op<{}> = unaryOp({
  name: 'ops.hardSwish',
  fn: (v) => (v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6),
  // d hardSwish = x ≤ −3 ? 0 : x ≥ 3 ? 1 : (2x + 3)/6
  derivative: (x) => add(mul(insideThree(x), add(mul(x, 1 / 3), 0.5)), greaterEqual(x, 3)),
  domains: [{ min: -5, max: 5, avoid: [-3, 3] }],
  smooth: false,
});
