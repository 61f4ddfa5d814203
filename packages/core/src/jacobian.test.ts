import { describe, it, expect } from 'vitest';
import {
  tensor, jacfwd, jacrev, hessian, grad, jvp, jit, vmap, flatten, unflatten, mul, add, exp, sigmoid, sum, matmul, reshape, type Tensor,
} from './index.js';
import { seeded, maxDiff } from '../test/batch.js';

/** Central differences of output leaf `o` with respect to every element of input leaf `i`, shaped [...out, ...in]. */
const fdBlock = (f: (...args: any[]) => unknown, args: readonly unknown[], o: number, i: number, eps = 1e-6): Tensor => {
  const [leaves, def] = flatten(args);
  const x = leaves[i] as Tensor;
  const at = (k: number, h: number): Tensor => {
    const v = Array.from(x.data);
    v[k] += h;
    const moved = leaves.map((l, j) => (j === i ? tensor(v, { shape: [...x.shape], dtype: 'float64' }) : l));
    return flatten(f(...unflatten<unknown[]>(def, moved)))[0][o] as Tensor;
  };
  const y0 = at(0, 0);
  const vals = new Array<number>(y0.size * x.size);
  for (let k = 0; k < x.size; k++) {
    const p = at(k, eps), m = at(k, -eps);
    for (let r = 0; r < y0.size; r++) vals[r * x.size + k] = (p.data[r] - m.data[r]) / (2 * eps);
  }
  return tensor(vals, { shape: [...y0.shape, ...x.shape], dtype: 'float64' });
};

describe('jacfwd and jacrev over pytrees', () => {
  const p = { a: seeded([2], 1), b: seeded([3], 2) };
  const c = seeded([3], 3);
  const f = (q: { a: Tensor; b: Tensor }, v: Tensor) => ({
    u: mul(reshape(exp(q.a), { shape: [2, 1] }), reshape(v, { shape: [1, 3] })),
    s: sum(mul(q.b, sigmoid(mul(v, q.b)))),
  });

  it('agree with each other and with finite differences, in JAX’s structure', () => {
    const jf = jacfwd(f, { argnums: [0, 1] })(p, c);
    const jr = jacrev(f, { argnums: [0, 1] })(p, c);
    // Output leaves in flatten order: s, u. Input leaves: a, b (argument 0), then c (argument 1).
    const blocks: [string, Tensor, Tensor, number, number][] = [
      ['u/a', jf.u[0].a, jr.u[0].a, 1, 0], ['u/b', jf.u[0].b, jr.u[0].b, 1, 1], ['u/c', jf.u[1], jr.u[1], 1, 2],
      ['s/a', jf.s[0].a, jr.s[0].a, 0, 0], ['s/b', jf.s[0].b, jr.s[0].b, 0, 1], ['s/c', jf.s[1], jr.s[1], 0, 2],
    ];
    for (const [name, a, b, o, i] of blocks) {
      const fd = fdBlock(f, [p, c], o, i);
      expect(a.shape, name).toEqual(fd.shape);
      expect(maxDiff(a, b), name).toBeLessThan(1e-12);
      expect(maxDiff(a, fd), name).toBeLessThan(1e-6);
    }
    expect(jf.u[0].a.shape).toEqual([2, 3, 2]);
    expect(jf.s[1].shape).toEqual([3]);
  });

  it('argnums as a number gives the argument’s pytree directly', () => {
    const j = jacrev(f)(p, c);
    expect(Object.keys(j.u).sort()).toEqual(['a', 'b']);
    expect(maxDiff(j.s.b, grad((q: { a: Tensor; b: Tensor }) => f(q, c).s)(p).b)).toBeLessThan(1e-12);
  });

  it('compose with jit and vmap', () => {
    const g = (x: Tensor) => exp(mul(x, x));
    const x = seeded([3], 4);
    expect(maxDiff(jit(jacrev(g))(x), jacfwd(g)(x))).toBeLessThan(1e-12);
    // A batch of Jacobians of an elementwise map: diagonal matrices.
    const xs = seeded([4, 3], 5);
    const js = vmap(jacfwd(g))(xs);
    expect(js.shape).toEqual([4, 3, 3]);
    expect(Math.abs(js.data[1])).toBe(0);
    expect(js.data[0]).toBeCloseTo(2 * xs.data[0] * Math.exp(xs.data[0] ** 2), 12);
  });
});

describe('hessian', () => {
  const A = seeded([3, 3], 6);
  const x = seeded([3], 7);

  it('of a quadratic form xᵀAx is A + Aᵀ', () => {
    const q = (v: Tensor) => sum(mul(reshape(v, { shape: [3, 1] }), matmul(A, reshape(v, { shape: [3, 1] }))));
    const H = hessian(q)(x);
    const want = tensor(Array.from({ length: 9 }, (_, k) => A.data[k] + A.data[(k % 3) * 3 + Math.floor(k / 3)]), { shape: [3, 3], dtype: 'float64' });
    expect(maxDiff(H, want)).toBeLessThan(1e-12);
  });

  it('is symmetric and equals jacfwd(jacrev(f)) and jacrev(jacrev(f)), over a pytree', () => {
    const f = (p: { w: Tensor; b: Tensor }) => sum(sigmoid(add(mul(p.w, exp(p.b)), mul(p.w, p.w))));
    const p = { w: seeded([2], 8), b: seeded([2], 9) };
    const H = hessian(f)(p);
    const H2 = jacfwd(jacrev(f))(p), H3 = jacrev(jacrev(f))(p);
    for (const i of ['w', 'b'] as const) {
      for (const j of ['w', 'b'] as const) {
        expect(maxDiff(H[i][j], H2[i][j])).toBeLessThan(1e-12);
        expect(maxDiff(H[i][j], H3[i][j])).toBeLessThan(1e-12);
        // Symmetry: block (i, j) is the transpose of block (j, i).
        const t = H[j][i] as Tensor;
        const tt = tensor([t.data[0], t.data[2], t.data[1], t.data[3]], { shape: [2, 2], dtype: 'float64' });
        expect(maxDiff(H[i][j], tt)).toBeLessThan(1e-12);
      }
    }
    expect(maxDiff(H.w.w, fdBlock((q: { w: Tensor; b: Tensor }) => grad(f)(q), [p], 1, 1))).toBeLessThan(1e-6);
  });

  it('a Hessian-vector product by forward over reverse equals H·v without forming H', () => {
    const f = (v: Tensor) => sum(mul(sigmoid(v), exp(v)));
    const v = seeded([3], 10);
    const hvp = (at: Tensor, dir: Tensor) => jvp(grad(f), [at], [dir])[1] as Tensor;
    const Hv = matmul(hessian(f)(x), reshape(v, { shape: [3, 1] }));
    expect(maxDiff(reshape(hvp(x, v), { shape: [3, 1] }), Hv)).toBeLessThan(1e-12);
  });
});
