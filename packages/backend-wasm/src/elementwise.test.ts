import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as core from '@chainrule/core';
import * as ops from '@chainrule/ops';
import { withBackend, jsBackend, type DType, type Tensor } from '@chainrule/core';
import { createWasmBackend } from './backend.js';
import { rowLayout } from './elementwise.js';
import { awkwardShape, randomTensor, ulps32, worstError } from '../test/helpers.js';

const wasm = createWasmBackend();
const dtypes = fc.constantFrom<DType>('float32', 'float64');

// Every unary op with a wasm kernel, with inputs kept inside its domain.
const unary: readonly [string, (x: Tensor) => Tensor, number, number][] = [
  ['neg', core.neg, -3, 3], ['exp', core.exp, -20, 20], ['log', core.log, 0.01, 50], ['sigmoid', core.sigmoid, -30, 30],
  ['relu', ops.relu, -2, 2], ['tanh', ops.tanh, -5, 5], ['abs', ops.abs, -2, 2], ['sqrt', ops.sqrt, 0, 9],
  ['square', ops.square, -3, 3], ['reciprocal', ops.reciprocal, 0.1, 5], ['floor', ops.floor, -5, 5],
  ['leakyRelu', (x) => ops.leakyRelu(x, { alpha: 0.3 }), -2, 2], ['leakyRelu default', (x) => ops.leakyRelu(x), -2, 2],
  ['elu', (x) => ops.elu(x), -3, 3], ['softplus', ops.softplus, -10, 10], ['silu', ops.silu, -10, 10],
  ['rsqrt', ops.rsqrt, 0.1, 9], ['sin', ops.sin, -6, 6], ['cos', ops.cos, -6, 6], ['expm1', ops.expm1, -3, 3],
  ['log1p', ops.log1p, -0.9, 5], ['sign', ops.sign, -2, 2], ['round', ops.round, -5, 5],
];

const binary: readonly [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['add', core.add], ['sub', core.sub], ['mul', core.mul], ['div', core.div], ['maximum', ops.maximum], ['minimum', ops.minimum],
  ['equal', ops.equal], ['notEqual', ops.notEqual], ['less', ops.less], ['lessEqual', ops.lessEqual], ['greater', ops.greater], ['greaterEqual', ops.greaterEqual],
];

describe('wasm unary kernels', () => {
  it.each(unary)('%s: float64 within 1e-12 relative, float32 within 1 ulp of the reference', (_name, f, lo, hi) => {
    fc.assert(fc.property(awkwardShape(), fc.integer({ min: 1 }), (shape, seed) => {
      const x64 = randomTensor(shape, 'float64', seed, lo, hi);
      expect(worstError(wasm, () => f(x64), 1e-300)).toBeLessThanOrEqual(1e-12);
      const x32 = randomTensor(shape, 'float32', seed, lo, hi);
      const r = withBackend(jsBackend, () => f(x32)).data, w = withBackend(wasm, () => f(x32)).data;
      for (let i = 0; i < r.length; i++) expect(ulps32(r[i], w[i])).toBeLessThanOrEqual(1);
    }), { numRuns: 25 });
  });

  it('keeps NaN and signed zero as the reference does', () => {
    const x = core.tensor([NaN, -0, 0, -1, Infinity, -Infinity], { dtype: 'float32' });
    for (const f of [ops.relu, core.neg, ops.abs, core.sigmoid, core.exp, ops.tanh, ops.sign]) {
      const r = withBackend(jsBackend, () => f(x)).data, w = withBackend(wasm, () => f(x)).data;
      expect([...w].map((v) => Object.is(v, -0) ? '-0' : String(v))).toEqual([...r].map((v) => Object.is(v, -0) ? '-0' : String(v)));
    }
  });
});

describe('wasm binary kernels', () => {
  it.each(binary)('%s broadcasts like the reference, bit for bit', (_name, f) => {
    fc.assert(fc.property(awkwardShape(3), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.nat(2), dtypes, fc.integer({ min: 1 }),
      (shape, ones, drop, dtype, seed) => {
        // b: a's shape with some dims set to 1 and some leading dims dropped.
        const sb = shape.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, shape.length - 1));
        const a = randomTensor(shape, dtype, seed), b = randomTensor(sb, dtype, seed + 7);
        expect(worstError(wasm, () => f(a, b))).toBe(0);
        expect(worstError(wasm, () => f(b, a))).toBe(0);
      }), { numRuns: 40 });
  });

  it('takes plain numbers and equal values the reference way', () => {
    const a = core.tensor([1, 2, 2, 5, 7], { dtype: 'float64' });
    expect(worstError(wasm, () => core.sub(a, 2))).toBe(0);
    expect([...withBackend(wasm, () => ops.equal(a, 2)).data]).toEqual([0, 1, 1, 0, 0]);
  });

  it('lays out rows from the trailing run of dims', () => {
    const l = rowLayout([4, 3], [3], [4, 3]);
    expect([l.rows, l.w, l.aStep, l.bStep]).toEqual([4, 3, 1, 1]);
    expect([...l.aRows]).toEqual([0, 3, 6, 9]);
    expect([...l.bRows]).toEqual([0, 0, 0, 0]);
    const c = rowLayout([4, 1], [4, 3], [4, 3]);
    expect([c.rows, c.w, c.aStep, c.bStep, ...c.aRows]).toEqual([4, 3, 0, 1, 0, 1, 2, 3]);
    const s = rowLayout([2, 3], [2, 3], [2, 3]);
    expect([s.rows, s.w]).toEqual([1, 6]);
  });
});
