// Tests of the conv2d and pooling layers against straightforward reference loops.

import { describe, it, expect } from 'vitest';
import { key, uniform, type Tensor } from '@chainrule/core';
import { avgPool2d, conv2d, maxPool2d } from './conv.js';

/** Reference NHWC × HWIO cross-correlation, stride s, 'same' (TensorFlow's split) or 'valid' padding. */
const refConv = (x: Tensor, w: Tensor, b: Tensor, s: number, padding: 'same' | 'valid'): { data: number[]; shape: number[] } => {
  const [n, h, wd, c] = x.shape, [kh, kw, , o] = w.shape;
  const oh = padding === 'same' ? Math.ceil(h / s) : Math.floor((h - kh) / s) + 1;
  const ow = padding === 'same' ? Math.ceil(wd / s) : Math.floor((wd - kw) / s) + 1;
  const padT = padding === 'same' ? Math.floor(Math.max(0, (oh - 1) * s + kh - h) / 2) : 0;
  const padL = padding === 'same' ? Math.floor(Math.max(0, (ow - 1) * s + kw - wd) / 2) : 0;
  const out: number[] = [];
  for (let q = 0; q < n; q++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let f = 0; f < o; f++) {
    let acc = b.data[f];
    for (let dy = 0; dy < kh; dy++) for (let dx = 0; dx < kw; dx++) for (let ch = 0; ch < c; ch++) {
      const y = i * s + dy - padT, xx = j * s + dx - padL;
      if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
      acc += x.data[((q * h + y) * wd + xx) * c + ch] * w.data[((dy * kw + dx) * c + ch) * o + f];
    }
    out.push(acc);
  }
  return { data: out, shape: [n, oh, ow, o] };
};

const refPool = (x: Tensor, k: number, mode: 'max' | 'avg'): number[] => {
  const [n, h, w, c] = x.shape, oh = Math.floor(h / k), ow = Math.floor(w / k);
  const out: number[] = [];
  for (let q = 0; q < n; q++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let ch = 0; ch < c; ch++) {
    let m = -Infinity, s = 0;
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) {
      const v = x.data[((q * h + i * k + dy) * w + j * k + dx) * c + ch];
      m = Math.max(m, v);
      s += v;
    }
    out.push(mode === 'max' ? m : s / (k * k));
  }
  return out;
};

const close = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4 * (1 + Math.abs(b[i])));
};

describe('conv2d layer', () => {
  const x = uniform(key(1), [2, 6, 5, 3], { min: -1, max: 1 });
  for (const [stride, padding] of [[1, 'same'], [2, 'same'], [1, 'valid'], [2, 'valid']] as const) {
    it(`matches a reference loop (stride ${stride}, ${padding})`, () => {
      const layer = conv2d(4, 3, { strides: stride, padding });
      const p = layer.init(key(2), [6, 5, 3]) as { w: Tensor; b: Tensor };
      const b = uniform(key(3), [4], { min: -1, max: 1 });
      const y = layer.apply({ w: p.w, b }, x);
      const want = refConv(x, p.w, b, stride, padding);
      expect(y.shape).toEqual(want.shape);
      const shape = layer.outputShape([6, 5, 3]);
      expect(shape._tag === 'Right' && shape.right).toEqual(want.shape.slice(1));
      close(y.data, want.data);
    });
  }
  it('draws HWIO filters and describes itself', () => {
    const layer = conv2d(8, [3, 3]);
    expect((layer.init(key(0), [28, 28, 1]) as { w: Tensor }).w.shape).toEqual([3, 3, 1, 8]);
    expect(layer.spec).toEqual({ type: 'conv2d', filters: 8, kernelSize: [3, 3], strides: [1, 1], padding: 'same', useBias: true, kernelInit: 'heNormal' });
  });
  it('explains inputs that do not fit', () => {
    const r = conv2d(8, 3).outputShape([784]);
    expect(r._tag === 'Left' && r.left).toMatch(/\[height, width, channels\]/);
    const v = conv2d(8, 5, { padding: 'valid' }).outputShape([3, 3, 1]);
    expect(v._tag === 'Left' && v.left).toMatch(/5×5 window does not fit a 3×3 input/);
    expect(() => conv2d(8, 0)).toThrow(/kernelSize must be a positive integer/);
  });
});

describe('pooling layers', () => {
  const x = uniform(key(4), [2, 6, 4, 3], { min: -1, max: 1 });
  it('maxPool2d takes the maximum of each window', () => {
    const layer = maxPool2d(2);
    const y = layer.apply({}, x);
    expect(y.shape).toEqual([2, 3, 2, 3]);
    close(y.data, refPool(x, 2, 'max'));
    expect(layer.spec).toEqual({ type: 'maxPool2d', poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
  });
  it('avgPool2d averages each window', () => {
    close(avgPool2d(2).apply({}, x).data, refPool(x, 2, 'avg'));
  });
});
