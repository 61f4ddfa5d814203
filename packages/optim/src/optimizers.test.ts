// Three-step numbers of every optimizer against hand-computed values and a plain-number reference; validation; immutability.

import { describe, expect, it } from 'vitest';
import { ChainruleError, tensor, valueAndGrad, add, sum, mul, flatten, type Tensor } from '@chainrule/core';
import {
  sgd, adam, adamw, rmsprop, applyUpdates, chain, clipByGlobalNorm, currentLearningRate,
  constantSchedule, piecewiseConstantSchedule, stepDecay, exponentialDecay, cosineDecay, warmupCosineDecay,
  linearSchedule, joinSchedules, type GradientTransformation, type Schedule,
} from './index.js';
import { refAdam, refRmsprop, refSgd } from '../test/reference.js';

const f64 = (v: number | number[]): Tensor => tensor(v, { dtype: 'float64' });

/** Runs `steps` eager updates on `loss`, returning the flattened params after each step. */
const run = <P>(opt: GradientTransformation, loss: (p: P) => Tensor, params0: P, steps: number): number[][] => {
  let params = params0;
  let state = opt.init(params);
  const out: number[][] = [];
  for (let k = 0; k < steps; k++) {
    const [, g] = valueAndGrad(loss)(params);
    const r = opt.update(g as P, state, params);
    params = applyUpdates(params, r.updates);
    state = r.state;
    out.push(flatten(params)[0].flatMap((x) => Array.from((x as Tensor).data)));
  }
  return out;
};

const expectClose = (actual: number[][], expected: number[][], digits = 12): void => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, k) => row.forEach((v, i) => expect(v, `step ${k + 1}, element ${i}`).toBeCloseTo(expected[k][i], digits)));
};

// f(x) = ½x², so g = x; x₀ = 1. Each row: x after steps 1, 2, 3, worked out by hand.
const halfSquare = (p: { x: Tensor }): Tensor => mul(0.5, sum(mul(p.x, p.x)));
const start = (): { x: Tensor } => ({ x: f64([1]) });

describe('sgd: three steps on f(x) = ½x² from x = 1 with lr 0.1, by hand', () => {
  const cases: [string, Parameters<typeof sgd>[0], number[]][] = [
    // x ← x − 0.1x = 0.9x
    ['plain', { learningRate: 0.1 }, [0.9, 0.81, 0.729]],
    // b = 1, 0.9·1 + 0.9 = 1.8, 0.9·1.8 + 0.72 = 2.34; x = 1 − 0.1, 0.9 − 0.18, 0.72 − 0.234
    ['momentum 0.9', { learningRate: 0.1, momentum: 0.9 }, [0.9, 0.72, 0.486]],
    // b = 1 (first step: no dampening), 0.9 + 0.5·0.9 = 1.35, 0.9·1.35 + 0.5·0.765 = 1.5975
    ['momentum 0.9, dampening 0.5', { learningRate: 0.1, momentum: 0.9, dampening: 0.5 }, [0.9, 0.765, 0.60525]],
    // b = 1, g' = 1 + 0.9 = 1.9 → 0.81; b = 0.9 + 0.81 = 1.71, g' = 0.81 + 1.539 = 2.349 → 0.5751;
    // b = 1.539 + 0.5751 = 2.1141, g' = 0.5751 + 1.90269 = 2.47779 → 0.327321
    ['nesterov 0.9', { learningRate: 0.1, momentum: 0.9, nesterov: true }, [0.81, 0.5751, 0.327321]],
    // g = x + 0.1x = 1.1x, so x ← 0.89x
    ['weight decay 0.1', { learningRate: 0.1, weightDecay: 0.1 }, [0.89, 0.7921, 0.704969]],
    // g = 1.1, b = 1.1 → 0.89; g = 0.979, b = 0.99 + 0.979 = 1.969 → 0.6931; g = 0.76241, b = 1.7721 + 0.76241 = 2.53451 → 0.439649
    ['momentum 0.9 + weight decay 0.1', { learningRate: 0.1, momentum: 0.9, weightDecay: 0.1 }, [0.89, 0.6931, 0.439649]],
  ];
  it.each(cases)('%s', (_name, options, expected) => {
    expectClose(run(sgd(options), halfSquare, start(), 3), expected.map((v) => [v]));
  });
});

describe('sgd with each schedule: three steps from x = 1 on ½x², lr sequence by hand (x ← (1 − lrₜ)x)', () => {
  const cases: [string, Schedule, number[]][] = [
    ['constant 0.1', constantSchedule(0.1), [0.9, 0.81, 0.729]],
    // lr 0.1, 0.05, 0.025
    ['piecewise constant {1: ½, 2: ½}', piecewiseConstantSchedule({ initValue: 0.1, boundariesAndScales: { 1: 0.5, 2: 0.5 } }), [0.9, 0.855, 0.833625]],
    // lr 0.1, 0.1, 0.05
    ['step decay every 2, γ ½', stepDecay({ initValue: 0.1, stepSize: 2, gamma: 0.5 }), [0.9, 0.81, 0.7695]],
    // lr 0.1, 0.1·0.81^½ = 0.09, 0.1·0.81 = 0.081
    ['exponential 0.81 per 2 steps', exponentialDecay({ initValue: 0.1, decayRate: 0.81, transitionSteps: 2 }), [0.9, 0.819, 0.752661]],
    // lr 0.1, 0.1, 0.05
    ['exponential staircase ½ per 2 steps', exponentialDecay({ initValue: 0.1, decayRate: 0.5, transitionSteps: 2, staircase: true }), [0.9, 0.81, 0.7695]],
    // lr 0.1, 0.1·½(1 + cos(π/2)) = 0.05, 0.1·½(1 + cos π) = 0
    ['cosine over 2 steps', cosineDecay({ initValue: 0.1, decaySteps: 2 }), [0.9, 0.855, 0.855]],
    // lr 0 (warmup start), 0.1 (peak), 0.1·½(1 + cos(π/2)) = 0.05
    ['warmup 1 then cosine to step 3', warmupCosineDecay({ initValue: 0, peakValue: 0.1, warmupSteps: 1, decaySteps: 3 }), [1, 0.9, 0.855]],
    // lr 0.1, 0.075, 0.05
    ['linear 0.1 → 0 over 4', linearSchedule({ initValue: 0.1, endValue: 0, transitionSteps: 4 }), [0.9, 0.8325, 0.790875]],
    // lr 0.1, then a linear 0.05 → 0 over 2 steps restarted at step 1: 0.05, 0.025
    ['join constant | linear at 1', joinSchedules([constantSchedule(0.1), linearSchedule({ initValue: 0.05, endValue: 0, transitionSteps: 2 })], [1]), [0.9, 0.855, 0.833625]],
  ];
  it.each(cases)('%s', (_name, schedule, expected) => {
    expectClose(run(sgd({ learningRate: schedule }), halfSquare, start(), 3), expected.map((v) => [v]));
  });
});

describe('adam, adamw, rmsprop: three steps by hand and against a plain-number reference', () => {
  it('adam on ½x² from 1, lr 0.1: the first two steps written out', () => {
    const [[x1], [x2]] = run(adam({ learningRate: 0.1 }), halfSquare, start(), 2);
    // t = 1: m = 0.1, v = 0.001, m̂ = 1, v̂ = 1 → x = 1 − 0.1/(1 + 1e-8)
    expect(x1).toBeCloseTo(1 - 0.1 / (1 + 1e-8), 14);
    // t = 2, g = x1 ≈ 0.9: m = 0.09 + 0.1·0.9 = 0.18, v = 0.000999 + 0.001·0.81 = 0.001809
    const g = x1, m = 0.9 * 0.1 + 0.1 * g, v = 0.999 * 0.001 + 0.001 * g * g;
    expect(m).toBeCloseTo(0.18, 8);
    expect(v).toBeCloseTo(0.001809, 8);
    expect(x2).toBeCloseTo(x1 - (0.1 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.998001)) + 1e-8), 13);
  });

  it('adamw on ½x² from 1, lr 0.1, wd 0.1: the first step written out', () => {
    // p·(1 − lr·wd) − lr·m̂/(√v̂ + ε) with m̂ = v̂ = 1: 0.99 − 0.1/(1 + 1e-8)
    const [[x1]] = run(adamw({ learningRate: 0.1, weightDecay: 0.1 }), halfSquare, start(), 1);
    expect(x1).toBeCloseTo(0.99 - 0.1 / (1 + 1e-8), 14);
  });

  it('rmsprop on ½x² from 1, lr 0.01, α 0.99: the first two steps written out', () => {
    const [[x1], [x2]] = run(rmsprop({ learningRate: 0.01 }), halfSquare, start(), 2);
    // v = 0.01·1² = 0.01, √v = 0.1 → x = 1 − 0.01·1/(0.1 + 1e-8) ≈ 0.9
    expect(x1).toBeCloseTo(1 - 0.01 / (0.1 + 1e-8), 14);
    // v = 0.99·0.01 + 0.01·x1² ≈ 0.0099 + 0.0081 = 0.018
    const v = 0.0099 + 0.01 * x1 * x1;
    expect(v).toBeCloseTo(0.018, 8);
    expect(x2).toBeCloseTo(x1 - (0.01 * x1) / (Math.sqrt(v) + 1e-8), 14);
  });

  // Three steps each on ½x² from x = 1 (g = x), worked out by hand to 10 digits; ε = 1e-8 moves the 9th.
  const threeByHand: [string, GradientTransformation, number[]][] = [
    // t = 1: m = 0.1, v = 0.001, m̂ = v̂ = 1 → x = 1 − 0.1/(1 + ε) = 0.900000001
    // t = 2: g = 0.900000001, m = 0.18, v = 0.001809, m̂ = 0.18/0.19 = 0.9473684216, v̂ = 0.001809/0.001999 = 0.9049524771
    //        → x = 0.900000001 − 0.1·0.9473684216/(√v̂ + ε = 0.9512899117) = 0.8004122297
    // t = 3: g = 0.8004122297, m = 0.2420412231, v = 0.002447850739, m̂ = m/0.271 = 0.8931410445,
    //        v̂ = v/0.002997001 = 0.8167667409 → x = 0.8004122297 − 0.1·0.8931410445/0.9037514918 = 0.7015862745
    ['adam lr 0.1', adam({ learningRate: 0.1 }), [0.900000001, 0.8004122297, 0.7015862745]],
    // as adam, but x ← 0.99x before each step (lr·wd = 0.01), with g taken before the decay:
    // t = 1: 0.99 − 0.1/(1 + ε) = 0.890000001
    // t = 2: g = 0.890000001, m = 0.179, v = 0.0017911, m̂ = 0.9421052637, v̂ = 0.8959979999 → 0.99·g − 0.1·m̂/(√v̂ + ε) = 0.8811000010 − 0.0995281440 = 0.781571857
    // t = 3: g = 0.781571857, m = 0.2392571858, v = 0.002400163469, m̂ = 0.8828678442, v̂ = 0.8008550779 → 0.7737561384 − 0.0986549152 = 0.6751012232
    ['adamw lr 0.1, wd 0.1', adamw({ learningRate: 0.1, weightDecay: 0.1 }), [0.890000001, 0.781571857, 0.6751012232]],
    // v = 0.01, 0.0099 + 0.01·0.90000001² = 0.01800000018, 0.0178200002 + 0.01·0.8329179753² = 0.02475752371;
    // x = 1 − 0.01/(0.1 + ε) = 0.90000001, − 0.01·0.90000001/0.1341640893 = 0.8329179753, − 0.01·0.8329179753/0.1573452473 = 0.779982282
    ['rmsprop lr 0.01', rmsprop({ learningRate: 0.01 }), [0.90000001, 0.8329179753, 0.779982282]],
  ];
  it.each(threeByHand)('%s: three steps on ½x² by hand', (_name, opt, expected) => {
    expectClose(run(opt, halfSquare, start(), 3), expected.map((v) => [v]), 8);
  });

  // A pytree with two leaves and different curvatures: f = ½(w₀² + 3w₁²) + b², so g = (w₀, 3w₁, 2b).
  const curvature = [1, 3, 2];
  const loss = (p: { w: Tensor; b: Tensor }): Tensor => add(mul(0.5, sum(mul(mul(p.w, p.w), f64([1, 3])))), sum(mul(p.b, p.b)));
  const params0 = (): { w: Tensor; b: Tensor } => ({ w: f64([1, -2]), b: f64([0.5]) });
  // flatten orders record keys alphabetically: b, then w
  const x0 = [1, -2, 0.5];
  const grad = (x: readonly number[]): number[] => x.map((v, i) => curvature[i] * v);
  const reorder = (rows: number[][]): number[][] => rows.map(([w0, w1, b]) => [b, w0, w1]);

  const cases: [string, GradientTransformation, number[][]][] = [
    ['sgd nesterov + weight decay', sgd({ learningRate: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 }), refSgd(x0, grad, 3, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 })],
    ['sgd dampening', sgd({ learningRate: 0.05, momentum: 0.5, dampening: 0.3 }), refSgd(x0, grad, 3, { lr: 0.05, momentum: 0.5, dampening: 0.3 })],
    ['adam', adam({ learningRate: 0.1 }), refAdam(x0, grad, 3, { lr: 0.1 })],
    ['adam betas, eps, L2', adam({ learningRate: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 1e-3, weightDecay: 0.1 }), refAdam(x0, grad, 3, { lr: 0.05, beta1: 0.5, beta2: 0.9, eps: 1e-3, weightDecay: 0.1 })],
    ['adam beta1 0', adam({ learningRate: 0.05, beta1: 0 }), refAdam(x0, grad, 3, { lr: 0.05, beta1: 0 })],
    ['adamw', adamw({ learningRate: 0.1, weightDecay: 0.1 }), refAdam(x0, grad, 3, { lr: 0.1, weightDecay: 0.1, decoupled: true })],
    ['adamw default decay, cosine lr', adamw({ learningRate: cosineDecay({ initValue: 0.1, decaySteps: 4 }) }), refAdam(x0, grad, 3, { lr: (t) => 0.05 * (1 + Math.cos((Math.PI * t) / 4)), weightDecay: 0.01, decoupled: true })],
    ['rmsprop', rmsprop({ learningRate: 0.01 }), refRmsprop(x0, grad, 3, { lr: 0.01 })],
    ['rmsprop centered + momentum + L2', rmsprop({ learningRate: 0.01, alpha: 0.9, centered: true, momentum: 0.5, weightDecay: 0.1, epsilon: 1e-6 }), refRmsprop(x0, grad, 3, { lr: 0.01, alpha: 0.9, centered: true, momentum: 0.5, weightDecay: 0.1, eps: 1e-6 })],
  ];
  it.each(cases)('%s on a two-leaf pytree matches the reference', (_name, opt, expected) => {
    expectClose(run(opt, loss, params0(), 3), reorder(expected));
  });

  it('the reference itself reproduces the hand-computed momentum numbers', () => {
    expect(refSgd([1], (x) => [...x], 3, { lr: 0.1, momentum: 0.9 }).map(([v]) => v)).toEqual([0.9, 0.72, 0.486].map((v) => expect.closeTo(v, 12)));
  });
});

describe('chained transformations', () => {
  it('clipByGlobalNorm before sgd scales the whole gradient to norm ≤ maxNorm', () => {
    // g = (3, 4) has norm 5; clipped to norm 1: (0.6, 0.8); lr 1 → x = (3 − 0.6, 4 − 0.8)
    const opt = chain(clipByGlobalNorm(1), sgd({ learningRate: 1 }));
    const [[a, b]] = run(opt, (p: { x: Tensor }) => mul(0.5, sum(mul(p.x, p.x))), { x: f64([3, 4]) }, 1);
    expect(a).toBeCloseTo(2.4, 14);
    expect(b).toBeCloseTo(3.2, 14);
  });
});

describe('hyperparameters are validated at construction', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['negative learning rate', () => sgd({ learningRate: -0.1 }), /sgd: learningRate must be a number in \[0, ∞\) or a schedule, got -0.1/],
    ['NaN learning rate', () => adam({ learningRate: NaN }), /adam: learningRate/],
    ['momentum 1', () => sgd({ learningRate: 0.1, momentum: 1 }), /sgd: momentum must be a number in \[0, 1\), got 1/],
    ['negative momentum', () => sgd({ learningRate: 0.1, momentum: -0.5 }), /momentum/],
    ['dampening above 1', () => sgd({ learningRate: 0.1, momentum: 0.9, dampening: 1.5 }), /dampening/],
    ['nesterov without momentum', () => sgd({ learningRate: 0.1, nesterov: true }), /sgd: nesterov needs momentum > 0 and dampening = 0/],
    ['nesterov with dampening', () => sgd({ learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /nesterov/],
    ['negative weight decay', () => sgd({ learningRate: 0.1, weightDecay: -1 }), /weightDecay/],
    ['misspelt option', () => sgd({ learningRate: 0.1, weight_decay: 1 } as never), /unknown option weight_decay/],
    ['non-boolean nesterov', () => sgd({ learningRate: 0.1, momentum: 0.9, nesterov: 'yes' } as never), /nesterov must be a boolean/],
    ['beta1 = 1', () => adam({ learningRate: 0.1, beta1: 1 }), /adam: beta1/],
    ['beta2 < 0', () => adamw({ learningRate: 0.1, beta2: -0.1 }), /adamw: beta2/],
    ['negative epsilon', () => adam({ learningRate: 0.1, epsilon: -1 }), /epsilon/],
    ['rmsprop alpha 1', () => rmsprop({ learningRate: 0.1, alpha: 1 }), /rmsprop: alpha/],
    ['rmsprop momentum 2', () => rmsprop({ learningRate: 0.1, momentum: 2 }), /rmsprop: momentum/],
  ];
  it.each(bad)('%s', (_name, make, message) => {
    let caught: unknown;
    try {
      make();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ChainruleError);
    expect((caught as ChainruleError).code).toBe('BadArgument');
    expect((caught as Error).message).toMatch(message);
  });
});

describe('immutability', () => {
  const snapshot = (tree: unknown): number[][] => flatten(tree)[0].map((x) => Array.from((x as Tensor).data));
  const optimizers: [string, GradientTransformation][] = [
    ['sgd momentum', sgd({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.1 })],
    ['adam', adam({ learningRate: 0.1 })],
    ['adamw', adamw({ learningRate: 0.1 })],
    ['rmsprop', rmsprop({ learningRate: 0.1, centered: true, momentum: 0.5 })],
    ['clipped sgd with schedule', chain(clipByGlobalNorm(0.5), sgd({ learningRate: cosineDecay({ initValue: 0.1, decaySteps: 5 }) }))],
  ];
  it.each(optimizers)('%s: old params, grads and state are unchanged by update and applyUpdates', (_name, opt) => {
    const params = { w: f64([1, -2]), b: f64([0.5]) };
    const grads = { w: f64([0.3, -0.7]), b: f64([2]) };
    let state = opt.init(params);
    state = opt.update(grads, state, params).state; // a non-trivial state
    const before = [snapshot(params), snapshot(grads), snapshot(state)];
    const { updates, state: next } = opt.update(grads, state, params);
    const newParams = applyUpdates(params, updates);
    expect([snapshot(params), snapshot(grads), snapshot(state)]).toEqual(before);
    expect(snapshot(newParams)).not.toEqual(snapshot(params));
    expect(snapshot(next)).not.toEqual(snapshot(state));
    expect(currentLearningRate(state)).toBeGreaterThan(0);
  });
});
