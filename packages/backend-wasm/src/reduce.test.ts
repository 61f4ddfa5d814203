import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as core from '@chainrule/core';
import * as ops from '@chainrule/ops';
import { tensor, type DType, type Tensor } from '@chainrule/core';
import { createWasmBackend } from './backend.js';
import { awkwardShape, randomTensor, worstError } from '../test/helpers.js';

const wasm = createWasmBackend();
const dtypes = fc.constantFrom<DType>('float32', 'float64');
type Reduce = (x: Tensor, attrs: { axis?: number[]; keepDims?: boolean }) => Tensor;
const reductions: readonly [string, Reduce][] = [['sum', core.sum], ['mean', ops.mean], ['max', ops.max], ['min', ops.min], ['prod', ops.prod]];

// A subset of a rank's axes (possibly not contiguous), or undefined for all.
const axesOf = (rank: number) => fc.option(fc.subarray(Array.from({ length: rank }, (_, i) => i)), { nil: undefined });

// float64 sums are summed in another order than the reference: allow a few ulps of the terms.
const tolerance = (dtype: DType) => (dtype === 'float64' ? 1e-12 : 2 ** -23);

describe('wasm reductions', () => {
  it.each(reductions)('%s over any axes matches the reference', (_name, f) => {
    fc.assert(fc.property(awkwardShape(4).chain((s) => fc.tuple(fc.constant(s), axesOf(s.length))), fc.boolean(), dtypes, fc.integer({ min: 1 }),
      ([shape, axis], keepDims, dtype, seed) => {
        // Values in [0.5, 1.5) keep sums away from cancellation, so a relative bound is meaningful.
        const x = randomTensor(shape, dtype, seed, 0.5, 1.5);
        expect(worstError(wasm, () => f(x, { axis, keepDims }))).toBeLessThanOrEqual(tolerance(dtype));
      }), { numRuns: 60 });
  });

  it('max and min propagate NaN; mean of nothing is NaN', () => {
    const x = tensor([[1, NaN, 3], [4, 5, 6]], { dtype: 'float32' });
    expect([...withWasm(() => ops.max(x, { axis: [1] })).data]).toEqual([NaN, 6]);
    expect([...withWasm(() => ops.min(x, { axis: [0] })).data]).toEqual([1, NaN, 3]);
    expect([...withWasm(() => ops.mean(tensor(new Float32Array(0), { shape: [2, 0] }), { axis: [1] })).data]).toEqual([NaN, NaN]);
  });
});

describe('wasm softmax family', () => {
  it('softmax and logSoftmax along any axis match the reference', () => {
    fc.assert(fc.property(awkwardShape(3).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 }))), dtypes, fc.integer({ min: 1 }),
      ([shape, axis], dtype, seed) => {
        const x = randomTensor(shape, dtype, seed, -20, 20);
        expect(worstError(wasm, () => core.softmax(x, { axis }), 1e-300)).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 2 ** -22);
        expect(worstError(wasm, () => core.logSoftmax(x, { axis }), 1e-6)).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 2 ** -22);
      }), { numRuns: 60 });
  });

  it('softmaxCrossEntropy with class indices and with dense labels matches the reference', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const z = randomTensor([13, 7], dtype, 9, -5, 5);
      const idx = tensor([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 6], { dtype });
      const dense = core.softmax(randomTensor([13, 7], dtype, 10));
      expect(worstError(wasm, () => core.softmaxCrossEntropy(z, idx), 1e-300)).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 2 ** -22);
      expect(worstError(wasm, () => core.softmaxCrossEntropy(z, dense), 1e-300)).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 2 ** -22);
      const bad = tensor([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 9], { dtype });
      expect(() => core.withBackend(wasm, () => core.softmaxCrossEntropy(z, bad))).toThrow(/class label 9 at index 12 is not an integer in \[0, 7\)/);
    }
  });
});

const withWasm = <T>(f: () => T): T => core.withBackend(wasm, f);
