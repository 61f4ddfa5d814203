// Tests of the binary family: broadcasting forward values against a reference loop, tie conventions, derivatives against finite differences.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { tensor, grad, sum, mul, type Tensor, type DType } from '@chainrule/core';
import * as B from './binary.js';
import { checkGrads, arbBroadcastShapes, arbTensor, arbTensors, arbSeed, expectClose, referenceBroadcastIndex, throwsWith } from '../test/fd.js';

type Binary = (a: Tensor, b: Tensor) => Tensor;

const broadcastShape = (shapes: readonly (readonly number[])[]): number[] => {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, d) => Math.max(...shapes.map((s) => s[d - (rank - s.length)] ?? 1)));
};

/** The output of an elementwise rule on broadcast inputs, by a reference loop. */
const referenceElementwise = (xs: readonly Tensor[], rule: (...vs: number[]) => number): { shape: number[]; values: number[] } => {
  const shape = broadcastShape(xs.map((x) => x.shape));
  const idx = xs.map((x) => referenceBroadcastIndex(x.shape, shape));
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Array.from({ length: n }, (_, i) => rule(...xs.map((x, k) => x.data[idx[k][i]]))) };
};

/** Values on a coarse grid so that ties and zeros occur. */
const arbGridTensor = (shape: readonly number[], dtype: DType) =>
  fc.array(fc.integer({ min: -2, max: 2 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
    .map((vs) => tensor(vs.map((v) => v / 2), { shape: [...shape], dtype }));

const elementwise: readonly [string, Binary, (a: number, b: number) => number][] = [
  ['maximum', B.maximum, (a, b) => (a > b ? a : b)],
  ['minimum', B.minimum, (a, b) => (a < b ? a : b)],
  ['equal', B.equal, (a, b) => (a === b ? 1 : 0)],
  ['notEqual', B.notEqual, (a, b) => (a !== b ? 1 : 0)],
  ['less', B.less, (a, b) => (a < b ? 1 : 0)],
  ['lessEqual', B.lessEqual, (a, b) => (a <= b ? 1 : 0)],
  ['greater', B.greater, (a, b) => (a > b ? 1 : 0)],
  ['greaterEqual', B.greaterEqual, (a, b) => (a >= b ? 1 : 0)],
];

describe('binary forward with broadcasting', () => {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    it.each(elementwise.map(([n, f, r]) => [n, f, r] as const))(`%s matches a reference loop in ${dtype}`, (_, f, rule) => {
      fc.assert(
        fc.property(arbBroadcastShapes(2).chain(([s, t]) => fc.tuple(arbGridTensor(s, dtype), arbGridTensor(t, dtype))), ([a, b]) => {
          const y = f(a, b);
          const ref = referenceElementwise([a, b], rule);
          expect(y.shape).toEqual(ref.shape);
          expect(y.dtype).toBe(dtype);
          expect(Array.from(y.data)).toEqual(ref.values);
        }),
        { numRuns: 25 },
      );
    });

    it(`pow matches x ** y in ${dtype}`, () => {
      fc.assert(
        fc.property(
          arbBroadcastShapes(2).chain(([s, t]) => fc.tuple(arbTensor(s, { min: 0, max: 3 }, dtype), arbTensor(t, { min: -2, max: 2 }, dtype))),
          ([a, b]) => {
            const ref = referenceElementwise([a, b], (x, e) => x ** e);
            expectClose('pow', B.pow(a, b).data, ref.values, 0, dtype === 'float64' ? 1e-14 : 1e-6);
          },
        ),
        { numRuns: 25 },
      );
    });

    it(`where selects by a broadcast condition in ${dtype}`, () => {
      fc.assert(
        fc.property(
          arbBroadcastShapes(3).chain(([c, s, t]) => fc.tuple(arbGridTensor(c, dtype), arbGridTensor(s, dtype), arbGridTensor(t, dtype))),
          ([c, a, b]) => {
            const ref = referenceElementwise([c, a, b], (k, x, y) => (k !== 0 ? x : y));
            const y = B.where(c, a, b);
            expect(y.shape).toEqual(ref.shape);
            expect(Array.from(y.data)).toEqual(ref.values);
          },
        ),
        { numRuns: 25 },
      );
    });
  }

  it('handles NaN as IEEE comparisons do, and where treats NaN as true', () => {
    const x = tensor([Number.NaN, 1], { dtype: 'float64' });
    expect(Array.from(B.equal(x, x).data)).toEqual([0, 1]);
    expect(Array.from(B.notEqual(x, x).data)).toEqual([1, 0]);
    expect(Number.isNaN(B.maximum(x, 5).data[0])).toBe(true);
    expect(Array.from(B.where(x, tensor([1, 2], { dtype: 'float64' }), 0).data)).toEqual([1, 2]);
  });

  it('where takes a condition of the other dtype; its result has the branches\' dtype', () => {
    const y = B.where(tensor([1, 0]), tensor([1, 2], { dtype: 'float64' }), tensor([3, 4], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
    expect(Array.from(y.data)).toEqual([1, 4]);
  });
});

/** a on k + 0.25, b on k + 0.75 (± 0.05): never within 0.4 of each other, so max/min never tie. */
const apart = (x: Tensor, offset: number): Tensor =>
  tensor(Array.from(x.data, (v) => Math.round(v) + offset + 0.1 * (v - Math.round(v))), { shape: [...x.shape], dtype: 'float64' });

describe('binary derivatives against finite differences (float64)', () => {
  it('pow: VJP in base and exponent, JVP, second order; broadcasting pairs', () => {
    fc.assert(
      fc.property(arbBroadcastShapes(2).chain((s) => arbTensors(s, B.pow.domains)), arbSeed, ([a, b], seed) => {
        checkGrads(B.pow, [a, b], seed);
        checkGrads(B.pow, [a, b], seed, { order: 2 });
      }),
      { numRuns: 15 },
    );
  });

  for (const [name, f] of [['maximum', B.maximum], ['minimum', B.minimum]] as const) {
    it(`${name}: VJP and JVP away from ties; broadcasting pairs`, () => {
      fc.assert(
        fc.property(arbBroadcastShapes(2).chain((s) => arbTensors(s)), arbSeed, ([a, b], seed) => {
          checkGrads(f, [apart(a, 0.25), apart(b, 0.75)], seed);
        }),
        { numRuns: 20 },
      );
    });
  }

  it('where: VJP and JVP in both branches, second order; cond, a, b broadcast together', () => {
    fc.assert(
      fc.property(
        arbBroadcastShapes(3).chain(([c, s, t]) => fc.tuple(arbGridTensor(c, 'float64'), arbTensors([s, t]))),
        arbSeed,
        ([c, [a, b]], seed) => {
          checkGrads((x, y) => B.where(c, x, y), [a, b], seed, { order: 2 });
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('binary conventions', () => {
  const f64 = (vs: number[]) => tensor(vs, { dtype: 'float64' });
  const grads = (f: Binary, a: Tensor, b: Tensor) => (grad((x: Tensor, y: Tensor) => sum(f(x, y)), { argnums: [0, 1] })(a, b) as Tensor[]).map((g) => Array.from(g.data));

  it('gives the whole gradient to the first input on ties', () => {
    expect(grads(B.maximum, f64([1, 2]), f64([1, 3]))).toEqual([[1, 0], [0, 1]]);
    expect(grads(B.minimum, f64([1, 2]), f64([1, 0]))).toEqual([[1, 0], [0, 1]]);
  });

  it('unbroadcasts: a scalar exponent collects the gradient of every element', () => {
    const [ga, gb] = grads(B.pow, f64([1, 2, 3]), f64([2]));
    expectClose('∂a', ga, [2, 4, 6], 0, 1e-15);
    expectClose('∂b', gb, [4 * Math.log(2) + 9 * Math.log(3)], 0, 1e-15);
  });

  it('pow: base gradient right for a negative base and an integer exponent; exponent gradient 0 at base 0', () => {
    const [ga] = grads(B.pow, f64([-2]), f64([3]));
    expect(ga).toEqual([12]);
    const [g0a, g0b] = grads(B.pow, f64([0]), f64([2]));
    expect([g0a, g0b]).toEqual([[0], [0]]);
  });

  it('comparisons pass no gradient: a mask from x is a constant to grad', () => {
    const x = f64([-1, 2, 3]);
    const g = grad((z: Tensor) => sum(mul(z, B.greater(z, 0))))(x) as Tensor;
    expect(Array.from(g.data)).toEqual([0, 1, 1]);
    expect(B.less.differentiable).toBe(false);
  });
});

describe('binary shape and dtype errors', () => {

  it('names the op and the shapes', () => {
    throwsWith(() => B.maximum(tensor([1, 2]), tensor([1, 2, 3])), 'ShapeMismatch', 'ops.maximum', '[2], [3]');
    throwsWith(() => B.where(tensor([1, 0, 1]), tensor([1, 2]), 0), 'ops.where', '[3], [2], []');
    throwsWith(() => B.where(tensor([1]), tensor([1]), tensor([1], { dtype: 'float64' })), 'DtypeMismatch', 'ops.where');
    throwsWith(() => B.pow(tensor([1]), tensor([1], { dtype: 'float64' })), 'DtypeMismatch', 'ops.pow');
  });
});
