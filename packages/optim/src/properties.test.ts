// Property tests: closed-form SGD on ½‖x‖², descent on convex quadratics, and momentum SGD on Rosenbrock.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, jit, mul, sub, sum, tensor, valueAndGrad, type Tensor } from '@chainrule/core';
import {
  adam, adamw, applyUpdates, chain, clipByGlobalNorm, rmsprop, sgd, warmupCosineDecay, type GradientTransformation,
} from './index.js';

const f64 = (v: number | number[]): Tensor => tensor(v, { dtype: 'float64' });

/** A jitted optimizer step on `loss`: (params, state, ...data) → [params, state, loss]. */
const makeStep = <P>(opt: GradientTransformation, loss: (p: P, ...data: Tensor[]) => Tensor) =>
  jit((params: P, state: unknown, ...data: Tensor[]) => {
    const [l, g] = valueAndGrad(loss)(params, ...data);
    const { updates, state: next } = opt.update(g as P, state, params);
    return [applyUpdates(params, updates), next, l] as const;
  });

describe('properties', () => {
  it('plain SGD with rate η on f(x) = ½‖x‖² gives x·(1 − η)^k after k steps', () => {
    const loss = (p: { x: Tensor }): Tensor => mul(0.5, sum(mul(p.x, p.x)));
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        (x0, eta, k) => {
          const opt = sgd({ learningRate: eta });
          let params = { x: f64(x0) };
          let state = opt.init(params);
          for (let i = 0; i < k; i++) {
            const [, g] = valueAndGrad(loss)(params);
            const r = opt.update(g, state, params);
            params = applyUpdates(params, r.updates);
            state = r.state;
          }
          Array.from(params.x.data).forEach((v, i) => expect(v).toBeCloseTo(x0[i] * (1 - eta) ** k, 10));
        },
      ),
      { numRuns: 40 },
    );
  });

  // f(x) = ½ Σ aᵢ(xᵢ − cᵢ)², aᵢ ∈ [0.5, 2], started at least 0.5 away from c in every coordinate.
  const quadratic = (p: { x: Tensor }, a: Tensor, c: Tensor): Tensor => {
    const d = sub(p.x, c);
    return mul(0.5, sum(mul(a, mul(d, d))));
  };
  const quadraticValue = (x: readonly number[], a: readonly number[], c: readonly number[]): number =>
    x.reduce((s, xi, i) => s + 0.5 * a[i] * (xi - c[i]) ** 2, 0);
  const problem = fc.integer({ min: 1, max: 4 }).chain((n) =>
    fc.record({
      a: fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: n, maxLength: n }),
      c: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n }),
      offset: fc.array(
        fc.tuple(fc.boolean(), fc.double({ min: 0.5, max: 3, noNaN: true })).map(([neg, m]) => (neg ? -m : m)),
        { minLength: n, maxLength: n },
      ),
    }),
  );
  const optimizers: [string, GradientTransformation][] = [
    ['sgd', sgd({ learningRate: 0.1 })],
    ['sgd momentum', sgd({ learningRate: 0.02, momentum: 0.9, dampening: 0.1 })],
    ['sgd nesterov + weight decay', sgd({ learningRate: 0.05, momentum: 0.5, nesterov: true, weightDecay: 1e-3 })],
    ['sgd, warmup cosine, clipped', chain(clipByGlobalNorm(1), sgd({ learningRate: warmupCosineDecay({ initValue: 0, peakValue: 0.3, warmupSteps: 5, decaySteps: 40 }) }))],
    ['adam', adam({ learningRate: 0.05 })],
    ['adamw', adamw({ learningRate: 0.05, weightDecay: 1e-3 })],
    ['rmsprop', rmsprop({ learningRate: 0.01 })],
    ['rmsprop centered + momentum', rmsprop({ learningRate: 0.005, centered: true, momentum: 0.5 })],
  ];
  it.each(optimizers)('%s decreases a convex quadratic within 30 steps', (_name, opt) => {
    const step = makeStep(opt, quadratic);
    fc.assert(
      fc.property(problem, ({ a, c, offset }) => {
        const x0 = c.map((ci, i) => ci + offset[i]);
        let params = { x: f64(x0) };
        let state: unknown = opt.init(params);
        for (let k = 0; k < 30; k++) [params, state] = step(params, state, f64(a), f64(c));
        const before = quadraticValue(x0, a, c), after = quadraticValue(Array.from(params.x.data), a, c);
        expect(after).toBeLessThan(0.9 * before);
      }),
      { numRuns: 25 },
    );
  });

  it('momentum SGD reaches the Rosenbrock minimum (1, 1) within 1e-2 in 2000 steps', () => {
    // f(x, y) = (1 − x)² + 100(y − x²)², started near the valley y = x²
    const rosenbrock = (p: { x: Tensor; y: Tensor }): Tensor => {
      const u = sub(1, p.x), v = sub(p.y, mul(p.x, p.x));
      return sum(add(mul(u, u), mul(100, mul(v, v))));
    };
    const opt = sgd({ learningRate: 1e-3, momentum: 0.9 });
    const step = makeStep(opt, rosenbrock);
    fc.assert(
      fc.property(fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.double({ min: -0.5, max: 0.5, noNaN: true }), (x0, dy) => {
        let params = { x: f64(x0), y: f64(x0 * x0 + dy) };
        let state: unknown = opt.init(params);
        for (let k = 0; k < 2000; k++) [params, state] = step(params, state);
        expect(Math.abs(params.x.item() - 1)).toBeLessThan(1e-2);
        expect(Math.abs(params.y.item() - 1)).toBeLessThan(1e-2);
      }),
      { numRuns: 15 },
    );
    expect(step.traceCount).toBe(1);
  });
});
