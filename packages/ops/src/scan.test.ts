// Scans: values against hand-computed sums and products, gradients against finite differences (at zeros too for cumprod).

import { describe, expect, it } from 'vitest';
import { grad, sum, mul, tensor, type Tensor } from '@chainrule/core';
import { cumsum, cumprod, logcumsumexp } from './scan.js';
import { checkGrads, expectClose } from '../test/fd.js';

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });

describe('cumsum', () => {
  it('sums along an axis, inclusive or exclusive, forwards or backwards', () => {
    expect(Array.from(cumsum(f64([1, 2, 3])).data)).toEqual([1, 3, 6]);
    expect(Array.from(cumsum(f64([1, 2, 3]), { exclusive: true }).data)).toEqual([0, 1, 3]);
    expect(Array.from(cumsum(f64([1, 2, 3]), { reverse: true }).data)).toEqual([6, 5, 3]);
    expect(Array.from(cumsum(f64([1, 2, 3]), { reverse: true, exclusive: true }).data)).toEqual([5, 3, 0]);
    // [[1, 2, 3], [4, 5, 6]] along axis 1 and axis 0
    const m = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(cumsum(m, { axis: 1 }).data)).toEqual([1, 3, 6, 4, 9, 15]);
    expect(Array.from(cumsum(m, { axis: -2 }).data)).toEqual([1, 2, 3, 5, 7, 9]);
  });

  it('has derivatives that agree with finite differences', () => {
    checkGrads((x) => cumsum(x, { axis: 1, exclusive: true }), [f64([0.5, -1, 2, 0.25, 3, -0.75], [2, 3])], 1, { order: 2 });
    checkGrads((x) => cumsum(x, { reverse: true }), [f64([0.5, -1, 2])], 2, { order: 2 });
  });
});

describe('cumprod', () => {
  it('multiplies along an axis, zeros included', () => {
    expect(Array.from(cumprod(f64([1, 2, 3, 4])).data)).toEqual([1, 2, 6, 24]);
    expect(Array.from(cumprod(f64([2, 0, 5])).data)).toEqual([2, 0, 0]);
    expect(Array.from(cumprod(f64([1, 2, 3, 4], [2, 2]), { axis: 1 }).data)).toEqual([1, 2, 3, 12]);
  });

  it('has the exact gradient at a zero (no division by the input)', () => {
    // Σ cumprod([a, b, c]) = a + ab + abc: ∂/∂a = 1 + b + bc, ∂/∂b = a + ac, ∂/∂c = ab.
    const g = grad((x: Tensor) => sum(cumprod(x)))(f64([2, 0, 3]));
    expect(Array.from(g.data)).toEqual([1, 8, 0]);
    const g2 = grad((x: Tensor) => sum(cumprod(x)))(f64([0, 0, 3]));
    expect(Array.from(g2.data)).toEqual([1, 0, 0]);
  });

  it('has first and second derivatives that agree with finite differences, also at zeros', () => {
    checkGrads((x) => cumprod(x, { axis: 1 }), [f64([0.5, -1, 2, 0.25, 1.5, -0.75], [2, 3])], 3, { order: 2 });
    checkGrads((x) => cumprod(x), [f64([1.5, 0, 2, 0])], 4, { order: 2 });
    checkGrads((x) => mul(cumprod(x, { axis: 0 }), 2), [f64([0, 1.25, -0.5, 0], [2, 2])], 5, { order: 2 });
  });
});

describe('logcumsumexp', () => {
  it('is log(cumsum(exp(x))) without overflow', () => {
    const y = logcumsumexp(f64([1000, 1000, -1000]));
    expectClose('values', y.data, [1000, 1000 + Math.LN2, 1000 + Math.LN2], 1e-12, 1e-12);
    // A small value first: the running form keeps it (a shift by the axis maximum would give −∞).
    expectClose('rising', logcumsumexp(f64([-1000, 1000])).data, [-1000, 1000], 1e-12, 1e-12);
    const g = grad((x: Tensor) => sum(logcumsumexp(x)))(f64([-1000, 1000]));
    expect(Array.from(g.data).every(Number.isFinite)).toBe(true);
    expectClose('small', logcumsumexp(f64([0, 0, 0])).data, [0, Math.log(2), Math.log(3)], 1e-12, 1e-12);
  });

  it('has derivatives that agree with finite differences', () => {
    checkGrads((x) => logcumsumexp(x, { axis: 1 }), [f64([0.5, -1, 2, 0.25, 1.5, -0.75], [2, 3])], 6, { order: 2 });
  });
});
