// Test helpers for the op families: central finite differences in float64, mode-agreement and second-order checks, and fast-check arbitraries.
//
// Local on purpose: @chainrule/gradcheck depends on this package, so these tests cannot use it.

import fc from 'fast-check';
import { expect } from 'vitest';
import { tensor, vjp, jvp, grad, sum, mul, add, ChainruleError, type Tensor, type Domain, type DType } from '@chainrule/core';

/** A function of tensors to one tensor: what the checks differentiate. */
export type TensorFn = (...xs: Tensor[]) => Tensor;

/** Tolerances of a check: |analytic − numeric| ≤ atol + rtol·|numeric|. */
export interface Tolerance {
  readonly eps?: number;
  readonly atol?: number;
  readonly rtol?: number;
}

/**
 * A small seeded PRNG (mulberry32): reproducible cotangents and tangents from a seed that
 * fast-check draws, so a failing case replays exactly.
 */
export const rng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** A float64 tensor of the given shape with values uniform in [−1, 1). */
export const randomLike = (shape: readonly number[], next: () => number): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 2 * next() - 1;
  return tensor(v, { shape: [...shape] });
};

const innerProduct = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** xs with element i of input k moved by h (fresh tensors; the originals are untouched). */
const nudged = (xs: readonly Tensor[], k: number, i: number, h: number): Tensor[] =>
  xs.map((x, j) => {
    if (j !== k) return x;
    const d = Float64Array.from(x.data);
    d[i] += h;
    return tensor(d, { shape: [...x.shape] });
  });

/** ∂s/∂xs of a scalar-valued function by central differences, one array per input. */
export const numericGrad = (s: (...xs: Tensor[]) => number, xs: readonly Tensor[], eps: number): Float64Array[] =>
  xs.map((x, k) => {
    const g = new Float64Array(x.size);
    for (let i = 0; i < x.size; i++) g[i] = (s(...nudged(xs, k, i, eps)) - s(...nudged(xs, k, i, -eps))) / (2 * eps);
    return g;
  });

/**
 * Throws (naming the worst element) unless every |actual − expected| ≤ atol + rtol·|expected|.
 * NaN matches NaN only where both are NaN.
 */
export const expectClose = (what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): void => {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (Number.isNaN(a) !== Number.isNaN(e)) return fail(what, i, a, e);
      continue;
    }
    if (a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) fail(what, worst, actual[worst], expected[worst]);
};

const fail = (what: string, i: number, a: number, e: number): never => {
  throw new Error(`${what}: element ${i} is ${a}, expected ${e} (difference ${Math.abs(a - e)})`);
};

/** Asserts that `f` throws a ChainruleError whose message contains every one of `parts`. */
export const throwsWith = (f: () => unknown, ...parts: string[]): void => {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ChainruleError);
  for (const p of parts) expect((error as Error).message).toContain(p);
};

/** Options of {@link checkGrads}. */
export interface CheckOptions extends Tolerance {
  /** 1: VJP and JVP against finite differences; 2: also grad of grad (default 1). */
  readonly order?: 1 | 2;
  /** Whether the function's ops all have JVP rules (default true). */
  readonly jvp?: boolean;
}

/**
 * Checks the derivatives of `f` at float64 points `xs`, with a cotangent u and tangents v
 * drawn from `seed`:
 * - reverse mode: Jᵀu equals central differences of ⟨u, f(x)⟩, element by element;
 * - forward mode: J·v equals the central difference (f(x + εv) − f(x − εv))/2ε, and
 *   ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩;
 * - order 2: the gradient of Σₖ⟨wₖ, ∇ₖ⟨u, f⟩⟩ (grad of grad) equals central differences of
 *   that scalar, whose inner gradient comes from reverse mode.
 * Throws an Error naming the first disagreement.
 */
export const checkGrads = (f: TensorFn, xs: readonly Tensor[], seed: number, options: CheckOptions = {}): void => {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-5, order = 1 } = options;
  for (const x of xs) if (x.dtype !== 'float64') throw new Error('checkGrads needs float64 inputs');
  const next = rng(seed);
  const y = f(...xs);
  const u = randomLike(y.shape, next);
  const v = xs.map((x) => randomLike(x.shape, next));

  const [, pullback] = vjp(f, ...xs);
  const cts = pullback(u) as Tensor[];
  const numeric = numericGrad((...zs) => innerProduct(u.data, f(...zs).data), xs, eps);
  xs.forEach((_, k) => expectClose(`VJP of input ${k}`, cts[k].data, numeric[k], atol, rtol));

  if (options.jvp !== false) {
    const [, jv] = jvp(f, [...xs], v);
    const plus = f(...xs.map((x, k) => add(x, mul(v[k], eps)))), minus = f(...xs.map((x, k) => add(x, mul(v[k], -eps))));
    const fdJv = new Float64Array(y.size);
    for (let i = 0; i < y.size; i++) fdJv[i] = (plus.data[i] - minus.data[i]) / (2 * eps);
    expectClose('JVP', (jv as Tensor).data, fdJv, atol, rtol);
    const lhs = innerProduct(u.data, (jv as Tensor).data);
    const rhs = cts.reduce((acc, c, k) => acc + innerProduct(c.data, v[k].data), 0);
    expectClose('⟨u, J·v⟩ vs ⟨Jᵀ·u, v⟩', [lhs], [rhs], atol, rtol);
  }

  if (order === 2) {
    const argnums = xs.map((_, k) => k);
    const w = xs.map((x) => randomLike(x.shape, next));
    const s = (...zs: Tensor[]): Tensor => sum(mul(u, f(...zs)));
    const s2 = (...zs: Tensor[]): Tensor => {
      const gs = grad(s, { argnums })(...zs) as Tensor[];
      return gs.map((g, k) => sum(mul(w[k], g))).reduce((a, b) => add(a, b));
    };
    const analytic = grad(s2, { argnums })(...xs) as Tensor[];
    const fd = numericGrad((...zs) => s2(...zs).item(), xs, 1e-5);
    xs.forEach((_, k) => expectClose(`second order, input ${k}`, analytic[k].data, fd[k], atol, 10 * rtol));
  }
};

// ---------------------------------------------------------------------------------------
// arbitraries

/** Shapes of rank minRank..maxRank with dims 1..maxDim (size-1 dims included). */
export const arbShape = ({ minRank = 0, maxRank = 3, maxDim = 3 } = {}): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });

/**
 * `count` shapes that broadcast together: an output shape, then for each input some leading
 * dims dropped and some dims set to 1.
 */
export const arbBroadcastShapes = (count: number, { maxRank = 3, maxDim = 3 } = {}): fc.Arbitrary<number[][]> =>
  fc
    .tuple(
      arbShape({ maxRank, maxDim }),
      fc.array(fc.tuple(fc.nat(maxRank), fc.array(fc.boolean(), { minLength: maxRank, maxLength: maxRank })), { minLength: count, maxLength: count }),
    )
    .map(([out, how]) => how.map(([drop, ones]) => out.slice(Math.min(drop, out.length)).map((d, i) => (ones[i] ? 1 : d))));

/** Moves v at least `margin` away from each point to avoid (kinks, poles). */
const keepAway = (v: number, avoid: readonly number[], margin: number): number => {
  let x = v;
  for (const a of avoid) if (Math.abs(x - a) < margin) x = x >= a ? a + margin : a - margin;
  return x;
};

const STEPS = 2 ** 30;

/**
 * n values spread uniformly over a domain (default [−3, 3]), kept `margin` away from its
 * points to avoid. Uniform on purpose: fc.double favours tiny magnitudes, where many
 * derivatives are nearly constant and a wrong rule would go unnoticed.
 */
export const arbValues = (n: number, domain: Domain = {}, margin = 0.05): fc.Arbitrary<number[]> => {
  const lo = domain.min ?? -3, hi = domain.max ?? 3;
  return fc
    .array(fc.integer({ min: 0, max: STEPS }), { minLength: n, maxLength: n })
    .map((ks) => ks.map((k) => keepAway(lo + ((hi - lo) * k) / STEPS, domain.avoid ?? [], margin)));
};

/** A float64 tensor of a shape with values in a domain. */
export const arbTensor = (shape: readonly number[], domain: Domain = {}, dtype: DType = 'float64'): fc.Arbitrary<Tensor> =>
  arbValues(shape.reduce((a, b) => a * b, 1), domain).map((vs) => tensor(vs, { shape: [...shape], dtype }));

/** Tensors of the given shapes, the k-th drawn from domains[k]. */
export const arbTensors = (shapes: readonly (readonly number[])[], domains: readonly Domain[] = []): fc.Arbitrary<Tensor[]> =>
  fc.tuple(...shapes.map((s, k) => arbTensor(s, domains[k] ?? {})));

/** A seed for {@link checkGrads}'s cotangents and tangents. */
export const arbSeed: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0x7fffffff });

// ---------------------------------------------------------------------------------------
// references

/** For each element of `out` (row-major), the flat index of the element of `shape` that broadcasts to it — by div/mod, independent of core's walker. */
export const referenceBroadcastIndex = (shape: readonly number[], out: readonly number[]): number[] => {
  const n = out.reduce((a, b) => a * b, 1), offset = out.length - shape.length, res: number[] = [];
  for (let i = 0; i < n; i++) {
    let rest = i, flat = 0, stride = 1;
    for (let d = out.length - 1; d >= 0; d--) {
      const coord = rest % out[d];
      rest = Math.floor(rest / out[d]);
      if (d >= offset) {
        const dim = shape[d - offset];
        flat += (dim === 1 ? 0 : coord) * stride;
        stride *= dim;
      }
    }
    res.push(flat);
  }
  return res;
};

/** Row-major multi-index of flat position i in a shape. */
export const unravel = (i: number, shape: readonly number[]): number[] => {
  const idx = new Array<number>(shape.length);
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return idx;
};

/** Flat position of a multi-index in a shape. */
export const ravel = (idx: readonly number[], shape: readonly number[]): number => {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + idx[d];
  return flat;
};

/** Values rounded to float32, as a float32 tensor would hold them. */
export const asFloat32 = (vs: readonly number[]): number[] => Array.from(Float32Array.from(vs));
