import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matmul, withBackend, type DType, type Tensor } from '@chainrule/core';
import { createWasmBackend } from './backend.js';
import { awkwardSize, randomTensor } from '../test/helpers.js';

const wasm = createWasmBackend();

// The textbook triple loop in float64, reading op(A) and op(B) through their transposes.
const naive = (a: Tensor, b: Tensor, m: number, k: number, n: number, ta: boolean, tb: boolean, aOff = 0, bOff = 0): Float64Array => {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[aOff + (ta ? p * m + i : i * k + p)] * b.data[bOff + (tb ? j * k + p : p * n + j)];
      c[i * n + j] = s;
    }
  }
  return c;
};

// Error bound of a k-term dot product: k·eps·Σ|aᵢbᵢ| ≤ k·eps·k·max|a|·max|b| (values in [-2, 2)).
const bound = (dtype: DType, k: number): number => (dtype === 'float32' ? 2 ** -23 : 2 ** -52) * (k + 2) * k * 4;

const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return x.length === y.length ? d : Infinity;
};

describe('wasm matmul', () => {
  it('matches the float64 triple loop for awkward sizes, every transpose, both dtypes', () => {
    fc.assert(fc.property(awkwardSize, awkwardSize, awkwardSize, fc.boolean(), fc.boolean(), fc.constantFrom<DType>('float32', 'float64'), fc.integer({ min: 1 }),
      (m, k, n, ta, tb, dtype, seed) => {
        const a = randomTensor(ta ? [k, m] : [m, k], dtype, seed), b = randomTensor(tb ? [n, k] : [k, n], dtype, seed + 1);
        const c = withBackend(wasm, () => matmul(a, b, { transposeA: ta, transposeB: tb }));
        expect(c.shape).toEqual([m, n]);
        expect(c.dtype).toBe(dtype);
        expect(maxDiff(c.data, naive(a, b, m, k, n, ta, tb))).toBeLessThanOrEqual(bound(dtype, k));
      }), { numRuns: 150 });
  });

  it('crosses every cache block (k > 256, n > 512, m > 64) with edge tiles', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const [m, k, n] = [67, 301, 517];
      const a = randomTensor([m, k], dtype, 3), b = randomTensor([n, k], dtype, 4);
      const c = withBackend(wasm, () => matmul(a, b, { transposeB: true }));
      expect(maxDiff(c.data, naive(a, b, m, k, n, false, true))).toBeLessThanOrEqual(bound(dtype, k));
    }
  });

  it('broadcasts batch dimensions', () => {
    const a = randomTensor([2, 1, 3, 5], 'float64', 5), b = randomTensor([4, 5, 7], 'float64', 6);
    const c = withBackend(wasm, () => matmul(a, b));
    expect(c.shape).toEqual([2, 4, 3, 7]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 4; j++) {
        const want = naive(a, b, 3, 5, 7, false, false, i * 15, j * 35);
        const got = c.data.subarray((i * 4 + j) * 21, (i * 4 + j + 1) * 21);
        expect(maxDiff(got, want)).toBeLessThanOrEqual(1e-13);
      }
    }
  });

  it('gives zeros for an empty inner dimension and an empty output for an empty batch', () => {
    const z = withBackend(wasm, () => matmul(randomTensor([3, 0], 'float32', 1), randomTensor([0, 2], 'float32', 2)));
    expect([...z.data]).toEqual([0, 0, 0, 0, 0, 0]);
    const e = withBackend(wasm, () => matmul(randomTensor([0, 3, 2], 'float32', 1), randomTensor([2, 4], 'float32', 2)));
    expect(e.shape).toEqual([0, 3, 4]);
  });
});
