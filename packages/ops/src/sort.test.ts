// Sorting: argsort's order (stable, NaN last, both directions, any axis), sort and topk values and their gradients.

import { describe, expect, it } from 'vitest';
import { grad, mul, sum, tensor, type Tensor } from '@chainrule/core';
import { argsort, sort, topk } from './sort.js';
import { checkGrads, throwsWith } from '../test/fd.js';

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
const vals = (x: Tensor) => Array.from(x.data);

describe('argsort', () => {
  it('gives the sorting permutation, stable on ties, NaN last', () => {
    expect(vals(argsort(f64([30, 10, 20])))).toEqual([1, 2, 0]);
    expect(vals(argsort(f64([30, 10, 20]), { descending: true }))).toEqual([0, 2, 1]);
    expect(vals(argsort(f64([2, 1, 2, 1])))).toEqual([1, 3, 0, 2]);
    expect(vals(argsort(f64([2, 1, 2, 1]), { descending: true }))).toEqual([0, 2, 1, 3]);
    expect(vals(argsort(f64([NaN, 1, -1])))).toEqual([2, 1, 0]);
    // [[3, 1], [2, 4]] along axis 0: column 0 → [1, 0], column 1 → [0, 1]
    expect(vals(argsort(f64([3, 1, 2, 4], [2, 2]), { axis: 0 }))).toEqual([1, 0, 0, 1]);
  });
  it('refuses a scalar and a bad axis', () => {
    throwsWith(() => argsort(tensor(1)), 'rank ≥ 1');
    throwsWith(() => argsort(f64([1, 2]), { axis: 1 }), 'axis 1 is out of range');
  });
});

describe('sort and topk', () => {
  it('sort orders values along an axis', () => {
    expect(vals(sort(f64([3, 1, 2])))).toEqual([1, 2, 3]);
    expect(vals(sort(f64([3, 1, 2, 0, 5, 4], [2, 3]), { descending: true }))).toEqual([3, 2, 1, 5, 4, 0]);
  });
  it('topk gives the k largest and where they were', () => {
    const { values, indices } = topk(f64([1, 4, 2, 8, 4]), { k: 3 });
    expect(vals(values)).toEqual([8, 4, 4]);
    expect(vals(indices)).toEqual([3, 1, 4]);
    throwsWith(() => topk(f64([1, 2]), { k: 3 }), 'k must be an integer in [1, 2]');
  });
  it('sends each cotangent back to the element that landed there', () => {
    // Σ wᵢ·sort(x)ᵢ with w = [1, 10, 100] and x = [3, 1, 2]: the gradient is w permuted back: [100, 1, 10].
    const w = f64([1, 10, 100]);
    expect(vals(grad((x: Tensor) => sum(mul(sort(x), w)))(f64([3, 1, 2])))).toEqual([100, 1, 10]);
    checkGrads((x) => sort(x, { axis: 0 }), [f64([0.5, -1, 2, 0.25, 3, -0.75], [3, 2])], 1, { order: 2 });
    checkGrads((x) => topk(x, { k: 2 }).values, [f64([0.5, -1, 2, 0.25, 3, -0.75], [2, 3])], 2, { order: 2 });
  });
});
