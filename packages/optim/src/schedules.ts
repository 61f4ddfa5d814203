// Learning-rate schedules: functions of the step count built from ops, so they trace and jit.

import { ChainruleError, add, sub, mul, div, exp, type Tensor } from '@chainrule/core';
import { cos, floor, greaterEqual, maximum, minimum, where } from './ops.js';
import { asStep, scalar, type Schedule } from './transform.js';
import { checkNumber, checkOptions, checkFlag, fail } from './validate.js';

/** `clamp(x, lo, hi)` on scalars. */
const clamp = (x: Tensor, lo: number, hi: number): Tensor => minimum(maximum(x, lo), hi);

/** The cosine factor `½(1 + cos(π · clamp(t, 0, D)/D))`: 1 at t = 0, 0 from t = D on. */
const halfCosine = (step: Tensor | number, steps: number): Tensor => mul(0.5, add(1, cos(mul(Math.PI / steps, clamp(asStep(step), 0, steps)))));

/**
 * The same value at every step.
 *
 * @example
 * constantSchedule(0.1)(5).item() // 0.1
 */
export const constantSchedule = (value: number): Schedule => {
  checkNumber('constantSchedule', 'value', value);
  return () => scalar(value);
};

/** Options of {@link linearSchedule}. */
export interface LinearScheduleOptions {
  readonly initValue: number;
  readonly endValue: number;
  /** Steps the ramp takes (> 0). */
  readonly transitionSteps: number;
  /** Steps to hold `initValue` before the ramp starts (default 0). */
  readonly transitionBegin?: number;
}

/**
 * Linear ramp: `v(t) = init + (end − init)·clamp((t − begin)/steps, 0, 1)`.
 *
 * @example
 * linearSchedule({ initValue: 0, endValue: 1, transitionSteps: 10 })(5).item() // 0.5
 */
export const linearSchedule = (options: LinearScheduleOptions): Schedule => {
  const fn = 'linearSchedule';
  checkOptions(fn, options, ['initValue', 'endValue', 'transitionSteps', 'transitionBegin']);
  const init = checkNumber(fn, 'initValue', options.initValue);
  const end = checkNumber(fn, 'endValue', options.endValue);
  const steps = checkNumber(fn, 'transitionSteps', options.transitionSteps, { min: 0, minExclusive: true });
  const begin = checkNumber(fn, 'transitionBegin', options.transitionBegin ?? 0, { min: 0 });
  return (step) => add(init, mul(end - init, clamp(div(sub(asStep(step), begin), steps), 0, 1)));
};

/** Options of {@link piecewiseConstantSchedule}. */
export interface PiecewiseConstantOptions {
  readonly initValue: number;
  /** At each boundary step b the value is multiplied by its scale, from step b on: `{ 100: 0.1, 200: 0.1 }`. */
  readonly boundariesAndScales: Readonly<Record<number, number>>;
}

/**
 * Piecewise constant: `v(t) = init · Π_{b ≤ t} scale_b` (PyTorch's MultiStepLR with one
 * scale per milestone).
 *
 * @example
 * const s = piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { 2: 0.5, 4: 0.1 } })
 * s(3).item() // 0.5
 */
export const piecewiseConstantSchedule = (options: PiecewiseConstantOptions): Schedule => {
  const fn = 'piecewiseConstantSchedule';
  checkOptions(fn, options, ['initValue', 'boundariesAndScales']);
  const init = checkNumber(fn, 'initValue', options.initValue);
  const table = options.boundariesAndScales;
  if (typeof table !== 'object' || table === null) fail(fn, 'boundariesAndScales', 'must be an object mapping boundary steps to scales');
  const pairs = Object.entries(table).map(([b, s]) => {
    const boundary = checkNumber(fn, `boundariesAndScales key ${JSON.stringify(b)}`, Number(b), { min: 0, integer: true });
    return [boundary, checkNumber(fn, `boundariesAndScales[${b}]`, s)] as const;
  });
  pairs.sort((p, q) => p[0] - q[0]);
  return (step) => {
    const t = asStep(step);
    let v = scalar(init);
    for (const [b, s] of pairs) v = mul(v, where(greaterEqual(t, b), s, 1));
    return v;
  };
};

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  readonly initValue: number;
  /** Steps between decays (a positive integer). */
  readonly stepSize: number;
  /** Factor applied every `stepSize` steps. */
  readonly gamma: number;
}

/**
 * Step decay: `v(t) = init · γ^⌊t / stepSize⌋` (PyTorch's StepLR).
 *
 * @example
 * stepDecay({ initValue: 1, stepSize: 10, gamma: 0.5 })(25).item() // 0.25
 */
export const stepDecay = (options: StepDecayOptions): Schedule => {
  const fn = 'stepDecay';
  checkOptions(fn, options, ['initValue', 'stepSize', 'gamma']);
  const init = checkNumber(fn, 'initValue', options.initValue);
  const size = checkNumber(fn, 'stepSize', options.stepSize, { min: 1, integer: true });
  const gamma = checkNumber(fn, 'gamma', options.gamma, { min: 0, minExclusive: true });
  return (step) => mul(init, exp(mul(floor(div(asStep(step), size)), Math.log(gamma))));
};

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  readonly initValue: number;
  /** Factor per `transitionSteps` steps (> 0; < 1 decays, > 1 grows). */
  readonly decayRate: number;
  /** Steps over which the value is multiplied by `decayRate` (> 0). */
  readonly transitionSteps: number;
  /** Steps to hold `initValue` before decaying (default 0). */
  readonly transitionBegin?: number;
  /** Decay in whole jumps (⌊p⌋) rather than continuously (default false). */
  readonly staircase?: boolean;
  /** A floor (when decaying) or ceiling (when growing) the value never passes. */
  readonly endValue?: number;
}

/**
 * Exponential decay: `p = max(t − begin, 0)/transitionSteps` (floored if `staircase`),
 * `v(t) = init · decayRate^p`, clamped at `endValue` if given.
 *
 * @example
 * exponentialDecay({ initValue: 1, decayRate: 0.5, transitionSteps: 2 })(2).item() // 0.5
 */
export const exponentialDecay = (options: ExponentialDecayOptions): Schedule => {
  const fn = 'exponentialDecay';
  checkOptions(fn, options, ['initValue', 'decayRate', 'transitionSteps', 'transitionBegin', 'staircase', 'endValue']);
  const init = checkNumber(fn, 'initValue', options.initValue);
  const rate = checkNumber(fn, 'decayRate', options.decayRate, { min: 0, minExclusive: true });
  const steps = checkNumber(fn, 'transitionSteps', options.transitionSteps, { min: 0, minExclusive: true });
  const begin = checkNumber(fn, 'transitionBegin', options.transitionBegin ?? 0, { min: 0 });
  const staircase = checkFlag(fn, 'staircase', options.staircase ?? false);
  const end = options.endValue === undefined ? undefined : checkNumber(fn, 'endValue', options.endValue);
  return (step) => {
    const raw = div(maximum(sub(asStep(step), begin), 0), steps);
    const p = staircase ? floor(raw) : raw;
    const v = mul(init, exp(mul(p, Math.log(rate))));
    if (end === undefined) return v;
    return rate < 1 ? maximum(v, end) : minimum(v, end);
  };
};

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  readonly initValue: number;
  /** Steps to decay over (> 0); the value stays at its end after that. */
  readonly decaySteps: number;
  /** The end value as a fraction of `initValue` (default 0). */
  readonly alpha?: number;
}

/**
 * Cosine decay (Loshchilov & Hutter, without restarts):
 * `c = ½(1 + cos(π · min(t, D)/D))`, `v(t) = init · ((1 − α)·c + α)`.
 *
 * @example
 * cosineDecay({ initValue: 1, decaySteps: 10 })(5).item() // 0.5
 */
export const cosineDecay = (options: CosineDecayOptions): Schedule => {
  const fn = 'cosineDecay';
  checkOptions(fn, options, ['initValue', 'decaySteps', 'alpha']);
  const init = checkNumber(fn, 'initValue', options.initValue);
  const steps = checkNumber(fn, 'decaySteps', options.decaySteps, { min: 0, minExclusive: true });
  const alpha = checkNumber(fn, 'alpha', options.alpha ?? 0);
  return (step) => mul(init, add(mul(1 - alpha, halfCosine(step, steps)), alpha));
};

/** Options of {@link warmupCosineDecay}. */
export interface WarmupCosineDecayOptions {
  /** The value at step 0. */
  readonly initValue: number;
  /** The value reached at the end of the warmup. */
  readonly peakValue: number;
  /** Steps of linear warmup (≥ 0). */
  readonly warmupSteps: number;
  /** Total steps, warmup included (> warmupSteps); the value stays at `endValue` after. */
  readonly decaySteps: number;
  /** The final value (default 0). */
  readonly endValue?: number;
}

/**
 * Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then cosine decay from
 * `peakValue` to `endValue` over the remaining `decaySteps − warmupSteps` steps:
 * `t < W: v = init + (peak − init)·t/W`; `t ≥ W: v = end + (peak − end)·½(1 + cos(π·min(t − W, D − W)/(D − W)))`.
 *
 * @example
 * const s = warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110 })
 * s(5).item() // 0.5; s(10).item() // 1; s(60).item() // 0.5
 */
export const warmupCosineDecay = (options: WarmupCosineDecayOptions): Schedule => {
  const fn = 'warmupCosineDecay';
  checkOptions(fn, options, ['initValue', 'peakValue', 'warmupSteps', 'decaySteps', 'endValue']);
  const init = checkNumber(fn, 'initValue', options.initValue);
  const peak = checkNumber(fn, 'peakValue', options.peakValue);
  const warmup = checkNumber(fn, 'warmupSteps', options.warmupSteps, { min: 0, integer: true });
  const total = checkNumber(fn, 'decaySteps', options.decaySteps, { min: warmup, minExclusive: true });
  const end = checkNumber(fn, 'endValue', options.endValue ?? 0);
  const decay: Schedule = (step) => add(end, mul(peak - end, halfCosine(step, total - warmup)));
  if (warmup === 0) return decay;
  return joinSchedules([linearSchedule({ initValue: init, endValue: peak, transitionSteps: warmup }), decay], [warmup]);
};

/**
 * Runs schedules one after another: `schedules[i]` is used from `boundaries[i − 1]` on and
 * sees the step counted from its own start (`t − boundaries[i − 1]`).
 *
 * @example
 * const warm = linearSchedule({ initValue: 0, endValue: 0.1, transitionSteps: 5 })
 * const s = joinSchedules([warm, constantSchedule(0.1)], [5])
 */
export const joinSchedules = (schedules: readonly Schedule[], boundaries: readonly number[]): Schedule => {
  const fn = 'joinSchedules';
  if (!Array.isArray(schedules) || schedules.length === 0 || schedules.some((s) => typeof s !== 'function')) {
    fail(fn, 'schedules', 'must be a non-empty array of schedules');
  }
  if (!Array.isArray(boundaries) || boundaries.length !== schedules.length - 1) {
    fail(fn, 'boundaries', `must hold one step per junction (${schedules.length - 1}), got ${Array.isArray(boundaries) ? boundaries.length : String(boundaries)}`);
  }
  boundaries.forEach((b, i) => {
    checkNumber(fn, `boundaries[${i}]`, b, { min: i === 0 ? 0 : boundaries[i - 1], minExclusive: i > 0, integer: true });
  });
  return (step) => {
    const t = asStep(step);
    let v = asStep(schedules[0](t));
    boundaries.forEach((b, i) => {
      v = where(greaterEqual(t, b), asStep(schedules[i + 1](sub(t, b))), v);
    });
    return v;
  };
};

/**
 * A schedule's value at a step, as a number (for logs and plots).
 *
 * @example
 * scheduleValue(cosineDecay({ initValue: 1, decaySteps: 10 }), 10) // 0
 */
export const scheduleValue = (schedule: Schedule, step: number): number => {
  if (typeof schedule !== 'function') throw new ChainruleError('BadArgument', 'scheduleValue: schedule must be a function of the step');
  return schedule(step).item();
};
