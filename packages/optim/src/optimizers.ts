// Ready-made optimizers with PyTorch's update rules: sgd, adam, adamw and rmsprop, each a chain of transforms.

import { addDecayedWeights, scaleByAdam, scaleByRmsprop, sgdMomentum } from './gradient-transforms.js';
import { scaleByLearningRate } from './learning-rate.js';
import { chain, type GradientTransformation, type ScalarOrSchedule } from './transform.js';
import { checkFlag, checkNumber, checkOptions, checkRate, fail } from './validate.js';

/** The state of the ready-made optimizers: one entry per link of their chain. */
export type OptimizerState = unknown[];

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** lr: a number ≥ 0 or a schedule of the step. */
  readonly learningRate: ScalarOrSchedule;
  /** μ in [0, 1) (default 0). */
  readonly momentum?: number;
  /** In [0, 1] (default 0). */
  readonly dampening?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  readonly nesterov?: boolean;
  /** L2 penalty wd ≥ 0 added to the gradient (default 0). */
  readonly weightDecay?: number;
}

/**
 * Stochastic gradient descent with PyTorch's update, step by step:
 * ```
 * g ← g + wd·p
 * b ← μ·b + (1 − dampening)·g      (b ← g on the first step)
 * g ← g + μ·b   if nesterov,   g ← b   otherwise      (only when μ > 0)
 * p ← p − lr·g
 * ```
 * The state is `[…, learning-rate state]`: read the rate with `currentLearningRate(state)`
 * and override it with `setLearningRate(state, lr)`.
 *
 * @example
 * const opt = sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 })
 * let state = opt.init(params)
 * const { updates, state: next } = opt.update(grads, state, params)
 * params = applyUpdates(params, updates)
 */
export const sgd = (options: SgdOptions): GradientTransformation<OptimizerState> => {
  const fn = 'sgd';
  checkOptions(fn, options, ['learningRate', 'momentum', 'dampening', 'nesterov', 'weightDecay']);
  const lr = checkRate(fn, 'learningRate', options.learningRate);
  const momentum = checkNumber(fn, 'momentum', options.momentum ?? 0, { min: 0, max: 1, maxExclusive: true });
  const dampening = checkNumber(fn, 'dampening', options.dampening ?? 0, { min: 0, max: 1 });
  const nesterov = checkFlag(fn, 'nesterov', options.nesterov ?? false);
  const wd = checkNumber(fn, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  if (nesterov && (momentum === 0 || dampening !== 0)) {
    fail(fn, 'nesterov', `needs momentum > 0 and dampening = 0 (got momentum ${momentum}, dampening ${dampening})`);
  }
  return chain(
    ...(wd > 0 ? [addDecayedWeights(wd)] : []),
    ...(momentum > 0 ? [sgdMomentum({ momentum, dampening, nesterov })] : []),
    scaleByLearningRate(lr),
  );
};

/** Options of {@link adam} and {@link adamw}. */
export interface AdamOptions {
  /** lr: a number ≥ 0 or a schedule of the step. */
  readonly learningRate: ScalarOrSchedule;
  /** β₁ in [0, 1) (default 0.9). */
  readonly beta1?: number;
  /** β₂ in [0, 1) (default 0.999). */
  readonly beta2?: number;
  /** ε ≥ 0 (default 1e-8). */
  readonly epsilon?: number;
  /** wd ≥ 0: L2 added to the gradient for adam (default 0), decoupled decay for adamw (default 0.01). */
  readonly weightDecay?: number;
}

const adamParts = (fn: string, options: AdamOptions, defaultWd: number) => {
  checkOptions(fn, options, ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay']);
  const lr = checkRate(fn, 'learningRate', options.learningRate);
  const beta1 = checkNumber(fn, 'beta1', options.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true });
  const beta2 = checkNumber(fn, 'beta2', options.beta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true });
  const epsilon = checkNumber(fn, 'epsilon', options.epsilon ?? 1e-8, { min: 0 });
  const wd = checkNumber(fn, 'weightDecay', options.weightDecay ?? defaultWd, { min: 0 });
  return { lr, wd, moments: scaleByAdam({ beta1, beta2, epsilon }) };
};

/**
 * Adam (Kingma & Ba) as PyTorch computes it, t counting from 1:
 * ```
 * g ← g + wd·p                      (only when weightDecay > 0)
 * m ← β₁·m + (1 − β₁)·g
 * v ← β₂·v + (1 − β₂)·g²
 * p ← p − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * ```
 *
 * @example
 * const opt = adam({ learningRate: 1e-3 })
 */
export const adam = (options: AdamOptions): GradientTransformation<OptimizerState> => {
  const { lr, wd, moments } = adamParts('adam', options, 0);
  return chain(...(wd > 0 ? [addDecayedWeights(wd)] : []), moments, scaleByLearningRate(lr));
};

/**
 * AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the gradient, as in
 * PyTorch (`p ← p·(1 − lr·wd)` then the Adam step), i.e.
 * ```
 * p ← p − lr · ( m̂ / (√v̂ + ε) + wd·p )
 * ```
 * with m̂, v̂ the bias-corrected moments of {@link adam}. Default weightDecay 0.01.
 *
 * @example
 * const opt = adamw({ learningRate: 1e-3, weightDecay: 0.05 })
 */
export const adamw = (options: AdamOptions): GradientTransformation<OptimizerState> => {
  const { lr, wd, moments } = adamParts('adamw', options, 0.01);
  return chain(moments, ...(wd > 0 ? [addDecayedWeights(wd)] : []), scaleByLearningRate(lr));
};

/** Options of {@link rmsprop}. */
export interface RmspropOptions {
  /** lr: a number ≥ 0 or a schedule of the step. */
  readonly learningRate: ScalarOrSchedule;
  /** α in [0, 1) (default 0.99). */
  readonly alpha?: number;
  /** ε ≥ 0 (default 1e-8). */
  readonly epsilon?: number;
  /** μ in [0, 1) (default 0). */
  readonly momentum?: number;
  /** Normalise by the variance estimate rather than the raw second moment (default false). */
  readonly centered?: boolean;
  /** L2 penalty wd ≥ 0 added to the gradient (default 0). */
  readonly weightDecay?: number;
}

/**
 * RMSprop with PyTorch's update:
 * ```
 * g ← g + wd·p
 * v ← α·v + (1 − α)·g²
 * d = √(v − ḡ²) + ε  with ḡ ← α·ḡ + (1 − α)·g   if centered,   d = √v + ε otherwise
 * b ← μ·b + g/d,  p ← p − lr·b     if μ > 0,      p ← p − lr·g/d otherwise
 * ```
 *
 * @example
 * const opt = rmsprop({ learningRate: 0.01, momentum: 0.9 })
 */
export const rmsprop = (options: RmspropOptions): GradientTransformation<OptimizerState> => {
  const fn = 'rmsprop';
  checkOptions(fn, options, ['learningRate', 'alpha', 'epsilon', 'momentum', 'centered', 'weightDecay']);
  const lr = checkRate(fn, 'learningRate', options.learningRate);
  const alpha = checkNumber(fn, 'alpha', options.alpha ?? 0.99, { min: 0, max: 1, maxExclusive: true });
  const epsilon = checkNumber(fn, 'epsilon', options.epsilon ?? 1e-8, { min: 0 });
  const momentum = checkNumber(fn, 'momentum', options.momentum ?? 0, { min: 0, max: 1, maxExclusive: true });
  const centered = checkFlag(fn, 'centered', options.centered ?? false);
  const wd = checkNumber(fn, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  return chain(
    ...(wd > 0 ? [addDecayedWeights(wd)] : []),
    scaleByRmsprop({ alpha, epsilon, momentum, centered }),
    scaleByLearningRate(lr),
  );
};
