// Tests of dot and outer: every rank combination against reference loops, bilinear derivatives (first and second order), shape errors.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { tensor, type Tensor, type DType } from '@chainrule/core';
import * as L from './linalg.js';
import { checkGrads, arbTensor, arbSeed, expectClose, throwsWith } from '../test/fd.js';

/** Plain triple loop over row-major m×k and k×n arrays. */
const referenceMatmul = (a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out.push(s);
    }
  }
  return out;
};

type Ranks = [1 | 2, 1 | 2];

/** Operand shapes for ranks (ra, rb) with matching inner dimension. */
const arbDotShapes = (ranks: Ranks) =>
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).map(([m, k, n]) => ({
    m, k, n,
    a: ranks[0] === 2 ? [m, k] : [k],
    b: ranks[1] === 2 ? [k, n] : [k],
  }));

const allRanks: Ranks[] = [[1, 1], [2, 1], [1, 2], [2, 2]];

describe('dot and outer forward', () => {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    it.each(allRanks.map((r) => [r.join('·'), r] as const))(`dot of ranks %s matches a triple loop in ${dtype}`, (_, ranks) => {
      fc.assert(
        fc.property(arbDotShapes(ranks).chain((d) => fc.tuple(fc.constant(d), arbTensor(d.a, {}, dtype), arbTensor(d.b, {}, dtype))), ([d, a, b]) => {
          const y = L.dot(a, b);
          const m = ranks[0] === 2 ? d.m : 1, n = ranks[1] === 2 ? d.n : 1;
          const shape = ranks[0] === 1 && ranks[1] === 1 ? [] : ranks[0] === 1 ? [n] : ranks[1] === 1 ? [m] : [m, n];
          expect(y.shape).toEqual(shape);
          expect(y.dtype).toBe(dtype);
          expectClose('dot', y.data, referenceMatmul(a.data, b.data, m, d.k, n), dtype === 'float64' ? 1e-13 : 1e-5, 1e-6);
        }),
        { numRuns: 20 },
      );
    });

    it(`outer matches a[i]·b[j] in ${dtype}`, () => {
      const a = tensor([1, -2, 3], { dtype }), b = tensor([0.5, 4], { dtype });
      const y = L.outer(a, b);
      expect(y.shape).toEqual([3, 2]);
      expect(y.dtype).toBe(dtype);
      expect(Array.from(y.data)).toEqual([0.5, 4, -1, -8, 1.5, 12]);
    });
  }

  it('re-exports core\'s matmul', () => {
    expect(L.matmul.name).toBe('core.matmul');
  });
});

describe('dot and outer derivatives against finite differences (float64)', () => {
  it.each(allRanks.map((r) => [r.join('·'), r] as const))('dot of ranks %s: VJP, JVP, second order', (_, ranks) => {
    fc.assert(
      fc.property(arbDotShapes(ranks).chain((d) => fc.tuple(arbTensor(d.a), arbTensor(d.b))), arbSeed, ([a, b], seed) => {
        checkGrads(L.dot, [a, b], seed, { order: 2 });
      }),
      { numRuns: 12 },
    );
  });

  it('outer: VJP, JVP, second order', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([m, n]) => fc.tuple(arbTensor([m]), arbTensor([n]))), arbSeed, ([a, b], seed) => {
        checkGrads(L.outer, [a, b], seed, { order: 2 });
      }),
      { numRuns: 12 },
    );
  });
});

describe('dot and outer shape errors', () => {
  const z = (shape: number[]): Tensor => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), { shape });

  it('names the op and the shapes', () => {
    throwsWith(() => L.dot(z([2, 3]), z([2])), 'ShapeMismatch', 'ops.dot', 'inner dimensions 3 and 2 differ', '[2, 3], [2]');
    throwsWith(() => L.dot(z([2, 2, 2]), z([2])), 'ops.dot', 'use matmul');
    throwsWith(() => L.dot(z([]), z([2])), 'ops.dot', 'ranks 0 and 1');
    throwsWith(() => L.outer(z([2, 2]), z([2])), 'ops.outer', 'two vectors', '[2, 2], [2]');
    throwsWith(() => L.outer(z([2]), tensor([1, 2], { dtype: 'float64' })), 'DtypeMismatch', 'ops.outer');
  });
});
