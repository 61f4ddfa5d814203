import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, type Padding } from '@chainrule/ops';
import type { DType } from '@chainrule/core';
import { createWasmBackend } from './backend.js';
import { convGeometry, samePads } from './conv.js';
import { randomTensor, scaledError } from '../test/helpers.js';

const wasm = createWasmBackend();

// A convolution that fits: sizes, strides, dilations and a padding of each kind.
const convCase = fc.record({
  n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 11 }), w: fc.integer({ min: 1, max: 11 }),
  c: fc.constantFrom(1, 2, 3, 5), o: fc.constantFrom(1, 3, 4, 7, 9),
  kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
  dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
  padding: fc.oneof(
    fc.constantFrom<Padding>('same', 'valid'),
    fc.tuple(fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2))) as fc.Arbitrary<Padding>,
  ),
  dtype: fc.constantFrom<DType>('float32', 'float64'),
  seed: fc.integer({ min: 1 }),
}).filter(({ h, w, kh, kw, dh, dw, padding }) => {
  const pads = padding === 'valid' ? [0, 0, 0, 0] : padding === 'same' ? [0, 0, 0, 0] : padding.flat();
  return h + pads[0] + pads[1] >= dh * (kh - 1) + 1 && w + pads[2] + pads[3] >= dw * (kw - 1) + 1;
});

const tol = (dtype: DType) => (dtype === 'float64' ? 1e-12 : 1e-5);

describe('wasm conv2d kernels', () => {
  it('forward, input gradient and filter gradient match the reference for all strides, dilations and paddings', () => {
    fc.assert(fc.property(convCase, ({ n, h, w, c, o, kh, kw, sh, sw, dh, dw, padding, dtype, seed }) => {
      const attrs = { padding, strides: [sh, sw] as const, dilations: [dh, dw] as const };
      const x = randomTensor([n, h, w, c], dtype, seed), f = randomTensor([kh, kw, c, o], dtype, seed + 1);
      expect(scaledError(wasm, () => conv2d(x, f, attrs))).toBeLessThanOrEqual(tol(dtype));
      const [, oh, ow] = convGeometry(x.shape, f.shape, attrs).subarray(6, 9);
      const dy = randomTensor([n, oh, ow, o], dtype, seed + 2);
      expect(scaledError(wasm, () => conv2dBackpropInput(dy, f, { ...attrs, inputShape: [n, h, w, c] }))).toBeLessThanOrEqual(tol(dtype));
      expect(scaledError(wasm, () => conv2dBackpropFilter(x, dy, { ...attrs, filterShape: [kh, kw, c, o] }))).toBeLessThanOrEqual(tol(dtype));
    }), { numRuns: 120 });
  });

  it('covers the pointwise path and inputs spanning several im2col chunks', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = randomTensor([2, 7, 5, 6], dtype, 1), p = randomTensor([1, 1, 6, 4], dtype, 2);
      expect(scaledError(wasm, () => conv2d(x, p, { padding: 'valid' }))).toBeLessThanOrEqual(tol(dtype));
      const dyP = randomTensor([2, 7, 5, 4], dtype, 3);
      expect(scaledError(wasm, () => conv2dBackpropInput(dyP, p, { padding: 'valid', inputShape: [2, 7, 5, 6] }))).toBeLessThanOrEqual(tol(dtype));
      expect(scaledError(wasm, () => conv2dBackpropFilter(x, dyP, { padding: 'valid', filterShape: [1, 1, 6, 4] }))).toBeLessThanOrEqual(tol(dtype));
      // 4·30·30 output rows of 3·3·16 taps: about 22 chunks of 2¹⁶ elements.
      const big = randomTensor([4, 30, 30, 16], dtype, 4), k = randomTensor([3, 3, 16, 8], dtype, 5);
      expect(scaledError(wasm, () => conv2d(big, k, { padding: 'same' }))).toBeLessThanOrEqual(tol(dtype));
      const dy = randomTensor([4, 30, 30, 8], dtype, 6);
      expect(scaledError(wasm, () => conv2dBackpropFilter(big, dy, { padding: 'same', filterShape: [3, 3, 16, 8] }))).toBeLessThanOrEqual(tol(dtype));
      expect(scaledError(wasm, () => conv2dBackpropInput(dy, k, { padding: 'same', inputShape: [4, 30, 30, 16] }))).toBeLessThanOrEqual(tol(dtype));
    }
  });

  it('pads like TensorFlow for same', () => {
    expect(samePads(28, 3, 1, 1)).toEqual([1, 1]);
    expect(samePads(5, 2, 2, 1)).toEqual([0, 1]);
    expect(samePads(4, 3, 2, 2)).toEqual([1, 2]);
  });
});
