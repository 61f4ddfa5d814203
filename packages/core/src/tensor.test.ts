import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  tensor, zeros, ones, full, arange, linspace, eye, toNested, fromData, key, split, uniform, normal, permutation, foldIn,
  broadcastShapes, unbroadcast, sum, add, mul, normalizeAxes, ChainruleError, MAX_ELEMENTS, broadcastTo, oneHot, trace, abstract, allocate,
  type Tensor,
} from './index.js';

/** The ChainruleError a call throws (fails the test when it does not throw one). */
const thrown = (f: () => unknown): ChainruleError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ChainruleError) return e;
    throw new Error(`expected a ChainruleError, got ${String(e)}`);
  }
  throw new Error('expected a ChainruleError, nothing was thrown');
};

describe('tensor constructors refuse bad input with a ChainruleError', () => {
  it('negative, fractional, string, unsafe and NaN dims', () => {
    for (const [shape, dim] of [[[2, -1], 1], [[1.5], 0], [['2'], 0], [[2 ** 53 + 2], -1], [[NaN], 0]] as const) {
      for (const make of [() => zeros(shape as never), () => ones(shape as never), () => full(shape as never, 3), () => tensor(0, { shape: shape as never })]) {
        const e = thrown(make);
        expect(e.message).toMatch(dim >= 0 ? new RegExp(`shape\\[${dim}\\] must be a non-negative integer`) : /over the limit/);
      }
    }
    // A nested source with a shape option whose dims are bad but whose product matches.
    expect(thrown(() => tensor([[1, 2]], { shape: [-2, -1] })).message).toMatch(/shape\[0\] must be a non-negative integer, got -2/);
  });
  it('more elements than MAX_ELEMENTS: TooLarge, never an allocation', () => {
    for (const make of [() => ones([1e10]), () => zeros([1e5, 1e5]), () => arange(0, 1e12), () => linspace(0, 1, 1e12), () => eye(1e5), () => full([0, 1e12], 1)]) {
      const e = thrown(make);
      expect(e.code).toBe('TooLarge');
      expect(e.message).toMatch(/over the limit of 268435456 \(MAX_ELEMENTS\)/);
    }
    expect(ones([MAX_ELEMENTS / 2 ** 20, 0, 2 ** 20]).size).toBe(0);
  });
  it('eye, arange and linspace check their numbers', () => {
    expect(thrown(() => eye(-1)).message).toMatch(/eye: shape\[0\] must be a non-negative integer, got -1/);
    expect(thrown(() => eye(2, 1.5)).message).toMatch(/eye: shape\[1\] must be a non-negative integer, got 1\.5/);
    expect(thrown(() => arange(0, NaN)).message).toMatch(/arange: stop must be a finite number, got NaN/);
    expect(thrown(() => arange(-Infinity, 0)).message).toMatch(/arange: start must be a finite number/);
    expect(thrown(() => linspace(0, Infinity, 3)).message).toMatch(/linspace: stop must be a finite number/);
    expect(thrown(() => full([2], 'x' as never)).message).toMatch(/full: value must be a number, got "x"/);
  });
  it('data length that does not fill the shape, and non-numeric data', () => {
    expect(thrown(() => tensor([1, 2, 3], { shape: [2, 2] })).message).toMatch(/3 values do not fill shape \[2, 2\]/);
    expect(thrown(() => tensor(['a', 'b'] as never, { shape: [2] })).message).toMatch(/expected a number at \[0\], got "a"/);
    expect(thrown(() => tensor([1, null] as never)).message).toMatch(/expected a number at \[1\], got null/);
    expect(thrown(() => tensor([[1, 2], [3, 'x']] as never)).message).toMatch(/expected a number at \[1\]\[1\], got "x"/);
    expect(thrown(() => tensor([[1, 2], 3] as never)).message).toMatch(/ragged nested array at \[1\]: expected an array|ragged nested array at \[1\]/);
    expect(thrown(() => tensor('abc' as never)).message).toMatch(/expected a number, nested arrays of numbers or a typed array, got "abc"/);
    expect(thrown(() => tensor(undefined as never)).message).toMatch(/got undefined/);
  });
  it('allocate, uniform and normal refuse past the ceiling too: no buffer is ever made for it', () => {
    expect(thrown(() => allocate('float32', 2 ** 28 + 1)).code).toBe('TooLarge');
    expect(thrown(() => allocate('float64', NaN)).code).toBe('BadArgument');
    expect(allocate('float32', 3).length).toBe(3);
    expect(thrown(() => uniform(key(0), [784, 1e8])).message).toMatch(/uniform: shape \[784, 100000000\] has 78400000000 elements/);
    expect(thrown(() => normal(key(0), [-2])).message).toMatch(/normal: shape\[0\] must be a non-negative integer, got -2/);
  });
  it('fromData checks its shape too', () => {
    expect(thrown(() => fromData(new Float32Array(2), [-1, -2])).message).toMatch(/fromData: shape\[0\] must be a non-negative integer, got -1/);
    expect(thrown(() => fromData([1, 2] as never, [2])).message).toMatch(/fromData: expected a Float32Array or Float64Array/);
  });
  it('cyclic or too deeply nested arrays are refused at once', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(thrown(() => tensor(cyclic as never)).message).toMatch(/nested arrays deeper than 64 levels \(or cyclic\)/);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(thrown(() => tensor(deep as never)).message).toMatch(/deeper than 64/);
  });
  it('op outputs past MAX_ELEMENTS are TooLarge, eagerly and while tracing', () => {
    const x = tensor([1, 2, 3]);
    const e = thrown(() => broadcastTo(x, { shape: [1e5, 1e5, 3] }));
    expect(e.code).toBe('TooLarge');
    expect(e.op).toBe('core.broadcastTo');
    expect(thrown(() => oneHot(x, { depth: 1e9 })).code).toBe('TooLarge');
    expect(thrown(() => trace((v: Tensor) => oneHot(v, { depth: 1e9 }), abstract([3]))).code).toBe('TooLarge');
  });
});

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
