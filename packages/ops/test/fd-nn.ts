// Finite-difference and comparison helpers for the neural-net and loss op tests (float64).

import fc from 'fast-check';
import { Tensor, tensor, vjp, jvp, grad, sum, mul, add, type DType } from '@chainrule/core';

/** A function of tensors to one tensor: what the checks below differentiate. */
export type TensorFn = (...xs: Tensor[]) => Tensor;

/** ⟨a, b⟩ = Σ aᵢ·bᵢ over two equally long arrays. */
export const inner = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) throw new Error(`inner: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** A tensor of the given shape and dtype from flat values. */
export const make = (values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float64'): Tensor =>
  tensor(Array.from(values), { shape, dtype });

/**
 * ∂⟨u, f(xs)⟩/∂xs by central differences: one gradient array per input, perturbing one
 * element at a time by ±eps (float64 inputs, so eps ≈ 1e-6 is accurate to ~1e-9).
 */
export const numericVjp = (f: TensorFn, xs: readonly Tensor[], u: ArrayLike<number>, eps = 1e-6): Float64Array[] =>
  xs.map((x, k) => {
    const g = new Float64Array(x.size);
    const base = Array.from(x.data);
    const at = (i: number, delta: number): number => {
      const moved = base.slice();
      moved[i] += delta;
      const args = xs.slice();
      args[k] = make(moved, x.shape, x.dtype);
      return inner(u, f(...args).data);
    };
    for (let i = 0; i < x.size; i++) g[i] = (at(i, eps) - at(i, -eps)) / (2 * eps);
    return g;
  });

/** Reverse mode: Jᵀ·u for every input, as flat arrays. */
export const analyticVjp = (f: TensorFn, xs: readonly Tensor[], u: Tensor): Float64Array[] => {
  const [, pullback] = vjp(f, ...xs);
  return (pullback(u) as Tensor[]).map((g) => Float64Array.from(g.data));
};

/** Forward mode: J·v for tangents vs (one per input). */
export const analyticJvp = (f: TensorFn, xs: readonly Tensor[], vs: readonly Tensor[]): Float64Array => {
  const [, t] = jvp(f, [...xs], [...vs]);
  return Float64Array.from((t as Tensor).data);
};

/**
 * Throws, naming the worst element, unless |a − b| ≤ atol + rtol·|b| everywhere.
 * `what` says which quantity is compared, for the failure message.
 */
export const expectClose = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, atol = 1e-6, rtol = 1e-5): void => {
  if (a.length !== b.length) throw new Error(`${what}: lengths ${a.length} and ${b.length} differ`);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
    if (!(err <= 0) && (worst < 0 || !(err <= worstErr))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) throw new Error(`${what}: element ${worst} is ${a[worst]}, expected ${b[worst]} (|diff| ${Math.abs(a[worst] - b[worst])})`);
};

/** Random values in [min, max] as a fixed-length array (no NaN or infinities). */
export const valuesArb = (n: number, min = -2, max = 2): fc.Arbitrary<number[]> =>
  fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });

/**
 * n values whose pairwise gaps are at least `gap`: a shuffled grid plus small jitter, so a
 * max over any subset has a unique winner that a finite-difference step cannot flip.
 */
export const distinctValuesArb = (n: number, gap = 0.05): fc.Arbitrary<number[]> =>
  fc.tuple(fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }), valuesArb(n, 0, gap / 4)).map(([perm, jitter]) =>
    perm.map((p, i) => (p - n / 2) * gap + jitter[i]),
  );

/** n values from a generator of numbers in [−1, 1) (e.g. `lcg` of ./seeded.js), mapped into [min, max). */
export const draw = (rand: () => number, n: number, min = -1, max = 1): number[] =>
  Array.from({ length: n }, () => min + ((rand() + 1) / 2) * (max - min));

/** A float64 tensor of random values in [min, max). */
export const randomTensor = (rand: () => number, shape: readonly number[], min = -1, max = 1): Tensor =>
  make(draw(rand, shape.reduce((a, b) => a * b, 1), min, max), shape);

/** Reverse mode equals central differences: Jᵀ·u for every input, with a random u. */
export const checkVjp = (f: TensorFn, xs: readonly Tensor[], rand: () => number, tol = { atol: 1e-6, rtol: 1e-5 }): void => {
  const out = f(...xs);
  const u = randomTensor(rand, out.shape);
  const analytic = analyticVjp(f, xs, u);
  const numeric = numericVjp(f, xs, u.data);
  analytic.forEach((a, k) => expectClose(a, numeric[k], `VJP of input ${k}`, tol.atol, tol.rtol));
};

/** Forward mode agrees with reverse mode: ⟨u, J·v⟩ = Σₖ ⟨(Jᵀ·u)ₖ, vₖ⟩ for random u and v. */
export const checkJvp = (f: TensorFn, xs: readonly Tensor[], rand: () => number): void => {
  const out = f(...xs);
  const u = randomTensor(rand, out.shape);
  const vs = xs.map((x) => randomTensor(rand, x.shape));
  const left = inner(u.data, analyticJvp(f, xs, vs));
  const back = analyticVjp(f, xs, u);
  const right = back.reduce((s, g, k) => s + inner(g, vs[k].data), 0);
  expectClose([left], [right], '⟨u, J·v⟩ vs ⟨Jᵀ·u, v⟩', 1e-9, 1e-9);
};

/**
 * Second order: with L(xs) = Σ u·f(xs)² (squared so a linear f still has a non-constant
 * gradient) and s(xs) = Σₖ ⟨rₖ, ∂L/∂xₖ⟩, the reverse-mode gradient of s (which
 * differentiates the VJP rules themselves) equals central differences of s.
 */
export const checkSecondOrder = (f: TensorFn, xs: readonly Tensor[], rand: () => number, tol = { atol: 1e-5, rtol: 1e-4 }): void => {
  const out = f(...xs);
  const u = randomTensor(rand, out.shape);
  const rs = xs.map((x) => randomTensor(rand, x.shape));
  const argnums = xs.map((_, k) => k);
  const loss = (...args: Tensor[]): Tensor => sum(mul(u, square(f(...args))));
  const s = (...args: Tensor[]): Tensor => {
    const gs = grad(loss, { argnums })(...args) as Tensor[];
    return gs.map((g, k) => sum(mul(rs[k], g))).reduce((a, b) => add(a, b));
  };
  const analytic = (grad(s, { argnums })(...xs) as Tensor[]).map((g) => Float64Array.from(g.data));
  const numeric = numericVjp(s, xs, [1], 1e-5);
  analytic.forEach((a, k) => expectClose(a, numeric[k], `second-order gradient of input ${k}`, tol.atol, tol.rtol));
};

const square = (x: Tensor): Tensor => mul(x, x);
