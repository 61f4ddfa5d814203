// A whole optimizer step (loss, gradient, update) runs eagerly and inside jit with the same numbers, traced once.

import { describe, expect, it } from 'vitest';
import { add, flatten, jit, matmul, mul, sub, sum, tensor, valueAndGrad, type DType, type Tensor } from '@chainrule/core';
import {
  adam, adamw, applyUpdates, chain, clipByGlobalNorm, clipByValue, currentLearningRate, exponentialDecay, joinSchedules,
  linearSchedule, cosineDecay, piecewiseConstantSchedule, rmsprop, setLearningRate, sgd, stepDecay, type GradientTransformation,
} from './index.js';

type Params = { w: Tensor; b: Tensor };

// Linear least squares: ½·mean((x·w + b − y)²) over 4 examples of 3 features.
const data = (dtype: DType) => ({
  x: tensor([[1, 2, -1], [0.5, -1, 2], [-2, 0.3, 1], [1.5, 1, 0]], { dtype }),
  y: tensor([[1], [-2], [0.5], [3]], { dtype }),
});
const loss = (p: Params, x: Tensor, y: Tensor): Tensor => {
  const r = sub(add(matmul(x, p.w), p.b), y);
  return mul(0.125, sum(mul(r, r)));
};
const params0 = (dtype: DType): Params => ({ w: tensor([[0.1], [-0.2], [0.3]], { dtype }), b: tensor([0], { dtype }) });
const leaves = (tree: unknown): number[] => flatten(tree)[0].flatMap((t) => Array.from((t as Tensor).data));

const optimizers: [string, () => GradientTransformation][] = [
  ['sgd', () => sgd({ learningRate: 0.1 })],
  ['sgd momentum + dampening, step decay', () => sgd({ learningRate: stepDecay({ initValue: 0.1, stepSize: 2, gamma: 0.5 }), momentum: 0.9, dampening: 0.2 })],
  ['sgd nesterov + weight decay, piecewise', () => sgd({ learningRate: piecewiseConstantSchedule({ initValue: 0.1, boundariesAndScales: { 3: 0.3 } }), momentum: 0.8, nesterov: true, weightDecay: 0.01 })],
  ['adam, exponential staircase', () => adam({ learningRate: exponentialDecay({ initValue: 0.05, decayRate: 0.5, transitionSteps: 2, staircase: true }) })],
  ['adamw, joined warmup + cosine', () => adamw({ learningRate: joinSchedules([linearSchedule({ initValue: 0, endValue: 0.05, transitionSteps: 2 }), cosineDecay({ initValue: 0.05, decaySteps: 4 })], [2]) })],
  ['rmsprop centered + momentum', () => rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5, weightDecay: 0.01 })],
  ['clipped chain', () => chain(clipByValue(-0.5, 0.5), clipByGlobalNorm(0.3), sgd({ learningRate: 0.2, momentum: 0.5 }))],
];

/** The step of the brief, verbatim: valueAndGrad, update, applyUpdates. */
const makeStep = (opt: GradientTransformation) => (params: Params, state: unknown, x: Tensor, y: Tensor) => {
  const [l, g] = valueAndGrad(loss)(params, x, y);
  const { updates, state: s } = opt.update(g as Params, state, params);
  return [applyUpdates(params, updates), s, l] as const;
};

describe('eager vs jit', () => {
  it.each(optimizers)('%s: six steps, same numbers, traced once', (_name, make) => {
    const opt = make();
    const eager = makeStep(opt);
    const jitted = jit(makeStep(opt));
    const { x, y } = data('float64');
    let pe = params0('float64'), se: unknown = opt.init(pe);
    let pj = params0('float64'), sj: unknown = opt.init(pj);
    const losses: number[] = [];
    for (let k = 0; k < 6; k++) {
      let le: Tensor, lj: Tensor;
      [pe, se, le] = eager(pe, se, x, y);
      [pj, sj, lj] = jitted(pj, sj, x, y);
      expect(lj.item()).toBeCloseTo(le.item(), 12);
      leaves(pj).forEach((v, i) => expect(v).toBeCloseTo(leaves(pe)[i], 12));
      leaves(sj).forEach((v, i) => expect(v).toBeCloseTo(leaves(se)[i], 12));
      expect(currentLearningRate(sj)).toBeCloseTo(currentLearningRate(se)!, 12);
      losses.push(le.item());
    }
    expect(jitted.traceCount).toBe(1);
    expect(losses[5]).toBeLessThan(losses[0]);
  });

  it('float32 params: jit and eager agree to float32 precision, dtypes are preserved, one trace', () => {
    const opt = adam({ learningRate: cosineDecay({ initValue: 0.05, decaySteps: 10 }) });
    const jitted = jit(makeStep(opt));
    const eager = makeStep(opt);
    const { x, y } = data('float32');
    let pe = params0('float32'), se: unknown = opt.init(pe);
    let pj = params0('float32'), sj: unknown = opt.init(pj);
    for (let k = 0; k < 4; k++) {
      [pe, se] = eager(pe, se, x, y);
      [pj, sj] = jitted(pj, sj, x, y);
    }
    expect(pj.w.dtype).toBe('float32');
    leaves(pj).forEach((v, i) => expect(v).toBeCloseTo(leaves(pe)[i], 6));
    expect(jitted.traceCount).toBe(1);
  });

  it('overriding the learning rate between jitted steps takes effect without retracing', () => {
    const opt = sgd({ learningRate: cosineDecay({ initValue: 0.1, decaySteps: 100 }), momentum: 0.9 });
    const jitted = jit(makeStep(opt));
    const { x, y } = data('float64');
    let pj = params0('float64'), sj: unknown = opt.init(pj);
    let pe = params0('float64'), se: unknown = opt.init(pe);
    const rates = [null, 0.5, 0.5, 0.01, null, null];
    const eager = makeStep(opt);
    rates.forEach((rate) => {
      if (rate !== null) {
        sj = setLearningRate(sj, rate);
        se = setLearningRate(se, rate);
      }
      [pj, sj] = jitted(pj, sj, x, y);
      [pe, se] = eager(pe, se, x, y);
      if (rate !== null) expect(currentLearningRate(sj)).toBe(rate);
    });
    leaves(pj).forEach((v, i) => expect(v).toBeCloseTo(leaves(pe)[i], 12));
    sj = setLearningRate(sj, null);
    [pj, sj] = jitted(pj, sj, x, y);
    // back on the schedule at step 6: 0.05·(1 + cos(6π/100))
    expect(currentLearningRate(sj)).toBeCloseTo(0.05 * (1 + Math.cos((6 * Math.PI) / 100)), 12);
    expect(jitted.traceCount).toBe(1);
  });

  it('the override changes the update by exactly the rate ratio (plain SGD)', () => {
    const opt = sgd({ learningRate: 0.1 });
    const jitted = jit(makeStep(opt));
    const { x, y } = data('float64');
    const p = params0('float64');
    const s = opt.init(p);
    const [p1] = jitted(p, s, x, y);
    const [p2] = jitted(p, setLearningRate(s, 0.3), x, y);
    const d1 = leaves(p1).map((v, i) => v - leaves(p)[i]), d2 = leaves(p2).map((v, i) => v - leaves(p)[i]);
    d1.forEach((v, i) => expect(d2[i]).toBeCloseTo(3 * v, 12));
    expect(jitted.traceCount).toBe(1);
  });
});
