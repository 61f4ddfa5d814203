// Tests of the reductions: forward values against a reference loop over any axes, stability, tie and zero conventions, derivatives.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { tensor, grad, sum, mul, type Tensor, type DType } from '@chainrule/core';
import * as R from './reduce.js';
import { checkGrads, arbShape, arbTensor, arbSeed, expectClose, unravel, ravel, asFloat32, throwsWith } from '../test/fd.js';
import { std, norm } from './reduce.js';

interface Reduction {
  readonly axis?: number | number[];
  readonly keepDims?: boolean;
}

/** Groups x's values by output element (row-major), by a plain multi-index loop, and folds each group. */
const referenceReduce = (values: readonly number[], shape: readonly number[], attrs: Reduction, fold: (group: number[]) => number) => {
  const rank = shape.length;
  const list = attrs.axis === undefined ? shape.map((_, i) => i) : typeof attrs.axis === 'number' ? [attrs.axis] : attrs.axis;
  const axes = list.map((a) => (a < 0 ? a + rank : a));
  const keepShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = attrs.keepDims ? keepShape : shape.filter((_, i) => !axes.includes(i));
  const groups: number[][] = Array.from({ length: keepShape.reduce((a, b) => a * b, 1) }, () => []);
  values.forEach((v, i) => {
    const idx = unravel(i, shape).map((c, d) => (axes.includes(d) ? 0 : c));
    groups[ravel(idx, keepShape)].push(v);
  });
  return { shape: outShape, values: groups.map(fold) };
};

/** A shape with some reduction attrs over it: all axes, one (maybe negative) axis, or a subset. */
const arbReduction = (maxDim = 3) =>
  arbShape({ maxRank: 3, maxDim }).chain((shape) => {
    const r = shape.length;
    const axis: fc.Arbitrary<number | number[] | undefined> = r === 0
      ? fc.constantFrom(undefined, [] as number[])
      : fc.oneof(
          fc.constant(undefined),
          fc.integer({ min: -r, max: r - 1 }),
          fc.subarray(shape.map((_, i) => i)).chain((axes) => fc.tuple(...axes.map((a) => fc.constantFrom(a, a - r)))).map((axes) => [...axes]),
        );
    return fc.record({ shape: fc.constant(shape), attrs: fc.record({ axis, keepDims: fc.boolean() }) });
  });

const total = (g: number[]) => g.reduce((a, b) => a + b, 0);
const folds: readonly [string, (x: Tensor, a: Reduction) => Tensor, (g: number[]) => number][] = [
  ['sum', (x, a) => R.sum(x, a), total],
  ['mean', (x, a) => R.mean(x, a), (g) => total(g) / g.length],
  ['max', (x, a) => R.max(x, a), (g) => g.reduce((a, b) => (b > a ? b : a), -Infinity)],
  ['min', (x, a) => R.min(x, a), (g) => g.reduce((a, b) => (b < a ? b : a), Infinity)],
  ['prod', (x, a) => R.prod(x, a), (g) => g.reduce((a, b) => a * b, 1)],
  ['logsumexp', (x, a) => R.logsumexp(x, a), (g) => Math.log(total(g.map(Math.exp)))],
  ['variance', (x, a) => R.variance(x, a), (g) => total(g.map((v) => (v - total(g) / g.length) ** 2)) / g.length],
  ['variance ddof 1', (x, a) => R.variance(x, { ...a, ddof: 1 }), (g) => total(g.map((v) => (v - total(g) / g.length) ** 2)) / (g.length - 1)],
];

describe('reduce forward over any axes', () => {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    it.each(folds.map(([n, f, r]) => [n, f, r] as const))(`%s matches a reference loop in ${dtype}`, (_, f, fold) => {
      fc.assert(
        fc.property(arbReduction().chain(({ shape, attrs }) => fc.tuple(fc.constant(attrs), arbTensor(shape, { min: -2, max: 2 }, dtype))), ([attrs, x]) => {
          const values = dtype === 'float32' ? asFloat32(Array.from(x.data)) : Array.from(x.data);
          const ref = referenceReduce(values, x.shape, attrs, fold);
          const y = f(x, attrs);
          expect(y.shape).toEqual(ref.shape);
          expect(y.dtype).toBe(dtype);
          expectClose('reduce', y.data, ref.values, dtype === 'float64' ? 1e-12 : 1e-5, dtype === 'float64' ? 1e-12 : 1e-5);
        }),
        { numRuns: 25 },
      );
    });
  }

  it('gives the identities over empty axes', () => {
    const e = tensor([], { shape: [2, 0], dtype: 'float64' });
    expect(Array.from(R.prod(e, { axis: 1 }).data)).toEqual([1, 1]);
    expect(Array.from(R.max(e, { axis: 1 }).data)).toEqual([-Infinity, -Infinity]);
    expect(Array.from(R.logsumexp(e, { axis: 1 }).data)).toEqual([-Infinity, -Infinity]);
    expect(R.mean(e, { axis: 1 }).data.every(Number.isNaN)).toBe(true);
  });

  it('propagates NaN through max and min', () => {
    const x = tensor([1, Number.NaN, 3]);
    expect(Number.isNaN(R.max(x).item())).toBe(true);
    expect(Number.isNaN(R.min(x).item())).toBe(true);
  });
});

describe('logsumexp stability', () => {
  it('is exact at ±1000 in both dtypes (mpmath references)', () => {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      const x = tensor([[1000, 999], [-1000, -999]], { dtype });
      expectClose(dtype, R.logsumexp(x, { axis: 1 }).data, [1000.3132616875182, -998.6867383124818], 0, dtype === 'float64' ? 1e-15 : 1e-7);
      expectClose(dtype, R.logsumexp(tensor([1000, 1000, 1000], { dtype })).data, [1001.0986122886682], 0, dtype === 'float64' ? 1e-15 : 1e-7);
    }
  });

  it('handles infinities: all −∞ gives −∞, any +∞ gives +∞, and the gradient stays finite at 1000', () => {
    expect(R.logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(R.logsumexp(tensor([1, Infinity])).item()).toBe(Infinity);
    const g = grad((x: Tensor) => R.logsumexp(x))(tensor([1000, 1000], { dtype: 'float64' })) as Tensor;
    expect(Array.from(g.data)).toEqual([0.5, 0.5]);
  });
});

describe('reduce conventions', () => {
  const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });
  const gradOf = (f: (x: Tensor) => Tensor, x: Tensor) => Array.from((grad((z: Tensor) => sum(f(z)))(x) as Tensor).data);

  it('max and min split the gradient equally among tied elements', () => {
    expect(gradOf((x) => R.max(x), f64([1, 3, 3]))).toEqual([0, 0.5, 0.5]);
    expect(gradOf((x) => R.min(x, { axis: 1 }), f64([[2, 2, 2], [5, 4, 6]]))).toEqual([1 / 3, 1 / 3, 1 / 3, 0, 1, 0]);
  });

  it('prod has the exact gradient with zeros: one zero gets the product of the others', () => {
    expect(gradOf((x) => R.prod(x), f64([2, 0, 3]))).toEqual([0, 6, 0]);
    expect(gradOf((x) => R.prod(x), f64([2, 0, 0]))).toEqual([0, 0, 0]);
    expect(gradOf((x) => R.prod(x, { axis: 1 }), f64([[2, 0, 3], [1, 2, 4]]))).toEqual([0, 6, 0, 8, 4, 2]);
  });

  it('prod has the exact, symmetric Hessian at exact zeros', () => {
    // Row i of the Hessian of f is the gradient of x ↦ ∂f/∂xᵢ.
    const hessian = (f: (x: Tensor) => Tensor, x: Tensor): number[][] =>
      Array.from({ length: x.size }, (_, i) => gradOf((z) => mul(grad((w: Tensor) => sum(f(w)))(z) as Tensor, oneHotRow(x.size, i)), x));
    const oneHotRow = (n: number, i: number) => tensor(Array.from({ length: n }, (_, k) => (k === i ? 1 : 0)), { dtype: 'float64' });
    // P = x₀x₁x₂: ∂²P/∂xᵢ∂xⱼ = x_k (k the third index), 0 on the diagonal.
    const byHand = ([a, b, c]: number[]) => [[0, c, b], [c, 0, a], [b, a, 0]];
    // Without zeros the diagonal is (p/xᵢ)/xᵢ − p/xᵢ², zero up to rounding; with zeros every entry is exact.
    const close = (a: number[][], b: number[][]) => a.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - b[i][j])).toBeLessThanOrEqual(1e-14)));
    close(hessian((z) => R.prod(z), f64([2, 5, 3])), byHand([2, 5, 3]));
    for (const x of [[0, 2, 3], [2, 0, 3], [0, 0, 3], [0, 0, 0], [-1.5, 0, 4]]) {
      expect(hessian((z) => R.prod(z), f64(x))).toEqual(byHand(x));
    }
    // Four elements with one zero: ∂²P/∂xᵢ∂xⱼ = Π of the other two.
    const x = [0, 2, 3, 5];
    const want = x.map((_, i) => x.map((_, j) => (i === j ? 0 : x.filter((_, k) => k !== i && k !== j).reduce((a, b) => a * b, 1))));
    expect(hessian((z) => R.prod(z), f64(x))).toEqual(want);
  });

  it('variance: ddof 1 is the unbiased sample variance', () => {
    expectClose('var', R.variance(f64([1, 2, 3, 4]), { ddof: 1 }).data, [5 / 3], 0, 1e-15);
    expectClose('var', R.variance(f64([1, 2, 3, 4])).data, [1.25], 0, 1e-15);
    // two-pass: no cancellation around a large mean
    expectClose('var', R.variance(f64([1e9 + 1, 1e9 + 2, 1e9 + 3])).data, [2 / 3], 0, 1e-9);
  });
});

describe('argmax and argmin', () => {
  const firstBest = (g: number[], better: (a: number, b: number) => boolean) => {
    let at = 0;
    for (let k = 1; k < g.length; k++) if (better(g[k], g[at])) at = k;
    return at;
  };

  for (const dtype of ['float64', 'float32'] as DType[]) {
    it(`index the first extremum along one axis, in ${dtype}`, () => {
      fc.assert(
        fc.property(
          arbShape({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((s) =>
            fc.tuple(fc.integer({ min: -s.length, max: s.length - 1 }), fc.boolean(), fc.array(fc.integer({ min: -2, max: 2 }), { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) }).map((v) => tensor(v, { shape: s, dtype }))),
          ),
          ([axis, keepDims, x]) => {
            const vals = Array.from(x.data);
            const amax = referenceReduce(vals, x.shape, { axis, keepDims }, (g) => firstBest(g, (a, b) => a > b));
            const amin = referenceReduce(vals, x.shape, { axis, keepDims }, (g) => firstBest(g, (a, b) => a < b));
            const ymax = R.argmax(x, { axis, keepDims }), ymin = R.argmin(x, { axis, keepDims });
            expect(ymax.shape).toEqual(amax.shape);
            expect(ymax.dtype).toBe(dtype);
            expect(Array.from(ymax.data)).toEqual(amax.values);
            expect(Array.from(ymin.data)).toEqual(amin.values);
          },
        ),
        { numRuns: 30 },
      );
    });
  }

  it('defaults to the flattened tensor; a NaN wins; no gradient', () => {
    expect(R.argmax(tensor([[1, 7], [7, 2]])).item()).toBe(1);
    expect(R.argmax(tensor([[1, 7], [7, 2]]), { keepDims: true }).shape).toEqual([1, 1]);
    expect(R.argmin(tensor([3, Number.NaN, -1])).item()).toBe(1);
    expect(R.argmax.differentiable).toBe(false);
  });
});

/** Values on distinct points of a 0.25 grid (± 0.01): groups never tie, so max/min are differentiable. */
const arbDistinct = (shape: readonly number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc
    .tuple(fc.uniqueArray(fc.integer({ min: -40, max: 40 }), { minLength: n, maxLength: n }), fc.array(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { minLength: n, maxLength: n }))
    .map(([ks, noise]) => tensor(ks.map((k, i) => k / 4 + noise[i]), { shape: [...shape], dtype: 'float64' }));
};

/** Magnitudes in [0.5, 2] with random signs: prod stays well conditioned and away from zero. */
const arbSigned = (shape: readonly number[]) =>
  fc.tuple(arbTensor(shape, R.prod.domains?.[0]), fc.array(fc.boolean(), { minLength: 27, maxLength: 27 }))
    .map(([x, signs]) => tensor(Array.from(x.data, (v, i) => (signs[i] ? -v : v)), { shape: [...shape], dtype: 'float64' }));

describe('reduce derivatives against finite differences (float64)', () => {
  const smooth: readonly [string, (x: Tensor, a: Reduction) => Tensor, (s: readonly number[]) => fc.Arbitrary<Tensor>][] = [
    ['mean', (x, a) => R.mean(x, a), (s) => arbTensor(s)],
    ['prod', (x, a) => R.prod(x, a), arbSigned],
    ['logsumexp', (x, a) => R.logsumexp(x, a), (s) => arbTensor(s, R.logsumexp.domains?.[0])],
    ['variance', (x, a) => R.variance(x, a), (s) => arbTensor(s)],
  ];

  it.each(smooth.map(([n, f, a]) => [n, f, a] as const))('%s: VJP, JVP and second order over random axes', (_, f, arb) => {
    fc.assert(
      fc.property(arbReduction().chain(({ shape, attrs }) => fc.tuple(fc.constant(attrs), arb(shape))), arbSeed, ([attrs, x], seed) => {
        checkGrads((z) => f(z, attrs), [x], seed);
        if (x.size <= 8) checkGrads((z) => f(z, attrs), [x], seed, { order: 2 });
      }),
      { numRuns: 15 },
    );
  });

  it('variance with ddof 1: VJP and JVP', () => {
    fc.assert(
      fc.property(arbShape({ minRank: 1, maxRank: 2 }).filter((s) => s[0] > 1).chain((s) => arbTensor(s)), arbSeed, (x, seed) => {
        checkGrads((z) => R.variance(z, { axis: 0, ddof: 1 }), [x], seed);
      }),
      { numRuns: 10 },
    );
  });

  for (const [name, f] of [['max', R.max], ['min', R.min]] as const) {
    it(`${name}: VJP and JVP without ties, over random axes`, () => {
      fc.assert(
        fc.property(arbReduction(3).chain(({ shape, attrs }) => fc.tuple(fc.constant(attrs), arbDistinct(shape))), arbSeed, ([attrs, x], seed) => {
          checkGrads((z) => f(z, attrs), [x], seed);
        }),
        { numRuns: 20 },
      );
    });
  }
});

describe('reduce attribute validation', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);

  it('names the op, the shapes and the attrs', () => {
    throwsWith(() => R.mean(x, { axis: 2 }), 'BadAttrs', 'ops.mean', 'axis 2 is out of range for rank 2', '[2, 3]', '"axis":2');
    throwsWith(() => R.max(x, { axis: -3 }), 'ops.max', 'axis -3', '[2, 3]');
    throwsWith(() => R.logsumexp(x, { axis: [0, -2] }), 'ops.logsumexp', 'repeated');
    throwsWith(() => R.argmax(x, { axis: 5 }), 'ops.argmax', 'axis 5', '[2, 3]');
    throwsWith(() => R.argmax(x, { axis: [0, 1] as unknown as number }), 'ops.argmax', 'axis');
    throwsWith(() => R.argmin(tensor([], { shape: [0] })), 'ops.argmin', 'empty');
    throwsWith(() => R.variance(x, { ddof: -1 }), 'ops.variance', 'ddof');
    throwsWith(() => R.prod(x, { axis: 0.5 }), 'ops.prod', 'axis 0.5');
  });
});

describe('std and norm (composites)', () => {
  const f64 = (v: number[], shape?: number[]) => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
  it('std is √variance, with ddof', () => {
    // [1, 2, 3, 4]: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5
    expect(std(f64([1, 2, 3, 4])).data[0]).toBeCloseTo(Math.sqrt(5 / 4), 14);
    expect(std(f64([1, 2, 3, 4]), { ddof: 1 }).data[0]).toBeCloseTo(Math.sqrt(5 / 3), 14);
    expect(Array.from(std(f64([1, 3, 2, 2], [2, 2]), { axis: 1 }).data)).toEqual([1, 0]);
    checkGrads((x) => std(x, { axis: 0 }), [f64([0.5, -1, 2, 0.25, 3, -0.75], [3, 2])], 1, { order: 2 });
  });
  it('norm of orders 1, 2 and ∞', () => {
    expect(norm(f64([3, -4])).data[0]).toBe(5);
    expect(norm(f64([3, -4]), { ord: 1 }).data[0]).toBe(7);
    expect(norm(f64([3, -4]), { ord: Infinity }).data[0]).toBe(4);
    expect(Array.from(norm(f64([3, 4, 6, 8], [2, 2]), { axis: 1 }).data)).toEqual([5, 10]);
    throwsWith(() => norm(f64([1]), { ord: 3 as 2 }), 'ord must be 1, 2 or Infinity');
    checkGrads((x) => norm(x, { axis: -1 }), [f64([0.5, -1, 2, 0.25, 3, -0.75], [2, 3])], 2, { order: 2 });
    checkGrads((x) => norm(x, { ord: 1 }), [f64([0.5, -1, 2, 0.25])], 3, { order: 1 });
  });
});
