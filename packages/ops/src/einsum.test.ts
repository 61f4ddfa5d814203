// einsum against hand-written loops over the same subscripts, and its gradients against finite differences.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, type Tensor } from '@chainrule/core';
import { einsum } from './einsum.js';
import { checkGrads, expectClose, throwsWith } from '../test/fd.js';

/** The reference: loop over every assignment of the letters, multiply, add into the output. */
const reference = (subscripts: string, ...xs: Tensor[]): { shape: number[]; data: Float64Array } => {
  const [lhs, out] = subscripts.split('->');
  const ins = lhs.split(',');
  const size = new Map<string, number>();
  ins.forEach((l, k) => [...l].forEach((c, d) => size.set(c, xs[k].shape[d])));
  const letters = [...size.keys()];
  const shape = [...out].map((c) => size.get(c)!);
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  const idx = new Map<string, number>();
  const offset = (l: string, dims: readonly number[]) => [...l].reduce((o, c, d) => o * dims[d] + idx.get(c)!, 0);
  const walk = (k: number): void => {
    if (k === letters.length) {
      let p = 1;
      ins.forEach((l, j) => (p *= xs[j].data[offset(l, xs[j].shape)]));
      data[offset(out, shape)] += p;
      return;
    }
    for (let i = 0; i < size.get(letters[k])!; i++) {
      idx.set(letters[k], i);
      walk(k + 1);
    }
  };
  walk(0);
  return { shape, data };
};

const filled = (shape: number[], seed: number): Tensor =>
  tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 7.1 + i * 1.3)), { shape, dtype: 'float64' });

const cases: [string, number[][]][] = [
  ['ij,jk->ik', [[2, 3], [3, 4]]],
  ['bij,bjk->bik', [[2, 2, 3], [2, 3, 2]]],
  ['i,i->', [[4], [4]]],
  ['i,j->ij', [[2], [3]]],
  ['ij->ji', [[2, 3]]],
  ['ij->', [[2, 3]]],
  ['ijk->kj', [[2, 3, 2]]],
  ['ij,ij->i', [[3, 2], [3, 2]]],
  ['ij,jk,kl->il', [[2, 3], [3, 2], [2, 4]]],
  ['bhqd,bhkd->bhqk', [[1, 2, 3, 2], [1, 2, 4, 2]]],
  ['ij,kj->ik', [[2, 3], [4, 3]]],
  ['abc,cd,a->bd', [[2, 3, 2], [2, 3], [2]]],
];

describe('einsum', () => {
  for (const [subscripts, shapes] of cases) {
    it(`computes '${subscripts}' as the loop over its letters`, () => {
      const xs = shapes.map((s, k) => filled(s, k + 1));
      const want = reference(subscripts, ...xs);
      const got = einsum(subscripts, ...xs);
      expect(got.shape).toEqual(want.shape);
      expectClose(subscripts, got.data, want.data, 1e-12, 1e-12);
    });
  }

  it('takes the implicit output: letters that appear once, alphabetically', () => {
    const a = filled([2, 3], 1), b = filled([3, 4], 2);
    expectClose('ij,jk', einsum('ij,jk', a, b).data, reference('ij,jk->ik', a, b).data, 1e-12, 1e-12);
    expect(einsum('ba', a).shape).toEqual([3, 2]);
  });

  it('agrees with the loop on random shapes of a batched product', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (b, m, k, n) => {
        const x = filled([b, m, k], m), y = filled([k, b, n], n);
        expectClose('random', einsum('bmk,kbn->bnm', x, y).data, reference('bmk,kbn->bnm', x, y).data, 1e-12, 1e-12);
      }),
      { numRuns: 20 },
    );
  });

  it('differentiates through its lowering, to second order', () => {
    checkGrads((a, b) => einsum('ij,jk->ik', a, b), [filled([2, 3], 1), filled([3, 2], 2)], 1, { order: 2 });
    checkGrads((a, b, c) => einsum('ij,jk,k->i', a, b, c), [filled([2, 3], 3), filled([3, 2], 4), filled([2], 5)], 2, { order: 2 });
    checkGrads((a) => einsum('ijk->ki', a), [filled([2, 3, 2], 6)], 3, { order: 2 });
  });

  it('says what is wrong with bad subscripts', () => {
    const a = filled([2, 3], 1), b = filled([3, 4], 2);
    throwsWith(() => einsum('ij,jk->ik', a), 'names 2 operands but 1 were given');
    throwsWith(() => einsum('ijk,jk->ik', a, b), 'operand 0 has rank 2');
    throwsWith(() => einsum('ii->i', filled([2, 2], 1)), 'repeats a letter; diagonals are not supported');
    throwsWith(() => einsum('ij,kl->iz', a, b), "the output's 'z' is in no operand");
    throwsWith(() => einsum('ij,ik->jk', a, b), "'i' is 2 in one operand and 3 in operand 1");
    throwsWith(() => einsum('i1,jk->ik', a, b), 'may use only the letters');
  });
});
