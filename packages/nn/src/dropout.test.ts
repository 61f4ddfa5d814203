// Tests of the dropout layer: identity in eval mode, a keyed mask in train mode, its gradient, and the missing-key error.

import { describe, it, expect } from 'vitest';
import { jit, key, ones, tensor, uniform, type Tensor } from '@chainrule/core';
import { keyTensor } from '@chainrule/ops';
import { assertGrads } from '@chainrule/gradcheck';
import { callLayer, dense } from './layer.js';
import { serial } from './compose.js';
import type { Params } from './params.js';
import { dropout } from './dropout.js';

describe('dropout', () => {
  const drop = dropout(0.25);
  const x = ones([40, 50]);
  it('is the identity in eval mode and through apply', () => {
    expect(drop.apply({}, x)).toBe(x);
    expect(callLayer(drop, {}, {}, x).y).toBe(x);
    expect(callLayer(drop, {}, {}, x, { key: key(1) }).y).toBe(x);
  });
  it('in train mode zeroes about rate of the elements and scales the rest by 1/(1 − rate)', () => {
    const y = callLayer(drop, {}, {}, x, { training: true, key: key(1) }).y;
    const values = Array.from(y.data);
    const zeros = values.filter((v) => v === 0).length;
    expect(values.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(zeros / values.length).toBeGreaterThan(0.2);
    expect(zeros / values.length).toBeLessThan(0.3);
  });
  it('draws the same mask from the same key and another from another key', () => {
    const a = callLayer(drop, {}, {}, x, { training: true, key: key(3) }).y;
    const b = callLayer(drop, {}, {}, x, { training: true, key: key(3) }).y;
    const c = callLayer(drop, {}, {}, x, { training: true, key: key(4) }).y;
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });
  it('has the gradient finite differences give in train mode (float64)', () => {
    const xs = uniform(key(5), [3, 4], { dtype: 'float64' });
    assertGrads((v) => callLayer(drop, {}, {}, v, { training: true, key: key(6) }).y, [xs]);
  });
  it('names itself when train mode has no key, and rejects a bad rate', () => {
    expect(() => callLayer(drop, {}, {}, tensor([1]), { training: true })).toThrow(/dropout layer: train mode needs a PRNG key/);
    expect(() => dropout(1)).toThrow(/dropout: rate must be in \[0, 1\), got 1/);
    expect(dropout(0.1).spec).toEqual({ type: 'dropout', rate: 0.1 });
  });
});

describe('dropout under jit, with the key as an argument', () => {
  it('draws a fresh mask from each call’s key without retracing, equal to the eager masks', () => {
    const layer = serial([dense(6), dropout(0.5)]);
    const params = layer.init(key(1), [4]);
    const x = ones([3, 4]);
    const step = jit((p: Params, xs: Tensor, k: Tensor) => callLayer(layer, p, [{}, {}], xs, { training: true, key: k }).y);
    const a = step(params, x, keyTensor(key(10)));
    const b = step(params, x, keyTensor(key(11)));
    expect(step.traceCount).toBe(1);
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
    const eager = callLayer(layer, params, [{}, {}], x, { training: true, key: key(10) }).y;
    expect(Array.from(a.data)).toEqual(Array.from(eager.data));
  });
});
