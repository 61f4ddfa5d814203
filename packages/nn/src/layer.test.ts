// Tests of dense, flatten and activation layers against reference loops, and of their gradients against finite differences.

import { describe, it, expect } from 'vitest';
import { grad, key, mul, sigmoid as sigmoidOp, sum, tensor, uniform, type Tensor } from '@chainrule/core';
import { activation, dense, flatten } from './layer.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol * (1 + Math.abs(b[i])));
};

describe('dense', () => {
  const layer = dense(3);
  const params = layer.init(key(0), [4]) as { w: Tensor; b: Tensor };
  it('draws w [in, units] and a zero bias', () => {
    expect(params.w.shape).toEqual([4, 3]);
    expect(Array.from(params.b.data)).toEqual([0, 0, 0]);
    expect(layer.paramShapes([4], 'float32')).toEqual({ w: { shape: [4, 3], dtype: 'float32' }, b: { shape: [3], dtype: 'float32' } });
    expect(layer.spec).toEqual({ type: 'dense', units: 3, useBias: true, kernelInit: 'glorotUniform' });
  });
  it('computes x·w + b like a plain loop', () => {
    const x = uniform(key(1), [5, 4], { min: -1, max: 1 });
    const b = tensor([0.5, -1, 2]);
    const y = layer.apply({ w: params.w, b }, x);
    const want = new Float64Array(15);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) {
      let s = b.data[j];
      for (let k = 0; k < 4; k++) s += x.data[i * 4 + k] * params.w.data[k * 3 + j];
      want[i * 3 + j] = s;
    }
    expect(y.shape).toEqual([5, 3]);
    close(y.data, want);
  });
  it('has no bias with useBias: false', () => {
    const p = dense(2, { useBias: false }).init(key(0), [3]);
    expect(Object.keys(p)).toEqual(['w']);
  });
  it('wants a flat input and says so', () => {
    const r = layer.outputShape([2, 2]);
    expect(r._tag).toBe('Left');
    expect(r._tag === 'Left' && r.left).toMatch(/flat input.*\[2, 2\].*flatten/);
    expect(() => layer.init(key(0), [2, 2])).toThrow(/dense layer: needs a flat input/);
    expect(() => dense(0)).toThrow(/units must be a positive integer/);
  });
  it('has the gradient finite differences give (float64)', () => {
    const x = uniform(key(2), [3, 4], { min: -1, max: 1, dtype: 'float64' });
    const p = layer.init(key(3), [4], 'float64') as { w: Tensor; b: Tensor };
    const loss = (q: { w: Tensor; b: Tensor }): Tensor => sum(mul(sigmoidOp(layer.apply(q, x)), tensor([1, -2, 0.5], { dtype: 'float64' })));
    const g = grad(loss)(p) as { w: Tensor; b: Tensor };
    const h = 1e-6;
    for (const name of ['w', 'b'] as const) {
      const base = p[name].data;
      for (let i = 0; i < base.length; i++) {
        const bump = (d: number): number => {
          const data = Float64Array.from(base);
          data[i] += d;
          return loss({ ...p, [name]: tensor(data, { shape: p[name].shape }) }).item();
        };
        expect(g[name].data[i]).toBeCloseTo((bump(h) - bump(-h)) / (2 * h), 6);
      }
    }
  });
});

describe('flatten', () => {
  it('keeps the batch axis and multiplies the rest', () => {
    const x = uniform(key(0), [2, 3, 4, 5]);
    const y = flatten().apply({}, x);
    expect(y.shape).toEqual([2, 60]);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    expect(flatten().outputShape([7, 7, 16])).toEqual({ _tag: 'Right', right: [784] });
  });
});

describe('activation', () => {
  const x = tensor([[-2, -0.5, 0, 0.5, 3]]);
  const ref: Record<string, (v: number) => number> = {
    linear: (v) => v,
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    relu: (v) => Math.max(v, 0),
    tanh: Math.tanh,
    leakyRelu: (v) => (v > 0 ? v : 0.2 * v),
    elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
    softplus: (v) => Math.log1p(Math.exp(v)),
    silu: (v) => v / (1 + Math.exp(-v)),
  };
  for (const [name, f] of Object.entries(ref)) {
    it(`${name} applies elementwise`, () => {
      close(activation(name as 'relu').apply({}, x).data, Array.from(x.data, f));
    });
  }
  it('softmax normalises each row', () => {
    const y = activation('softmax').apply({}, x).data;
    const e = Array.from(x.data, Math.exp), s = e.reduce((a, b) => a + b, 0);
    close(y, e.map((v) => v / s));
  });
  it('rejects an unknown name', () => {
    expect(() => activation('swish' as 'relu')).toThrow(/unknown activation 'swish'/);
    expect(() => activation('toString' as 'relu')).toThrow(/unknown activation 'toString'/);
  });
});
