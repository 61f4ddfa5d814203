// Elementwise ops on one input that the engine and the seed's network need: neg, exp, log, sigmoid, cast, stopGradient.

import * as t from 'io-ts';
import { right } from 'fp-ts/lib/Either.js';
import { defineOp, type Op } from '../op.js';
import { allocate, type DType } from '../tensor.js';
import { dtypeCodec } from '../codec.js';
import { inferSame, noAttrs } from './broadcast.js';
import { mul, div, sub } from './binary.js';

/**
 * Elementwise −x.
 *
 * @example
 * neg(tensor([1, -2])) // [-1, 2]
 */
export const neg: Op<{}> = defineOp({
  name: 'core.neg',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = -d[i];
    return o;
  },
  // ∂(−x) = −g
  vjp: ({ cotangent: g }) => [neg(g)],
  jvp: ({ tangents: [tx] }) => (tx === null ? null : neg(tx)),
});

/**
 * Elementwise eˣ.
 *
 * @example
 * exp(tensor([0, 1])) // [1, 2.718...]
 */
export const exp: Op<{}> = defineOp({
  name: 'core.exp',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.exp(d[i]);
    return o;
  },
  // ∂eˣ = g·eˣ
  vjp: ({ output, cotangent: g }) => [mul(g, output)],
  jvp: ({ output, tangents: [tx] }) => (tx === null ? null : mul(tx, output)),
  domains: [{ min: -5, max: 5 }],
});

/**
 * Elementwise natural logarithm.
 *
 * @example
 * log(tensor([1, Math.E])) // [0, 1]
 */
export const log: Op<{}> = defineOp({
  name: 'core.log',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.log(d[i]);
    return o;
  },
  // ∂log x = g/x
  vjp: ({ inputs: [x], cotangent: g }) => [div(g, x)],
  jvp: ({ inputs: [x], tangents: [tx] }) => (tx === null ? null : div(tx, x)),
  domains: [{ min: 0.1, max: 10 }],
});

/**
 * The logistic function σ(x) = 1/(1+e⁻ˣ), computed without overflow for large |x|.
 *
 * @example
 * sigmoid(tensor([0])) // [0.5]
 */
export const sigmoid: Op<{}> = defineOp({
  name: 'core.sigmoid',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v >= 0) o[i] = 1 / (1 + Math.exp(-v));
      else {
        const e = Math.exp(v);
        o[i] = e / (1 + e);
      }
    }
    return o;
  },
  // ∂σ = g·σ·(1−σ)
  vjp: ({ output: s, cotangent: g }) => [mul(g, mul(s, sub(1, s)))],
  jvp: ({ output: s, tangents: [tx] }) => (tx === null ? null : mul(tx, mul(s, sub(1, s)))),
  domains: [{ min: -6, max: 6 }],
});

/**
 * Converts to another dtype (float32 ↔ float64).
 *
 * @example
 * cast(tensor([1.5]), { dtype: 'float64' })
 */
export const cast: Op<{ dtype: DType }> = defineOp({
  name: 'core.cast',
  attrs: t.type({ dtype: dtypeCodec }),
  arity: 1,
  infer: ([x], { dtype }) => right({ shape: x.shape, dtype }),
  forward: ([x], _, out) => {
    const o = allocate(out.dtype, x.size);
    o.set(x.data);
    return o;
  },
  // ∂cast = g cast back
  vjp: ({ inputs: [x], cotangent: g }) => [cast(g, { dtype: x.dtype })],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : cast(tx, attrs)),
});

/**
 * The identity whose gradient is zero: blocks differentiation through a value.
 *
 * @example
 * grad((x) => mul(x, stopGradient(x)))(tensor(3)) // 3, not 6
 */
export const stopGradient: Op<{}> = defineOp({
  name: 'core.stopGradient',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x]) => x.data,
  // ∂ = 0
  vjp: () => [null],
  jvp: () => null,
  differentiable: false,
});
