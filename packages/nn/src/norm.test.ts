// Tests of layerNorm and batchNorm against reference loops and hand-computed numbers, gradient checks, shape errors and state handling.

import { describe, it, expect } from 'vitest';
import { key, tensor, uniform, type Tensor } from '@chainrule/core';
import { assertGrads } from '@chainrule/gradcheck';
import { callLayer, initLayerState } from './layer.js';
import { batchNorm, layerNorm } from './norm.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol * (1 + Math.abs(b[i])));
};

const f64 = (values: number[], shape: number[]): Tensor => tensor(values, { shape, dtype: 'float64' });

describe('layerNorm', () => {
  const ln = layerNorm({ epsilon: 1e-3 });
  it('normalises each row like a plain loop, then scales by gamma and shifts by beta', () => {
    const x = uniform(key(1), [2, 3, 4], { min: -2, max: 3, dtype: 'float64' });
    const gamma = f64([1, 2, -1, 0.5], [4]), beta = f64([0, 1, 0.25, -2], [4]);
    const y = ln.apply({ gamma, beta }, x);
    const want: number[] = [];
    for (let r = 0; r < 6; r++) {
      const row = Array.from(x.data.slice(r * 4, r * 4 + 4));
      const m = row.reduce((a, b) => a + b, 0) / 4;
      const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
      row.forEach((e, j) => want.push(((e - m) / Math.sqrt(v + 1e-3)) * gamma.data[j] + beta.data[j]));
    }
    expect(y.shape).toEqual([2, 3, 4]);
    close(y.data, want);
  });
  it('draws gamma = 1 and beta = 0 of the last axis width', () => {
    const p = ln.init(key(0), [5, 6]) as { gamma: Tensor; beta: Tensor };
    expect(Array.from(p.gamma.data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(p.beta.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(ln.paramShapes([5, 6], 'float32')).toEqual({ gamma: { shape: [6], dtype: 'float32' }, beta: { shape: [6], dtype: 'float32' } });
    expect(ln.spec).toEqual({ type: 'layerNorm', epsilon: 1e-3 });
  });
  it('has the gradient finite differences give, params and input (float64)', () => {
    const x = uniform(key(2), [2, 2, 3], { min: -1, max: 1, dtype: 'float64' });
    const p = { gamma: uniform(key(3), [3], { min: 0.5, max: 2, dtype: 'float64' }), beta: uniform(key(4), [3], { dtype: 'float64' }) };
    assertGrads((q, xs) => ln.apply(q, xs), [p, x]);
  });
  it('names itself and the shapes when they do not fit', () => {
    expect(() => ln.init(key(0), [])).toThrow(/layerNorm layer: needs at least one non-empty axis per example.*shape \[\]/);
    const p = ln.init(key(0), [4]);
    expect(() => ln.apply(p, uniform(key(1), [2, 5]))).toThrow(/layerNorm layer: expected a batch whose last axis has 4 entries \(as gamma\), got shape \[2, 5\]/);
    expect(() => layerNorm({ epsilon: 0 })).toThrow(/layerNorm: epsilon must be a positive number/);
  });
});

describe('batchNorm', () => {
  const bn = batchNorm({ momentum: 0.9, epsilon: 1e-5 });
  // Two examples, two channels: channel 0 holds 1, 3 (mean 2, variance 1), channel 1 holds 2, 6 (mean 4, variance 4).
  const x = f64([1, 2, 3, 6], [2, 2]);
  const ones = { gamma: f64([1, 1], [2]), beta: f64([0, 0], [2]) };
  it('starts with mean 0 and variance 1 as state', () => {
    const s = initLayerState(bn, [2], 'float64') as { mean: Tensor; variance: Tensor };
    expect(Array.from(s.mean.data)).toEqual([0, 0]);
    expect(Array.from(s.variance.data)).toEqual([1, 1]);
  });
  it('train mode: normalises with the batch statistics and moves the running ones (hand-computed)', () => {
    const r = callLayer(bn, ones, initLayerState(bn, [2], 'float64'), x, { training: true });
    const s = r.state as { mean: Tensor; variance: Tensor };
    close(r.y.data, [-1 / Math.sqrt(1 + 1e-5), -2 / Math.sqrt(4 + 1e-5), 1 / Math.sqrt(1 + 1e-5), 2 / Math.sqrt(4 + 1e-5)]);
    // running ← 0.9·running + 0.1·batch: mean 0.9·0 + 0.1·[2, 4], variance 0.9·1 + 0.1·[1, 4]
    close(s.mean.data, [0.2, 0.4]);
    close(s.variance.data, [1.0, 1.3]);
  });
  it('eval mode uses the running statistics, not the batch, and keeps the state (hand-computed)', () => {
    const state = { mean: f64([0.2, 0.4], [2]), variance: f64([1.0, 1.3], [2]) };
    const p = { gamma: f64([2, 1], [2]), beta: f64([0.5, -1], [2]) };
    const r = callLayer(bn, p, state, f64([1, 2], [1, 2]));
    // (1 − 0.2)/√(1 + ε)·2 + 0.5 and (2 − 0.4)/√(1.3 + ε)·1 − 1
    close(r.y.data, [2.0999920000599994, 0.4032874336422658]);
    expect(r.state).toBe(state);
  });
  it('a train call then an eval call on the same batch differ: eval does not use the batch statistics', () => {
    const s0 = initLayerState(bn, [2], 'float64');
    const train = callLayer(bn, ones, s0, x, { training: true });
    const evalY = callLayer(bn, ones, train.state, x).y;
    expect(Math.abs(evalY.data[0] - train.y.data[0])).toBeGreaterThan(0.1);
  });
  it('normalises NHWC batches per channel over batch, height and width', () => {
    const img = uniform(key(5), [2, 3, 3, 2], { min: -1, max: 2, dtype: 'float64' });
    const p = bn.init(key(0), [3, 3, 2], 'float64');
    const y = callLayer(bn, p, initLayerState(bn, [3, 3, 2], 'float64'), img, { training: true }).y;
    for (let c = 0; c < 2; c++) {
      const vals = Array.from(y.data).filter((_, i) => i % 2 === c);
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      const v = vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length;
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(Math.abs(v - 1)).toBeLessThan(1e-4);
    }
  });
  it('has the gradient finite differences give in train and eval mode (float64)', () => {
    const xs = uniform(key(6), [4, 3], { min: -1, max: 1, dtype: 'float64' });
    const p = { gamma: uniform(key(7), [3], { min: 0.5, max: 2, dtype: 'float64' }), beta: uniform(key(8), [3], { dtype: 'float64' }) };
    const s = { mean: f64([0.1, -0.2, 0.3], [3]), variance: f64([0.5, 1, 2], [3]) };
    assertGrads((q, v) => callLayer(bn, q, s, v, { training: true }).y, [p, xs]);
    assertGrads((q, v) => callLayer(bn, q, s, v).y, [p, xs]);
  });
  it('asks for state through apply, and names itself on bad shapes or options', () => {
    expect(() => bn.apply(ones, x)).toThrow(/batchNorm layer: keeps running statistics as state; call it with callLayer/);
    expect(() => callLayer(bn, ones, {}, x)).toThrow(/batchNorm layer: state must be \{ mean, variance \}/);
    expect(() => callLayer(bn, ones, initLayerState(bn, [2]), f64([1, 2, 3], [1, 3]))).toThrow(/batchNorm layer: expected a batch whose last axis has 2 entries.*\[1, 3\]/);
    expect(() => bn.init(key(0), [])).toThrow(/batchNorm layer: needs at least one non-empty axis/);
    expect(() => batchNorm({ momentum: 1 })).toThrow(/batchNorm: momentum must be in \[0, 1\), got 1/);
  });
});
