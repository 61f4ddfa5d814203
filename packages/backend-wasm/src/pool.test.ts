import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGather, maxPool2dGrad, type Padding } from '@chainrule/ops';
import { tensor, withBackend, type DType } from '@chainrule/core';
import { createWasmBackend } from './backend.js';
import { poolGeometry } from './pool.js';
import { randomTensor, worstError } from '../test/helpers.js';

const wasm = createWasmBackend();

const poolCase = fc.record({
  n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), c: fc.constantFrom(1, 2, 3, 4, 5, 8), // multiples of 4 take the SIMD path in float32
  wh: fc.integer({ min: 1, max: 3 }), ww: fc.integer({ min: 1, max: 3 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
  padding: fc.constantFrom<Padding>('same', 'valid'),
  dtype: fc.constantFrom<DType>('float32', 'float64'),
  seed: fc.integer({ min: 1 }),
}).filter(({ h, w, wh, ww, padding }) => padding === 'same' || (h >= wh && w >= ww));

describe('wasm pooling kernels', () => {
  it('max and average pooling and their gradients equal the reference bit for bit', () => {
    fc.assert(fc.property(poolCase, ({ n, h, w, c, wh, ww, sh, sw, padding, dtype, seed }) => {
      const attrs = { windowShape: [wh, ww] as const, strides: [sh, sw] as const, padding };
      const x = randomTensor([n, h, w, c], dtype, seed);
      const g = poolGeometry(x.shape, attrs);
      const dy = randomTensor([n, g.oh, g.ow, c], dtype, seed + 1), v = randomTensor(x.shape, dtype, seed + 2);
      expect(worstError(wasm, () => maxPool2d(x, attrs))).toBe(0);
      expect(worstError(wasm, () => maxPool2dGrad(x, dy, attrs))).toBe(0);
      expect(worstError(wasm, () => maxPool2dGather(x, v, attrs))).toBe(0);
      expect(worstError(wasm, () => avgPool2d(x, attrs))).toBe(0);
      expect(worstError(wasm, () => avgPool2dGrad(dy, { ...attrs, inputShape: [n, h, w, c] }))).toBe(0);
    }), { numRuns: 120 });
  });

  it('the gradient after a forward on the same input, with other attrs and with the same', () => {
    const x = randomTensor([2, 6, 6, 4], 'float32', 3);
    withBackend(wasm, () => maxPool2d(x, { windowShape: 2 }));
    const dy3 = randomTensor([2, 2, 2, 4], 'float32', 4);
    expect(worstError(wasm, () => maxPool2dGrad(x, dy3, { windowShape: 3 }))).toBe(0);
    const dy2 = randomTensor([2, 3, 3, 4], 'float32', 5);
    expect(worstError(wasm, () => maxPool2dGrad(x, dy2, { windowShape: 2 }))).toBe(0);
  });

  it('routes ties to the first maximum and keeps a NaN', () => {
    const x = tensor([1, 3, 3, NaN, 2, 2, 2, 2], { shape: [1, 2, 4, 1] });
    const dy = tensor([10, 20], { shape: [1, 1, 2, 1] });
    expect(worstError(wasm, () => maxPool2dGrad(x, dy, { windowShape: 2 }))).toBe(0);
    expect([...maxPool2d(x, { windowShape: 2 }).data]).toEqual([3, NaN]);
    // Four channels (the SIMD path): ties, a NaN first, a NaN after a number, -Infinity only.
    const v = tensor([
      1, NaN, 2, -Infinity, 1, 5, NaN, -Infinity,
      0, 7, 2, -Infinity, 1, NaN, 9, -Infinity,
    ], { shape: [1, 2, 2, 4] });
    const g = tensor([1, 2, 3, 4], { shape: [1, 1, 1, 4] });
    expect([...withBackend(wasm, () => maxPool2d(v, { windowShape: 2 })).data]).toEqual([1, NaN, NaN, -Infinity]);
    expect(worstError(wasm, () => maxPool2d(v, { windowShape: 2 }))).toBe(0);
    expect(worstError(wasm, () => maxPool2dGrad(v, g, { windowShape: 2 }))).toBe(0);
  });
});
