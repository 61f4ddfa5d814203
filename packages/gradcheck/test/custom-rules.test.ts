// Custom rules checked like ops: a stable log1pexp, gradient clipping inside a function and a straight-through estimator.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { customVjp, customJvp, grad, jit, jvp, vmap, tensor, mul, add, exp, log, sigmoid, sum, type Tensor } from '@chainrule/core';
import { relu, abs, log1p, neg, clip, round, tanh } from '@chainrule/ops';
import { arb, checkGrads } from '../src/index.js';

const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });
const assertOk = (r: ReturnType<typeof checkGrads>): void => {
  if (isLeft(r)) throw new Error(r.left.message);
};

// log(1 + eˣ) = max(x, 0) + log1p(e^−|x|): finite for any x. Its derivative σ(x) is written
// once, stably; autodiff of the pieces would give relu′(0) + abs′(0)-terms, 0 instead of ½ at 0.
const log1pexp = customVjp(
  (x: Tensor) => add(relu(x), log1p(exp(neg(abs(x))))),
  (x: Tensor) => [add(relu(x), log1p(exp(neg(abs(x))))), x] as const,
  (x: Tensor, g: Tensor) => [mul(g, sigmoid(x))],
);

// The identity going forward; going back, the cotangent is clipped to [−1, 1].
const clipGradient = customVjp(
  (x: Tensor) => x,
  (x: Tensor) => [x, null] as const,
  (_: null, g: Tensor) => [clip(g, { min: -1, max: 1 })],
);

// A straight-through estimator: rounds going forward, passes derivatives through as if it were the identity.
const roundSte = customJvp((x: Tensor) => round(x), ([x]: [Tensor], [t]: [Tensor]) => [round(x), t] as const);

describe('a stable log1pexp (customVjp)', () => {
  it('passes checkGrads to second order on random inputs, reverse mode (it defines no forward rule)', () => {
    fc.assert(
      fc.property(arb.tensor({ shape: [5], min: -20, max: 20 }), (x) => {
        assertOk(checkGrads((v: Tensor) => log1pexp(v), [x], { order: 2, modes: ['rev'] }));
      }),
      { numRuns: 20, seed: 3 },
    );
  });

  it('is finite where the naive formula overflows, with gradient σ(x), and ½ at 0', () => {
    const x = f64([1000, -1000, 0]);
    expect(Array.from(log(add(1, exp(x))).data)[0]).toBe(Infinity);
    expect(Array.from(log1pexp(x).data)).toEqual([1000, 0, Math.LN2]);
    const naive = grad((v: Tensor) => sum(log(add(1, exp(v)))))(x) as Tensor;
    expect(Number.isNaN(naive.data[0])).toBe(true);
    expect(Array.from((grad((v: Tensor) => sum(log1pexp(v)))(x) as Tensor).data)).toEqual([1, 0, 0.5]);
  });

  it('gives the same gradients under jit and per example under vmap', () => {
    const xs = f64([-3, 0.5, 40, 2, -1, 7]);
    const g = grad((v: Tensor) => sum(log1pexp(v))) as (v: Tensor) => Tensor;
    const want = Array.from(xs.data).map((u) => 1 / (1 + Math.exp(-u)));
    Array.from(jit(g)(xs).data).forEach((v, i) => expect(v).toBeCloseTo(want[i], 14));
    const per = vmap(grad((v: Tensor) => log1pexp(v)))(xs) as Tensor;
    Array.from(per.data).forEach((v, i) => expect(v).toBeCloseTo(want[i], 14));
  });
});

describe('gradient clipping inside a function (customVjp)', () => {
  // h(x) = Σ k·tanh(clipGradient(x)): the cotangent reaching the clip is k·(1 − tanh² x),
  // which it clips to [−1, 1]; with k < 1 it never clips.
  const h = (k: number) => (x: Tensor) => sum(mul(tanh(clipGradient(x)), k));

  it('where no clipping happens, the gradient is exact (checkGrads, second order)', () => {
    fc.assert(
      fc.property(arb.tensor({ shape: [4], min: -2, max: 2 }), (x) => {
        assertOk(checkGrads(h(0.9), [x], { order: 2, modes: ['rev'] }));
      }),
      { numRuns: 15, seed: 5 },
    );
  });

  it('where it happens, the gradient is the clipped true gradient', () => {
    const x = f64([0, 0.3, 2.5, -1]);
    const trueGrad = Array.from(x.data).map((u) => 5 * (1 - Math.tanh(u) ** 2));
    const got = grad(h(5))(x) as Tensor;
    Array.from(got.data).forEach((g, i) => expect(g).toBeCloseTo(Math.max(-1, Math.min(1, trueGrad[i])), 12));
    // The forward value is untouched.
    expect((h(5)(x) as Tensor).item()).toBeCloseTo(5 * Array.from(x.data).reduce((s, u) => s + Math.tanh(u), 0), 12);
  });
});

describe('a straight-through estimator (customJvp)', () => {
  // loss(w) = Σ (round(w)·c − y)²: the estimator's gradient is the smooth loss's gradient at round(w).
  const c = f64([0.5, -2, 1.5]), y = f64([1, 0, -1]);
  const smooth = (v: Tensor) => sum(mul(add(mul(v, c), neg(y)), add(mul(v, c), neg(y))));
  const ste = (w: Tensor) => smooth(roundSte(w));

  it('forward rounds; the gradient is the smooth loss’s at the rounded point (checkGrads of that surrogate)', () => {
    fc.assert(
      fc.property(arb.tensor({ shape: [3], min: -3, max: 3 }), (w) => {
        const r = round(w);
        expect(Array.from(roundSte(w).data)).toEqual(Array.from(r.data));
        assertOk(checkGrads(smooth, [r], { order: 2 }));
        const got = grad(ste)(w) as Tensor, want = grad(smooth)(r) as Tensor;
        Array.from(got.data).forEach((g, i) => expect(g).toBeCloseTo(want.data[i], 12));
        // Forward mode carries the tangent straight through too.
        const t = f64([1, 2, 3]);
        expect((jvp(ste, [w], [t])[1] as Tensor).item()).toBeCloseTo((jvp(smooth, [r], [t])[1] as Tensor).item(), 10);
      }),
      { numRuns: 15, seed: 9 },
    );
  });

  it('checkGrads of the estimator itself reports the mismatch with finite differences (round is flat)', () => {
    const r = checkGrads(ste, [f64([0.2, 1.3, -0.6])], { modes: ['rev'] });
    expect(isRight(r)).toBe(false);
  });
});
