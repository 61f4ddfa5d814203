// Property: on random op graphs, jacfwd, jacrev and central finite differences give the same Jacobians; hessian is symmetric.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jacfwd, jacrev, hessian, sum, tensor, add, type Tensor } from '@chainrule/core';
import { standardRegistry } from '@chainrule/ops';
import { arb } from '../src/index.js';

/** ∂ output o / ∂ input i by central differences, shaped [...output shape, ...input shape]. */
const fdBlock = (f: (...xs: Tensor[]) => Tensor[], xs: readonly Tensor[], o: number, i: number, eps = 1e-6): number[] => {
  const at = (k: number, h: number): Float64Array | Float32Array => {
    const v = Array.from(xs[i].data);
    v[k] += h;
    return f(...xs.map((x, j) => (j === i ? tensor(v, { shape: [...x.shape], dtype: 'float64' }) : x)))[o].data;
  };
  const n = xs[i].size, m = at(0, 0).length, out = new Array<number>(m * n);
  for (let k = 0; k < n; k++) {
    const p = at(k, eps), q = at(k, -eps);
    for (let r = 0; r < m; r++) out[r * n + k] = (p[r] - q[r]) / (2 * eps);
  }
  return out;
};

const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void => {
  expect(a.length, what).toBe(b.length);
  for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - b[k]), `${what} [${k}]: ${a[k]} vs ${b[k]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[k])));
};

describe('Jacobians of random graphs from the standard registry', () => {
  const registry = standardRegistry();

  it('jacfwd == jacrev == finite differences', () => {
    fc.assert(
      fc.property(arb.graph(registry, { maxNodes: 8, maxInputs: 2 }), (g) => {
        const argnums = g.inputs.map((_, i) => i);
        const jf = jacfwd(g.f, { argnums })(...g.inputs) as Tensor[][];
        const jr = jacrev(g.f, { argnums })(...g.inputs) as Tensor[][];
        const outs = g.f(...g.inputs);
        outs.forEach((y, o) =>
          g.inputs.forEach((x, i) => {
            const what = `output ${o} / input ${i}\n${g.description}`;
            expect(jf[o][i].shape, what).toEqual([...y.shape, ...x.shape]);
            near(jf[o][i].data, jr[o][i].data, 1e-10, what);
            near(jf[o][i].data, fdBlock(g.f, g.inputs, o, i), 1e-4, what);
          }),
        );
      }),
      { numRuns: 30, seed: 15 },
    );
  });

  it('hessian of a random scalar graph is symmetric and equals jacrev(jacrev(f))', () => {
    fc.assert(
      fc.property(arb.graph(registry, { maxNodes: 6, maxInputs: 1 }), (g) => {
        const scalar = (x: Tensor) => g.f(x).map((y) => sum(y)).reduce((a, b) => add(a, b));
        const x = g.inputs[0], n = x.size;
        const H = hessian(scalar)(x) as Tensor, R = jacrev(jacrev(scalar))(x) as Tensor;
        expect(H.shape).toEqual([...x.shape, ...x.shape]);
        near(H.data, R.data, 1e-9, g.description);
        for (let r = 0; r < n; r++) for (let c = 0; c < r; c++) expect(Math.abs(H.data[r * n + c] - H.data[c * n + r]), g.description).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(H.data[r * n + c])));
      }),
      { numRuns: 20, seed: 16 },
    );
  });
});
