// Tests of the unary family: forward values in both dtypes, stability, subgradients, derivatives against finite differences.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { tensor, grad, sum, type Tensor, type DType, type Domain } from '@chainrule/core';
import * as U from './unary.js';
import { checkGrads, arbShape, arbTensor, arbSeed, expectClose, asFloat32, throwsWith } from '../test/fd.js';

/** erf by composite Simpson's rule on 2/√π·e^(−t²): slow, obvious, independent of the op's series. */
const erfReference = (x: number): number => {
  const n = 4000, h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * Math.exp(-(i * h) * (i * h));
  return ((2 / Math.sqrt(Math.PI)) * s * h) / 3;
};

interface Case {
  readonly name: string;
  readonly f: (x: Tensor) => Tensor;
  readonly ref: (v: number) => number;
  readonly domain: Domain;
  readonly smooth: boolean;
}

const domainOf = (op: { domains?: readonly Domain[] }): Domain => op.domains?.[0] ?? {};

const cases: readonly Case[] = [
  { name: 'abs', f: U.abs, ref: (v) => (v < 0 ? -v : v), domain: domainOf(U.abs), smooth: false },
  { name: 'sign', f: U.sign, ref: (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), domain: domainOf(U.sign), smooth: false },
  { name: 'expm1', f: U.expm1, ref: (v) => Math.exp(v) - 1, domain: domainOf(U.expm1), smooth: true },
  { name: 'log1p', f: U.log1p, ref: (v) => Math.log(1 + v), domain: domainOf(U.log1p), smooth: true },
  { name: 'sqrt', f: U.sqrt, ref: (v) => v ** 0.5, domain: domainOf(U.sqrt), smooth: true },
  { name: 'rsqrt', f: U.rsqrt, ref: (v) => v ** -0.5, domain: domainOf(U.rsqrt), smooth: true },
  { name: 'square', f: U.square, ref: (v) => v * v, domain: domainOf(U.square), smooth: true },
  { name: 'reciprocal', f: U.reciprocal, ref: (v) => 1 / v, domain: domainOf(U.reciprocal), smooth: true },
  { name: 'sin', f: U.sin, ref: Math.sin, domain: domainOf(U.sin), smooth: true },
  { name: 'cos', f: U.cos, ref: Math.cos, domain: domainOf(U.cos), smooth: true },
  { name: 'tanh', f: U.tanh, ref: (v) => (Math.exp(2 * v) - 1) / (Math.exp(2 * v) + 1), domain: domainOf(U.tanh), smooth: true },
  { name: 'relu', f: U.relu, ref: (v) => (v > 0 ? v : 0), domain: domainOf(U.relu), smooth: false },
  { name: 'leakyRelu', f: (x) => U.leakyRelu(x), ref: (v) => (v > 0 ? v : 0.2 * v), domain: domainOf(U.leakyRelu), smooth: false },
  { name: 'leakyRelu α=0.01', f: (x) => U.leakyRelu(x, { alpha: 0.01 }), ref: (v) => (v > 0 ? v : 0.01 * v), domain: domainOf(U.leakyRelu), smooth: false },
  { name: 'elu', f: (x) => U.elu(x), ref: (v) => (v > 0 ? v : Math.exp(v) - 1), domain: domainOf(U.elu), smooth: false },
  { name: 'elu α=0.5', f: (x) => U.elu(x, { alpha: 0.5 }), ref: (v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1)), domain: domainOf(U.elu), smooth: false },
  { name: 'erf', f: U.erf, ref: erfReference, domain: domainOf(U.erf), smooth: true },
  { name: 'gelu', f: U.gelu, ref: (v) => 0.5 * v * (1 + erfReference(v / Math.SQRT2)), domain: domainOf(U.gelu), smooth: true },
  { name: 'erfc', f: U.erfc, ref: (v) => 1 - erfReference(v), domain: domainOf(U.erfc), smooth: true },
  { name: 'softplus', f: U.softplus, ref: (v) => Math.log(1 + Math.exp(v)), domain: domainOf(U.softplus), smooth: true },
  { name: 'silu', f: U.silu, ref: (v) => v / (1 + Math.exp(-v)), domain: domainOf(U.silu), smooth: true },
  { name: 'clip', f: (x) => U.clip(x, { min: -1, max: 1 }), ref: (v) => Math.min(Math.max(v, -1), 1), domain: domainOf(U.clip), smooth: false },
  { name: 'clip (max only)', f: (x) => U.clip(x, { max: 1 }), ref: (v) => Math.min(v, 1), domain: { min: -3, max: 3, avoid: [1] }, smooth: false },
];

/** 61 evenly spaced points over the case's domain, 0 included when inside. */
const grid = ({ min = -3, max = 3 }: Domain): number[] => {
  const pts = Array.from({ length: 61 }, (_, i) => min + ((max - min) * i) / 60);
  return min < 0 && max > 0 ? [...pts, 0] : pts;
};

describe('unary forward', () => {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    it.each(cases.map((c) => [c.name, c] as const))(`%s matches its reference in ${dtype}`, (_, c) => {
      const values = dtype === 'float32' ? asFloat32(grid(c.domain)) : grid(c.domain);
      const x = tensor(values, { dtype, shape: [values.length] });
      const before = Float64Array.from(x.data);
      const y = c.f(x);
      expect(y.dtype).toBe(dtype);
      expect(y.shape).toEqual(x.shape);
      expectClose(c.name, y.data, values.map(c.ref), dtype === 'float64' ? 1e-13 : 1e-6, dtype === 'float64' ? 1e-12 : 1e-6);
      expect(Array.from(x.data)).toEqual(Array.from(before)); // inputs are never written
    });
  }

  it('keeps the shape of scalars and empty tensors', () => {
    expect(U.tanh(tensor(0.5)).shape).toEqual([]);
    expect(U.gelu(tensor([], { shape: [0, 3] })).shape).toEqual([0, 3]);
  });
});

describe('unary stability and known values', () => {
  const f64 = (vs: number[]) => tensor(vs, { dtype: 'float64' });

  it('log1p and expm1 keep full precision near 0', () => {
    // references from mpmath at 40 digits
    expectClose('log1p', U.log1p(f64([1e-10, -1e-10, 1e-5, 1e-300])).data, [9.999999999500001e-11, -1.00000000005e-10, 9.999950000333332e-6, 1e-300], 0, 1e-15);
    expectClose('expm1', U.expm1(f64([1e-10, -1e-10, 1e-5, 1e-300])).data, [1.00000000005e-10, -9.999999999500001e-11, 1.0000050000166668e-5, 1e-300], 0, 1e-15);
    // float32 keeps the relative precision too (log(1 + x) would round 1 + 1e-10 to 1)
    const x32 = tensor([1e-10, 1e-7], { dtype: 'float32' });
    expectClose('log1p f32', U.log1p(x32).data, Array.from(x32.data), 0, 1e-6);
    expectClose('expm1 f32', U.expm1(x32).data, Array.from(x32.data), 0, 1e-6);
  });

  it('softplus and silu stay finite and exact at ±1000 in both dtypes', () => {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      const x = tensor([-1000, -30, -1, 0, 1, 30, 1000], { dtype });
      const tol = dtype === 'float64' ? 1e-15 : 1e-7;
      expectClose(`softplus ${dtype}`, U.softplus(x).data, [0, 9.357622968839737e-14, 0.3132616875182228, 0.6931471805599453, 1.3132616875182228, 30.000000000000092, 1000], 0, tol);
      expectClose(`silu ${dtype}`, U.silu(x).data, [-0, -2.8072868906517896e-12, -0.2689414213699951, 0, 0.7310585786300049, 29.999999999997193, 1000], 0, tol);
    }
    expect(Array.from(U.tanh(f64([-1000, 1000])).data)).toEqual([-1, 1]);
  });

  it('erf matches high-precision values to 1e-15 relative', () => {
    // mpmath at 40 digits
    const table: [number, number][] = [
      [-5, -0.9999999999984626], [-3, -0.9999779095030014], [-1.5, -0.9661051464753108], [-0.5, -0.5204998778130465],
      [-1e-8, -1.1283791670955126e-8], [0, 0], [0.25, 0.27632639016823696], [1, 0.8427007929497149], [2, 0.9953222650189527],
      [2.5, 0.999593047982555], [3, 0.9999779095030014], [4, 0.9999999845827421], [5.5, 0.9999999999999927],
    ];
    expectClose('erf', U.erf(f64(table.map((p) => p[0]))).data, table.map((p) => p[1]), 0, 1e-15);
  });

  it('gelu is the exact erf form and keeps relative precision in its negative tail', () => {
    // x·Φ(x) from mpmath; the tanh approximation would be off by ~1e-4 at x = −3
    const table: [number, number][] = [
      [-10, -7.619853024160526e-23], [-6, -5.9195258702261885e-9], [-3, -0.0040496940948902835], [-1, -0.15865525393145705],
      [-0.1, -0.0460172162722971], [0, 0], [0.1, 0.053982783727702904], [1, 0.8413447460685429], [3, 2.99595030590511], [6, 5.999999994080474],
    ];
    expectClose('gelu', U.gelu(f64(table.map((p) => p[0]))).data, table.map((p) => p[1]), 0, 1e-13);
    expect(Number.isFinite(U.gelu(f64([-1000])).data[0])).toBe(true);
  });

  it("gelu's derivative keeps its relative precision for x < −6 (through erfc)", () => {
    // Φ(x) + x·φ(x) from mpmath at 50 digits; ½(1 + erf(x/√2)) would leave ~1e-3 relative error at −8.
    const table: [number, number][] = [
      [-6.5, -1.6950517937572625678e-9], [-8, -3.9796072610867959891e-14], [-10, -7.6184000964648140857e-22], [-15, -8.2593546627734967299e-49],
      [-25, -1.910425737398465604e-135], [-30, -4.4160316907084943701e-195],
    ];
    const slope = grad((x: Tensor) => sum(U.gelu(x)))(f64(table.map((p) => p[0]))) as Tensor;
    expectClose("gelu'", slope.data, table.map((p) => p[1]), 0, 1e-12);
  });

  it('erfc matches high-precision values, tail included', () => {
    // mpmath at 50 digits
    const table: [number, number][] = [
      [-3, 1.9999779095030015], [-1, 1.8427007929497148], [0, 1], [0.5, 0.4795001221869535], [1.5, 0.033894853524689274], [2, 0.004677734981047266],
      [3, 2.209049699858544e-5], [5, 1.537459794428035e-12], [10, 2.088487583762545e-45], [26, 5.663192408856143e-296],
    ];
    expectClose('erfc', U.erfc(f64(table.map((p) => p[0]))).data, table.map((p) => p[1]), 0, 1e-14);
  });
});

describe('unary subgradients at kinks', () => {
  const at = (f: (x: Tensor) => Tensor, v: number) => (grad((x: Tensor) => sum(f(x)))(tensor([v], { dtype: 'float64' })) as Tensor).data[0];

  it('follows the documented conventions', () => {
    expect(at(U.relu, 0)).toBe(0);
    expect(at(U.abs, 0)).toBe(0);
    expect(at(U.sign, 0)).toBe(0);
    expect(at((x) => U.leakyRelu(x), 0)).toBeCloseTo(0.2, 15);
    expect(at((x) => U.elu(x, { alpha: 0.5 }), 0)).toBeCloseTo(0.5, 15);
    expect(at((x) => U.clip(x, { min: -1, max: 1 }), 1)).toBe(1);
    expect(at((x) => U.clip(x, { min: -1, max: 1 }), -1)).toBe(1);
    expect(at((x) => U.clip(x, { min: -1, max: 1 }), 1.5)).toBe(0);
  });
});

describe('unary derivatives against finite differences (float64)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: VJP, JVP and ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩', (_, c) => {
    fc.assert(
      fc.property(arbShape({ maxRank: 3, maxDim: 3 }).chain((s) => arbTensor(s, c.domain)), arbSeed, (x, seed) => checkGrads(c.f, [x], seed)),
      { numRuns: 12 },
    );
  });

  it.each(cases.filter((c) => c.smooth).map((c) => [c.name, c] as const))('%s: second order (grad of grad)', (_, c) => {
    fc.assert(
      fc.property(arbShape({ maxRank: 2, maxDim: 2 }).chain((s) => arbTensor(s, c.domain)), arbSeed, (x, seed) => checkGrads(c.f, [x], seed, { order: 2 })),
      { numRuns: 5 },
    );
  });
});

describe('unary attribute validation', () => {
  const x = tensor([1, 2]);

  it('rejects bad attrs with the op, the shapes and the attrs in the message', () => {
    throwsWith(() => U.clip(x, { min: 2, max: 1 }), 'ops.clip', 'min 2 is greater than max 1', '[2]', '"min":2');
    throwsWith(() => U.leakyRelu(x, { alpha: 'big' as unknown as number }), 'ops.leakyRelu', 'alpha');
    throwsWith(() => U.elu(x, { alpha: Number.NaN }), 'ops.elu', 'alpha');
    throwsWith(() => U.relu(x, x), 'ops.relu', 'expected 1');
  });
});

describe('rounding ops', () => {
  it('floor and round match Math in both dtypes and have no gradient', () => {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const vals = [2.5, -2.5, 0.4, -0.6, 7, -0.5];
      const x = tensor(vals, { dtype });
      expect(Array.from(U.floor(x).data)).toEqual(vals.map(Math.floor));
      expect(Array.from(U.round(x).data)).toEqual([3, -3, 0, -1, 7, -1]);
      expect(Array.from(grad((y: Tensor) => sum(U.floor(y)))(x).data)).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });
});
