// Clipping, weight decay, scaling, chain, dtypes, and the learning-rate override and read-out.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChainruleError, tensor, type Tensor } from '@chainrule/core';
import {
  addDecayedWeights, applyUpdates, chain, clipByGlobalNorm, clipByValue, currentLearningRate, globalNorm, identity,
  scale, scaleByLearningRate, setLearningRate, sgd, adam, cosineDecay, stepDecay, isLearningRateState,
} from './index.js';

const f64 = (v: number[]): Tensor => tensor(v, { dtype: 'float64' });
const values = (x: unknown): number[] => Array.from((x as Tensor).data);

describe('clipping', () => {
  it('clipByGlobalNorm: (3, 4) and (12) have norm 13; clipped to 6.5 they halve, to 20 they stay', () => {
    const g = { a: f64([3, 4]), b: f64([12]) };
    const half = clipByGlobalNorm(6.5).update(g, {}).updates;
    expect(values(half.a)).toEqual([1.5, 2].map((v) => expect.closeTo(v, 14)));
    expect(values(half.b)).toEqual([expect.closeTo(6, 14)]);
    const same = clipByGlobalNorm(20).update(g, {}).updates;
    expect(values(same.a)).toEqual([3, 4]);
    expect(values(same.b)).toEqual([12]);
  });

  it('globalNorm equals √Σx² computed with plain numbers (property)', () => {
    const leaf = fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(leaf, { minLength: 1, maxLength: 4 }), (leaves) => {
        const expected = Math.sqrt(leaves.flat().reduce((s, v) => s + v * v, 0));
        expect(globalNorm(leaves.map(f64)).item()).toBeCloseTo(expected, 9);
      }),
      { numRuns: 30 },
    );
  });

  it('clipByGlobalNorm never leaves a norm above maxNorm and keeps directions (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 2, maxLength: 8 }),
        fc.double({ min: 0.01, max: 20, noNaN: true }),
        (xs, maxNorm) => {
          const norm = Math.sqrt(xs.reduce((s, v) => s + v * v, 0));
          const out = values(clipByGlobalNorm(maxNorm).update([f64(xs)], {}).updates[0]);
          const factor = norm > maxNorm ? maxNorm / norm : 1;
          out.forEach((v, i) => expect(v).toBeCloseTo(xs[i] * factor, 9));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('clipByValue clamps every element', () => {
    expect(values(clipByValue(-1, 2).update(f64([-5, -1, 0.5, 2, 7]), {}).updates)).toEqual([-1, -1, 0.5, 2, 2]);
  });

  it('bad clipping arguments name the field', () => {
    expect(() => clipByGlobalNorm(0)).toThrow(/clipByGlobalNorm: maxNorm must be a number in \(0, ∞\), got 0/);
    expect(() => clipByValue(1, 0)).toThrow(/clipByValue: max must be a number in \[1, ∞\), got 0/);
  });
});

describe('weight decay, scale, identity, chain', () => {
  it('addDecayedWeights adds rate·p and needs the params', () => {
    const tr = addDecayedWeights(0.5);
    expect(values(tr.update(f64([1, 1]), {}, f64([2, -4])).updates)).toEqual([2, -1]);
    expect(() => tr.update(f64([1]), {})).toThrow(/addDecayedWeights: update needs the params/);
    expect(() => addDecayedWeights(-1)).toThrow(/addDecayedWeights: rate/);
  });

  it('scale multiplies; identity passes through; chain feeds one into the next', () => {
    expect(values(scale(-2).update(f64([1, 3]), {}).updates)).toEqual([-2, -6]);
    expect(values(identity().update(f64([1, 3]), {}).updates)).toEqual([1, 3]);
    const tr = chain(scale(3), clipByValue(-4, 4), identity());
    const state = tr.init(f64([0, 0]));
    expect(state).toEqual([{}, {}, {}]);
    expect(values(tr.update(f64([1, 2]), state).updates)).toEqual([3, 4]);
    expect(() => tr.update(f64([1]), [{}])).toThrow(/chain: the state must be an array of 3 states/);
    expect(() => chain({} as never)).toThrow(/chain: argument 0 is not a gradient transformation/);
  });

  it('applyUpdates adds leaf by leaf and keeps the structure', () => {
    const p = applyUpdates({ w: f64([1, 2]), b: [f64([3])] }, { w: f64([0.5, -1]), b: [f64([1])] });
    expect(values(p.w)).toEqual([1.5, 1]);
    expect(values(p.b[0])).toEqual([4]);
    expect(() => applyUpdates({ w: f64([1]) }, { v: f64([1]) } as never)).toThrow(ChainruleError);
  });

  it('float32 params keep float32 updates and state; hyperparameters stay float64 scalars', () => {
    const opt = adam({ learningRate: 0.1 });
    const params = { w: tensor([1, -1]) };
    const s0 = opt.init(params);
    const { updates, state } = opt.update({ w: tensor([0.5, 0.5]) }, s0, params);
    expect(updates.w.dtype).toBe('float32');
    const adamState = state[0] as { count: Tensor; mu: { w: Tensor }; nu: { w: Tensor } };
    expect(adamState.mu.w.dtype).toBe('float32');
    expect(adamState.count.dtype).toBe('float64');
    expect(adamState.count.item()).toBe(1);
    // first Adam step: −lr·sign(g)
    expect(values(updates.w)).toEqual([expect.closeTo(-0.1, 6), expect.closeTo(-0.1, 6)]);
  });
});

describe('learning rate: read-out and run-time override', () => {
  const params = { x: f64([1]) };
  const grads = { x: f64([1]) };

  it('currentLearningRate follows the schedule: the rate of the latest update (before any: the first one)', () => {
    const opt = sgd({ learningRate: stepDecay({ initValue: 0.4, stepSize: 1, gamma: 0.5 }), momentum: 0.5 });
    let state = opt.init(params);
    expect(currentLearningRate(state)).toBeCloseTo(0.4, 14);
    const seen: number[] = [];
    for (let k = 0; k < 3; k++) {
      state = opt.update(grads, state, params).state;
      seen.push(currentLearningRate(state)!);
    }
    expect(seen).toEqual([0.4, 0.2, 0.1].map((v) => expect.closeTo(v, 14)));
  });

  it('setLearningRate overrides a schedule from the next update on; null restores the schedule', () => {
    const opt = sgd({ learningRate: cosineDecay({ initValue: 1, decaySteps: 4 }) });
    let state = opt.init(params);
    state = opt.update(grads, state, params).state; // used lr 1 at step 0
    state = setLearningRate(state, 0.25);
    expect(currentLearningRate(state)).toBe(0.25);
    let r = opt.update(grads, state, params);
    expect(values(r.updates.x)).toEqual([-0.25]);
    r = opt.update(grads, setLearningRate(r.state, null), params); // step 2 of the cosine: ½(1 + cos(π/2)) = 0.5
    expect(values(r.updates.x)).toEqual([expect.closeTo(-0.5, 14)]);
    expect(currentLearningRate(r.state)).toBeCloseTo(0.5, 14);
  });

  it('setLearningRate is pure and keeps the state structure', () => {
    const opt = chain(clipByGlobalNorm(1), adam({ learningRate: 0.1 }));
    const state = opt.init(params);
    const next = setLearningRate(state, 0.01);
    expect(currentLearningRate(state)).toBeCloseTo(0.1, 14);
    expect(currentLearningRate(next)).toBe(0.01);
    expect(JSON.stringify(next, (_k, v) => (v instanceof Float64Array ? 'data' : v))).toBe(JSON.stringify(state, (_k, v) => (v instanceof Float64Array ? 'data' : v)));
  });

  it('errors: negative rate, a schedule, a state without a learning rate', () => {
    const state = sgd({ learningRate: 0.1 }).init(params);
    expect(() => setLearningRate(state, -1)).toThrow(/setLearningRate: rate must be a number in \[0, ∞\)/);
    expect(() => setLearningRate(state, cosineDecay({ initValue: 1, decaySteps: 2 }) as never)).toThrow(/not a schedule/);
    expect(() => setLearningRate([{}], 0.1)).toThrow(/holds no learning rate/);
    expect(currentLearningRate([{}])).toBeUndefined();
    expect(() => scaleByLearningRate(0.1).update(grads, {} as never)).toThrow(/scaleByLearningRate: the state must be/);
  });

  it('isLearningRateState recognises the state of scaleByLearningRate only', () => {
    expect(isLearningRateState(scaleByLearningRate(0.1).init({}))).toBe(true);
    expect(isLearningRateState({ count: f64([0]) })).toBe(false);
  });
});
