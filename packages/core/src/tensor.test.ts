import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  tensor, zeros, ones, full, arange, linspace, eye, toNested, fromData, key, split, uniform, normal, permutation, foldIn,
  broadcastShapes, unbroadcast, sum, add, mul, normalizeAxes, ChainruleError, type Tensor,
} from './index.js';

describe('tensor constructors', () => {
  it('builds from nested arrays, typed arrays and numbers', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('float32');
    expect(a.size).toBe(6);
    expect(toNested(a)).toEqual([[1, 2, 3], [4, 5, 6]]);
    const b = tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
    expect(b.dtype).toBe('float64');
    expect(toNested(b)).toEqual([[1, 2], [3, 4]]);
    expect(tensor(7).shape).toEqual([]);
    expect(toNested(tensor(7))).toBe(7);
  });
  it('copies its source so later writes to the source do not leak in', () => {
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 99;
    expect(t.data[0]).toBe(1);
  });
  it('rejects ragged arrays and size mismatches with a message', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array at \[1\]/);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/3 values do not fill shape \[2, 2\]/);
    expect(() => tensor([1], { dtype: 'int8' as never })).toThrow(ChainruleError);
  });
  it('zeros, ones, full, arange, linspace, eye', () => {
    expect(toNested(zeros([2]))).toEqual([0, 0]);
    expect(toNested(ones([1, 2], 'float64'))).toEqual([[1, 1]]);
    expect(toNested(full([2], 3.5))).toEqual([3.5, 3.5]);
    expect(toNested(arange(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(toNested(arange(1, 0, -0.25, 'float64'))).toEqual([1, 0.75, 0.5, 0.25]);
    expect(toNested(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(toNested(eye(2, 3))).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(fromData(new Float64Array([1, 2]), [2, 1]).shape).toEqual([2, 1]);
  });
  it('toNested inverts tensor for random shapes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 }), (shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const t = tensor(Array.from({ length: n }, (_, i) => i), { shape });
        expect(toNested(tensor(toNested(t) as number[]))).toEqual(toNested(t));
        expect(tensor(toNested(t) as number[]).shape).toEqual(shape);
      }),
    );
  });
});

describe('broadcasting', () => {
  // Reference: NumPy's rule written out dimension by dimension from the right.
  const reference = (a: number[], b: number[]): number[] | null => {
    const out: number[] = [];
    for (let i = 1; i <= Math.max(a.length, b.length); i++) {
      const x = a[a.length - i] ?? 1, y = b[b.length - i] ?? 1;
      if (x !== y && x !== 1 && y !== 1) return null;
      out.unshift(x === 1 ? y : x);
    }
    return out;
  };
  it('broadcastShapes follows NumPy rules', () => {
    const dims = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 });
    fc.assert(
      fc.property(dims, dims, (a, b) => {
        const r = broadcastShapes(a, b);
        const ref = reference(a, b);
        if (ref === null) expect(r._tag).toBe('Left');
        else expect(r).toEqual({ _tag: 'Right', right: ref });
      }),
    );
  });
  it('broadcasting add and mul equal a reference index loop (scalar, bias-like and general cases)', () => {
    const dims = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 });
    fc.assert(
      fc.property(dims, dims, fc.boolean(), (a, b, dropLeading) => {
        const bShape = dropLeading ? a.slice(1) : b;
        const out = reference(a, bShape);
        if (out === null) return;
        const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const x = tensor(Array.from({ length: n(a) }, (_, i) => i + 1), { shape: a, dtype: 'float64' });
        const y = tensor(Array.from({ length: n(bShape) }, (_, i) => 10 * (i + 1)), { shape: bShape, dtype: 'float64' });
        // Reference: for each output multi-index, read each input at the index clamped by its size-1 dims.
        const at = (t: Tensor, idx: number[]) => {
          const off = out.length - t.shape.length;
          let flat = 0;
          t.shape.forEach((d, k) => (flat = flat * d + (d === 1 ? 0 : idx[k + off])));
          return t.data[flat];
        };
        const sumRef: number[] = [], mulRef: number[] = [];
        for (let i = 0; i < n(out); i++) {
          const idx: number[] = [];
          let r = i;
          for (let k = out.length - 1; k >= 0; k--) { idx.unshift(r % out[k]); r = Math.floor(r / out[k]); }
          sumRef.push(at(x, idx) + at(y, idx));
          mulRef.push(at(x, idx) * at(y, idx));
        }
        expect(Array.from(add(x, y).data)).toEqual(sumRef);
        expect(Array.from(mul(y, x).data)).toEqual(mulRef);
      }),
      { numRuns: 200 },
    );
  });
  it('unbroadcast sums a cotangent back to the input shape', () => {
    const g = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(toNested(unbroadcast(g, [3]))).toEqual([5, 7, 9]);
    expect(toNested(unbroadcast(g, [2, 1]))).toEqual([[6], [15]]);
    expect(toNested(unbroadcast(g, []))).toBe(21);
    expect(toNested(unbroadcast(g, [2, 3]))).toEqual([[1, 2, 3], [4, 5, 6]]);
  });
  it('normalizeAxes handles negatives and rejects out-of-range axes', () => {
    expect(normalizeAxes([-1, 0], 3)).toEqual({ _tag: 'Right', right: [0, 2] });
    expect(normalizeAxes(3, 3)._tag).toBe('Left');
    expect(normalizeAxes([1, -2], 3)._tag).toBe('Left');
  });
  it('sum over any axes equals a reference loop', () => {
    const t = tensor(Array.from({ length: 24 }, (_, i) => i * 0.5), { shape: [2, 3, 4] });
    const at = (i: number, j: number, k: number) => t.data[i * 12 + j * 4 + k];
    const s02 = [0, 1, 2].map((j) => [0, 1].reduce((s, i) => s + [0, 1, 2, 3].reduce((u, k) => u + at(i, j, k), 0), 0));
    expect(toNested(sum(t, { axis: [0, 2] }))).toEqual(s02);
    expect(toNested(sum(t, { axis: [-1], keepDims: true }) as Tensor)).toEqual([0, 1].map((i) => [0, 1, 2].map((j) => [[0, 1, 2, 3].reduce((u, k) => u + at(i, j, k), 0)][0])).map((r) => r.map((v) => [v])));
  });
});

describe('functional PRNG', () => {
  it('the same key gives the same numbers; split keys differ', () => {
    const k = key(42);
    expect(toNested(uniform(k, [5]))).toEqual(toNested(uniform(k, [5])));
    const [a, b] = split(k);
    expect(toNested(uniform(a, [5]))).not.toEqual(toNested(uniform(b, [5])));
    expect(foldIn(k, 1)).not.toEqual(foldIn(k, 2));
  });
  it('uniform stays in range and normal has the right moments', () => {
    const u = uniform(key(1), [10_000], { min: -2, max: 3 });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.data)).toBeLessThan(3);
    const n = normal(key(2), [20_000], { mean: 1, std: 2, dtype: 'float64' });
    const mean = n.data.reduce((s, v) => s + v, 0) / n.size;
    const sd = Math.sqrt(n.data.reduce((s, v) => s + (v - mean) ** 2, 0) / n.size);
    expect(mean).toBeCloseTo(1, 1);
    expect(sd).toBeCloseTo(2, 1);
  });
  it('permutation is a permutation', () => {
    const p = Array.from(permutation(key(3), 100)).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
