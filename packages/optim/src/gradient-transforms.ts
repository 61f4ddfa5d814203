// Chainable gradient transformations: scaling, weight decay, clipping, momentum, Adam and RMSprop moments.

import { ChainruleError, add, sub, mul, div, exp, sum, treeMap, treeLeaves, type Tensor } from '@chainrule/core';
import { maximum, minimum, sqrt } from './ops.js';
import { asDtype, scalar, zerosLike, HYPER_DTYPE, type EmptyState, type GradientTransformation } from './transform.js';
import { checkFlag, checkNumber, checkOptions, fail } from './validate.js';

const needParams = (where: string, params: unknown): void => {
  if (params === undefined) throw new ChainruleError('BadArgument', `${where}: update needs the params (pass them as the third argument)`);
};

/**
 * Multiplies every update by a constant: `u ← factor·u`.
 *
 * @example
 * const opt = chain(scaleByAdam(), scale(-1e-3))
 */
export const scale = (factor: number): GradientTransformation<EmptyState> => {
  checkNumber('scale', 'factor', factor);
  return { init: () => ({}), update: (updates) => ({ updates: treeMap((u) => mul(u, factor), updates), state: {} }) };
};

/**
 * Adds decayed weights: `u ← u + rate·p`. Placed before momentum it is PyTorch's L2
 * `weight_decay`; placed after Adam's scaling it is AdamW's decoupled decay.
 *
 * @example
 * const opt = chain(addDecayedWeights(5e-4), sgdMomentum({ momentum: 0.9 }), scaleByLearningRate(0.1))
 */
export const addDecayedWeights = (rate: number): GradientTransformation<EmptyState> => {
  checkNumber('addDecayedWeights', 'rate', rate, { min: 0 });
  return {
    init: () => ({}),
    update: (updates, _state, params) => {
      if (rate === 0) return { updates, state: {} };
      needParams('addDecayedWeights', params);
      return { updates: treeMap((u, p) => add(u, mul(p, rate)), updates, params), state: {} };
    },
  };
};

/**
 * Clips every update element to `[min, max]`.
 *
 * @example
 * const opt = chain(clipByValue(-1, 1), sgd({ learningRate: 0.1 }))
 */
export const clipByValue = (min: number, max: number): GradientTransformation<EmptyState> => {
  checkNumber('clipByValue', 'min', min);
  checkNumber('clipByValue', 'max', max, { min });
  return { init: () => ({}), update: (updates) => ({ updates: treeMap((u) => minimum(maximum(u, min), max), updates), state: {} }) };
};

/**
 * The global L2 norm of a pytree of tensors, `√(Σ_leaves Σ x²)`, as a float64 scalar.
 *
 * @example
 * globalNorm([tensor([3]), tensor([4])]).item() // 5
 */
export const globalNorm = (tree: unknown): Tensor => {
  let total = scalar(0);
  for (const x of treeLeaves(tree)) total = add(total, asDtype(sum(mul(x, x)), HYPER_DTYPE));
  return sqrt(total);
};

/**
 * Rescales all updates together so their global norm is at most `maxNorm`:
 * `u ← u · maxNorm / max(‖u‖, maxNorm)` (unchanged when ‖u‖ ≤ maxNorm).
 *
 * @example
 * const opt = chain(clipByGlobalNorm(1), adam({ learningRate: 1e-3 }))
 */
export const clipByGlobalNorm = (maxNorm: number): GradientTransformation<EmptyState> => {
  checkNumber('clipByGlobalNorm', 'maxNorm', maxNorm, { min: 0, minExclusive: true });
  return {
    init: () => ({}),
    update: (updates) => {
      const factor = div(maxNorm, maximum(globalNorm(updates), maxNorm));
      return { updates: treeMap((u) => mul(u, asDtype(factor, u.dtype)), updates), state: {} };
    },
  };
};

/** Options of {@link sgdMomentum}. */
export interface SgdMomentumOptions {
  /** μ in [0, 1). */
  readonly momentum: number;
  /** Fraction of the gradient left out of the buffer after the first step, in [0, 1] (default 0). */
  readonly dampening?: number;
  /** Look ahead: output g + μ·b instead of b (default false; needs dampening 0). */
  readonly nesterov?: boolean;
}

/** State of {@link sgdMomentum}: the step count (float64 scalar) and one buffer per leaf. */
export interface SgdMomentumState {
  readonly count: Tensor;
  readonly buffer: unknown;
}

/**
 * PyTorch's SGD momentum buffer: `b ← μ·b + (1 − dampening)·g`, except `b ← g` on the first
 * step; outputs `g + μ·b` with Nesterov, `b` otherwise. The first-step rule is written as
 * `b ← μ·b + (1 − dampening·min(count, 1))·g` with `b` starting at zero, so it is arithmetic
 * on the step count and traces once.
 *
 * @example
 * const opt = chain(sgdMomentum({ momentum: 0.9, nesterov: true }), scaleByLearningRate(0.1))
 */
export const sgdMomentum = (options: SgdMomentumOptions): GradientTransformation<SgdMomentumState> => {
  const fn = 'sgdMomentum';
  checkOptions(fn, options, ['momentum', 'dampening', 'nesterov']);
  const mu = checkNumber(fn, 'momentum', options.momentum, { min: 0, max: 1, maxExclusive: true });
  const damp = checkNumber(fn, 'dampening', options.dampening ?? 0, { min: 0, max: 1 });
  const nesterov = checkFlag(fn, 'nesterov', options.nesterov ?? false);
  if (nesterov && (mu === 0 || damp !== 0)) fail(fn, 'nesterov', `needs momentum > 0 and dampening = 0 (got momentum ${mu}, dampening ${damp})`);
  return {
    init: (params) => ({ count: scalar(0), buffer: zerosLike(params) }),
    update: (updates, state) => {
      const gScale = sub(1, mul(damp, minimum(state.count, 1)));
      const buffer = treeMap((b, g) => add(mul(b, mu), mul(g, asDtype(gScale, g.dtype))), state.buffer, updates);
      const out = nesterov ? treeMap((g, b) => add(g, mul(b, mu)), updates, buffer) : (buffer as typeof updates);
      return { updates: out, state: { count: add(state.count, 1), buffer } };
    },
  };
};

/** β^t for a constant β ∈ [0, 1) and a float64 step tensor t ≥ 1. */
const powStep = (beta: number, t: Tensor): Tensor => (beta === 0 ? mul(t, 0) : exp(mul(t, Math.log(beta))));

/** Options of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** Decay of the first moment, in [0, 1) (default 0.9). */
  readonly beta1?: number;
  /** Decay of the second moment, in [0, 1) (default 0.999). */
  readonly beta2?: number;
  /** Added to the denominator, ≥ 0 (default 1e-8). */
  readonly epsilon?: number;
}

/** State of {@link scaleByAdam}: step count and the two moment estimates. */
export interface AdamState {
  readonly count: Tensor;
  readonly mu: unknown;
  readonly nu: unknown;
}

/**
 * Adam's scaling with bias correction inside the update (t = count + 1):
 * `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `u = (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)`.
 *
 * @example
 * const opt = chain(scaleByAdam({ beta1: 0.9 }), scaleByLearningRate(1e-3))
 */
export const scaleByAdam = (options: ScaleByAdamOptions = {}): GradientTransformation<AdamState> => {
  const fn = 'scaleByAdam';
  checkOptions(fn, options, ['beta1', 'beta2', 'epsilon']);
  const b1 = checkNumber(fn, 'beta1', options.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true });
  const b2 = checkNumber(fn, 'beta2', options.beta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true });
  const eps = checkNumber(fn, 'epsilon', options.epsilon ?? 1e-8, { min: 0 });
  return {
    init: (params) => ({ count: scalar(0), mu: zerosLike(params), nu: zerosLike(params) }),
    update: (updates, state) => {
      const t = add(state.count, 1);
      const bc1 = sub(1, powStep(b1, t)), bc2 = sub(1, powStep(b2, t));
      const mu = treeMap((m, g) => add(mul(m, b1), mul(g, 1 - b1)), state.mu, updates);
      const nu = treeMap((v, g) => add(mul(v, b2), mul(mul(g, g), 1 - b2)), state.nu, updates);
      const out = treeMap((m, v) => div(div(m, asDtype(bc1, m.dtype)), add(sqrt(div(v, asDtype(bc2, v.dtype))), eps)), mu, nu);
      return { updates: out as typeof updates, state: { count: t, mu, nu } };
    },
  };
};

/** Options of {@link scaleByRmsprop}. */
export interface ScaleByRmspropOptions {
  /** Decay of the squared-gradient average, in [0, 1) (default 0.99). */
  readonly alpha?: number;
  /** Added to the denominator, ≥ 0 (default 1e-8). */
  readonly epsilon?: number;
  /** Subtract the squared mean gradient from the average (default false). */
  readonly centered?: boolean;
  /** Momentum on the scaled gradient, in [0, 1) (default 0). */
  readonly momentum?: number;
}

/** State of {@link scaleByRmsprop}: the averages, plus a mean gradient if centered and a buffer if momentum > 0. */
export interface RmspropState {
  readonly squareAvg: unknown;
  readonly gradAvg?: unknown;
  readonly buffer?: unknown;
}

/**
 * PyTorch's RMSprop scaling: `v ← αv + (1−α)g²`; centered: `ḡ ← αḡ + (1−α)g`, `d = √(v − ḡ²) + ε`,
 * else `d = √v + ε`; with momentum `b ← μb + g/d`, `u = b`, else `u = g/d`.
 *
 * @example
 * const opt = chain(scaleByRmsprop({ alpha: 0.9 }), scaleByLearningRate(0.01))
 */
export const scaleByRmsprop = (options: ScaleByRmspropOptions = {}): GradientTransformation<RmspropState> => {
  const fn = 'scaleByRmsprop';
  checkOptions(fn, options, ['alpha', 'epsilon', 'centered', 'momentum']);
  const alpha = checkNumber(fn, 'alpha', options.alpha ?? 0.99, { min: 0, max: 1, maxExclusive: true });
  const eps = checkNumber(fn, 'epsilon', options.epsilon ?? 1e-8, { min: 0 });
  const centered = checkFlag(fn, 'centered', options.centered ?? false);
  const mu = checkNumber(fn, 'momentum', options.momentum ?? 0, { min: 0, max: 1, maxExclusive: true });
  return {
    init: (params) => ({
      squareAvg: zerosLike(params),
      ...(centered ? { gradAvg: zerosLike(params) } : {}),
      ...(mu > 0 ? { buffer: zerosLike(params) } : {}),
    }),
    update: (updates, state) => {
      const squareAvg = treeMap((v, g) => add(mul(v, alpha), mul(mul(g, g), 1 - alpha)), state.squareAvg, updates);
      const gradAvg = centered ? treeMap((a, g) => add(mul(a, alpha), mul(g, 1 - alpha)), state.gradAvg, updates) : undefined;
      const denom = centered
        ? treeMap((v, a) => add(sqrt(sub(v, mul(a, a))), eps), squareAvg, gradAvg)
        : treeMap((v) => add(sqrt(v), eps), squareAvg);
      const scaled = treeMap((g, d) => div(g, d), updates, denom);
      const buffer = mu > 0 ? treeMap((b, s) => add(mul(b, mu), s), state.buffer, scaled) : undefined;
      return {
        updates: (buffer ?? scaled) as typeof updates,
        state: { squareAvg, ...(centered ? { gradAvg } : {}), ...(mu > 0 ? { buffer } : {}) },
      };
    },
  };
};
