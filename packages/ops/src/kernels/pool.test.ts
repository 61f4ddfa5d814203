// Tests of the pooling kernels: max and average pooling and their gradients against per-window references and finite differences.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { sizeOf, type DType } from '@chainrule/core';
import { maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward } from './pool.js';
import { convOutputSize, samePadding, type Pads2d, type Pair } from './conv.js';
import { lcg, randomArray } from '../../test/seeded.js';

interface PoolCase {
  xShape: [number, number, number, number];
  window: Pair;
  strides: Pair;
  pads: Pads2d;
  dtype: DType;
}

const outShape = ({ xShape: [n, h, w, c], window, strides, pads }: PoolCase) => [
  n, convOutputSize(h, window[0], strides[0], 1, pads[0], pads[1]), convOutputSize(w, window[1], strides[1], 1, pads[2], pads[3]), c,
];

// For each output element, the flat input indices its window covers inside the input, in
// row-major window order: the definition both references reduce over.
const windows = ({ xShape: [n, h, w, c], window, strides, pads }: PoolCase): number[][] => {
  const [, oh, ow] = outShape({ xShape: [n, h, w, c], window, strides, pads, dtype: 'float64' });
  const result: number[][] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          const idx: number[] = [];
          for (let ky = 0; ky < window[0]; ky++)
            for (let kx = 0; kx < window[1]; kx++) {
              const y = i * strides[0] + ky - pads[0], x = j * strides[1] + kx - pads[2];
              if (y >= 0 && y < h && x >= 0 && x < w) idx.push(((b * h + y) * w + x) * c + ch);
            }
          result.push(idx);
        }
  return result;
};

const dotF64 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

const tol = (dtype: DType) => (dtype === 'float32' ? 1e-6 : 1e-14);

const checkPool = (c: PoolCase, seed: number): void => {
  const rand = lcg(seed);
  const x = randomArray(c.dtype, sizeOf(c.xShape), rand);
  const dy = randomArray(c.dtype, sizeOf(outShape(c)), rand);
  const x0 = x.slice();
  const wins = windows(c);
  const Arr = c.dtype === 'float32' ? Float32Array : Float64Array;

  // max: value and first-max index per window; backward routes dy to that index.
  const { out, argmax } = maxPool2dForward(x, c.xShape, c.window, c.strides, c.pads);
  expect(out).toBeInstanceOf(Arr);
  expect(out.length).toBe(wins.length);
  const dxMaxRef = new Float64Array(x.length);
  wins.forEach((idx, o) => {
    let best = -1;
    for (const i of idx) if (best < 0 || x[i] > x[best]) best = i;
    expect(argmax[o]).toBe(best);
    expect(out[o]).toBe(best < 0 ? -Infinity : x[best]);
    if (best >= 0) dxMaxRef[best] += dy[o];
  });
  const dxMax = maxPool2dBackward(dy, argmax, x.length);
  expect(dxMax).toBeInstanceOf(Arr);
  for (let i = 0; i < x.length; i++) expect(Math.abs(dxMax[i] - dxMaxRef[i])).toBeLessThanOrEqual(tol(c.dtype) * 10);

  // avg: mean over the unpadded positions; backward spreads dy / count over them.
  const avg = avgPool2dForward(x, c.xShape, c.window, c.strides, c.pads);
  expect(avg).toBeInstanceOf(Arr);
  const dxAvgRef = new Float64Array(x.length);
  const avgRef = wins.map((idx, o) => {
    for (const i of idx) dxAvgRef[i] += dy[o] / idx.length;
    return idx.length === 0 ? 0 : idx.reduce((s, i) => s + x[i], 0) / idx.length;
  });
  for (let o = 0; o < avg.length; o++) expect(Math.abs(avg[o] - avgRef[o])).toBeLessThanOrEqual(tol(c.dtype));
  const dxAvg = avgPool2dBackward(dy, c.xShape, c.window, c.strides, c.pads);
  expect(dxAvg).toBeInstanceOf(Arr);
  for (let i = 0; i < x.length; i++) expect(Math.abs(dxAvg[i] - dxAvgRef[i])).toBeLessThanOrEqual(tol(c.dtype) * 10);

  // Both pools are linear in x for a fixed argmax: ⟨dy, pool(x)⟩ = ⟨dx, x⟩.
  const finiteOut = Array.from(out, (v) => (v === -Infinity ? 0 : v));
  expect(Math.abs(dotF64(dy, finiteOut) - dotF64(dxMax, x))).toBeLessThanOrEqual(tol(c.dtype) * 100);
  expect(Math.abs(dotF64(dy, avg) - dotF64(dxAvg, x))).toBeLessThanOrEqual(tol(c.dtype) * 100);
  expect(x).toEqual(x0);
};

const samePads = (xShape: readonly number[], window: Pair, strides: Pair): Pads2d => {
  const [t, b] = samePadding(xShape[1], window[0], strides[0], 1);
  const [l, r] = samePadding(xShape[2], window[1], strides[1], 1);
  return [t, b, l, r];
};

describe('pooling kernels', () => {
  it('pool a hand-computed example', () => {
    const x = new Float32Array([1, 5, 3, 2]);
    expect(maxPool2dForward(x, [1, 2, 2, 1], [2, 2], [2, 2], [0, 0, 0, 0])).toEqual({ out: new Float32Array([5]), argmax: new Int32Array([1]) });
    expect(Array.from(avgPool2dForward(new Float32Array([1, 2, 3, 4]), [1, 2, 2, 1], [2, 2], [1, 1], [0, 1, 0, 1]))).toEqual([2.5, 3, 3.5, 4]);
    // 3×3 input, 2×2 window, stride 2, SAME: pads [0, 1, 0, 1]; padding does not dilute the average.
    const y = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(avgPool2dForward(y, [1, 3, 3, 1], [2, 2], [2, 2], [0, 1, 0, 1]))).toEqual([3, 4.5, 7.5, 9]);
    expect(Array.from(maxPool2dForward(y, [1, 3, 3, 1], [2, 2], [2, 2], [0, 1, 0, 1]).out)).toEqual([5, 6, 8, 9]);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`match the reference for random shapes, windows, strides 1–2 and same/valid/explicit pads (${dtype})`, () => {
      fc.assert(fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }),
          c: fc.integer({ min: 1, max: 3 }),
          window: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
          strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
          padding: fc.oneof(fc.constantFrom('same' as const, 'valid' as const), fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))),
          seed: fc.nat(),
        }),
        ({ n, h, w, c, window, strides, padding, seed }) => {
          const xShape: PoolCase['xShape'] = [n, h, w, c];
          const pads: Pads2d = padding === 'valid' ? [0, 0, 0, 0] : padding === 'same' ? samePads(xShape, window, strides) : padding;
          checkPool({ xShape, window, strides, pads, dtype }, seed);
        },
      ), { numRuns: 200 });
    });
  }

  it('agree with central finite differences on a tiny case (float64)', () => {
    const c: PoolCase = { xShape: [1, 4, 5, 2], window: [3, 2], strides: [1, 2], pads: [1, 1, 0, 1], dtype: 'float64' };
    const rand = lcg(11);
    // Distinct values well apart, so a small step never changes which element wins a window.
    const x = new Float64Array(40).map((_, i) => ((i * 17) % 40) / 4 + 0.01 * rand());
    const dy = randomArray('float64', sizeOf(outShape(c)), rand);
    const h = 1e-6;
    const numericGrad = (loss: () => number) => Array.from(x, (v, i) => {
      x[i] = v + h; const up = loss();
      x[i] = v - h; const down = loss();
      x[i] = v;
      return (up - down) / (2 * h);
    });
    const maxLoss = () => dotF64(dy, maxPool2dForward(x, c.xShape, c.window, c.strides, c.pads).out);
    const avgLoss = () => dotF64(dy, avgPool2dForward(x, c.xShape, c.window, c.strides, c.pads));
    const dxMax = maxPool2dBackward(dy, maxPool2dForward(x, c.xShape, c.window, c.strides, c.pads).argmax, x.length);
    const dxAvg = avgPool2dBackward(dy, c.xShape, c.window, c.strides, c.pads);
    numericGrad(maxLoss).forEach((g, i) => expect(dxMax[i]).toBeCloseTo(g, 7));
    numericGrad(avgLoss).forEach((g, i) => expect(dxAvg[i]).toBeCloseTo(g, 7));
  });

  it('propagate NaN through max pooling and give all-padding windows -Infinity / index -1', () => {
    const x = new Float64Array([1, NaN, 3, 2]);
    const { out, argmax } = maxPool2dForward(x, [1, 2, 2, 1], [2, 2], [2, 2], [0, 0, 0, 0]);
    expect(Number.isNaN(out[0])).toBe(true);
    expect(argmax[0]).toBe(1);
    const padded = maxPool2dForward(new Float32Array([4]), [1, 1, 1, 1], [1, 1], [1, 1], [2, 0, 0, 0]);
    expect(Array.from(padded.out)).toEqual([-Infinity, -Infinity, 4]);
    expect(Array.from(padded.argmax)).toEqual([-1, -1, 0]);
    expect(Array.from(maxPool2dBackward(new Float32Array([1, 2, 3]), padded.argmax, 1))).toEqual([3]);
    expect(Array.from(avgPool2dForward(new Float32Array([4]), [1, 1, 1, 1], [1, 1], [1, 1], [2, 0, 0, 0]))).toEqual([0, 0, 4]);
  });

  it('pick the first of tied maxima and accumulate where windows overlap', () => {
    const x = new Float32Array([7, 7, 7]);
    const { argmax } = maxPool2dForward(x, [1, 1, 3, 1], [1, 2], [1, 1], [0, 0, 0, 0]);
    expect(Array.from(argmax)).toEqual([0, 1]);
    const peak = new Float32Array([0, 9, 0]);
    const r = maxPool2dForward(peak, [1, 1, 3, 1], [1, 2], [1, 1], [0, 0, 0, 0]);
    expect(Array.from(maxPool2dBackward(new Float32Array([1, 10]), r.argmax, 3))).toEqual([0, 11, 0]);
  });

  it('reject bad arguments with a message that names them', () => {
    expect(() => maxPool2dForward(new Float32Array(4), [1, 2, 2, 1], [0, 2], [1, 1], [0, 0, 0, 0])).toThrow(/window must be 2 integers ≥ 1/);
    expect(() => avgPool2dForward(new Float32Array(3), [1, 2, 2, 1], [2, 2], [1, 1], [0, 0, 0, 0])).toThrow(/x has 3 elements/);
    expect(() => avgPool2dBackward(new Float32Array(3), [1, 2, 2, 1], [2, 2], [1, 1], [0, 0, 0, 0])).toThrow(/dy has 3 elements/);
    expect(() => maxPool2dBackward(new Float32Array(3), new Int32Array(2), 4)).toThrow(/dy has 3 elements/);
  });
});
