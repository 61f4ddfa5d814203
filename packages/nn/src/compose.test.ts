// Tests of serial, residual and timeDistributed: the same numbers as applying the parts by hand, state threading, keys, shape errors.

import { describe, it, expect } from 'vitest';
import { add, key, split, uniform, type Tensor } from '@chainrule/core';
import { assertGrads } from '@chainrule/gradcheck';
import { activation, callLayer, dense, initLayerState, type State } from './layer.js';
import { batchNorm, layerNorm } from './norm.js';
import { dropout } from './dropout.js';
import { residual, serial, timeDistributed } from './compose.js';

describe('serial', () => {
  const layers = [dense(4), activation('tanh'), dense(2)];
  const net = serial(layers);
  it('applies its layers in order, params one entry per layer', () => {
    const p = net.init(key(0), [3]) as Tensor[];
    const keys = split(key(0), 3);
    expect(p).toEqual(layers.map((l, i) => l.init(keys[i], i === 0 ? [3] : [4])));
    const x = uniform(key(1), [5, 3]);
    const want = layers[2].apply(p[2], layers[1].apply(p[1], layers[0].apply(p[0], x)));
    expect(Array.from(net.apply(p, x).data)).toEqual(Array.from(want.data));
    expect(net.outputShape([3])).toEqual({ _tag: 'Right', right: [2] });
    expect(net.spec).toEqual({ type: 'serial', layers: layers.map((l) => l.spec) });
  });
  it('threads each layer its own state and key', () => {
    const withState = serial([dense(3), batchNorm(), dropout(0.5)]);
    const p = withState.init(key(0), [2]);
    const s0 = initLayerState(withState, [2]) as State[];
    expect(s0[0]).toEqual({});
    expect(Object.keys(s0[1])).toEqual(['mean', 'variance']);
    const x = uniform(key(1), [6, 2]);
    const r = callLayer(withState, p, s0, x, { training: true, key: key(9) });
    const moved = (r.state as { mean: Tensor }[])[1].mean;
    expect(Array.from(moved.data).some((v) => v !== 0)).toBe(true);
    const again = callLayer(withState, p, s0, x, { training: true, key: key(9) });
    expect(Array.from(again.y.data)).toEqual(Array.from(r.y.data));
  });
  it('has the gradient finite differences give (float64)', () => {
    const p = net.init(key(2), [3], 'float64');
    const x = uniform(key(3), [2, 3], { dtype: 'float64' });
    assertGrads((q, v) => net.apply(q, v), [p, x]);
  });
  it('names the layer that does not fit, and wrong params', () => {
    const bad = serial([dense(4), dense(2)]);
    expect(bad.outputShape([2, 2])).toEqual({ _tag: 'Left', left: 'layers[0] (dense): needs a flat input per example, got shape [2, 2] (add flatten())' });
    expect(() => bad.init(key(0), [2, 2])).toThrow(/serial layer: layers\[0\] \(dense\): needs a flat input/);
    expect(() => net.apply([], uniform(key(0), [1, 3]))).toThrow(/serial layer: params must be an array of 3 entries/);
  });
});

describe('residual', () => {
  it('adds the inner layer to its input', () => {
    const inner = dense(3);
    const r = residual(inner);
    const p = r.init(key(0), [3]);
    const x = uniform(key(1), [4, 3]);
    expect(Array.from(r.apply(p, x).data)).toEqual(Array.from(add(x, inner.apply(p, x)).data));
    expect(r.spec).toEqual({ type: 'residual', layer: inner.spec });
  });
  it('has the gradient finite differences give (float64)', () => {
    const r = residual(serial([layerNorm(), dense(3), activation('gelu')]));
    const p = r.init(key(2), [3], 'float64');
    assertGrads((q, v) => r.apply(q, v), [p, uniform(key(3), [2, 3], { dtype: 'float64' })]);
  });
  it('names itself and both shapes when the inner layer changes the shape', () => {
    expect(() => residual(dense(2)).init(key(0), [3])).toThrow(/residual layer: the inner dense layer maps \[3\] to \[2\]; x \+ f\(x\) needs the same shape/);
  });
});

describe('timeDistributed', () => {
  it('applies the inner layer to each position with shared params', () => {
    const inner = dense(2);
    const td = timeDistributed(inner);
    const p = td.init(key(0), [3, 4]);
    const x = uniform(key(1), [2, 3, 4]);
    const y = td.apply(p, x);
    expect(y.shape).toEqual([2, 3, 2]);
    for (let b = 0; b < 2; b++) for (let s = 0; s < 3; s++) {
      const row = x.data.slice((b * 3 + s) * 4, (b * 3 + s + 1) * 4);
      const w = (p as { w: Tensor }).w.data, bias = (p as { b: Tensor }).b.data;
      for (let j = 0; j < 2; j++) {
        let acc = bias[j];
        for (let k = 0; k < 4; k++) acc += row[k] * w[k * 2 + j];
        expect(y.data[(b * 3 + s) * 2 + j]).toBeCloseTo(acc, 5);
      }
    }
  });
  it('has the gradient finite differences give (float64)', () => {
    const td = timeDistributed(dense(2));
    const p = td.init(key(2), [3, 4], 'float64');
    assertGrads((q, v) => td.apply(q, v), [p, uniform(key(3), [2, 3, 4], { dtype: 'float64' })]);
  });
  it('names itself and the inner layer when the shape does not fit', () => {
    expect(timeDistributed(dense(2)).outputShape([3, 4, 5])).toEqual({ _tag: 'Left', left: 'dense: needs a flat input per example, got shape [4, 5] (add flatten())' });
    expect(() => timeDistributed(dense(2)).init(key(0), [3, 4, 5])).toThrow(/timeDistributed layer: dense: needs a flat input/);
  });
});
