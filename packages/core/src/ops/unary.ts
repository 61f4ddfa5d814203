// Elementwise ops on one input: the unaryOp helper, and neg, exp, log, sigmoid (made with it), cast and stopGradient.

import * as t from 'io-ts';
import { right } from 'fp-ts/lib/Either.js';
import { defineOp, noGradient, type Op, type OpSpec, type Domain } from '../op.js';
import { allocate, type DType, type Tensor } from '../tensor.js';
import { dtypeCodec } from '../codec.js';
import { inferSame, noAttrs } from './infer.js';
import { unaryLoop } from '../kernels/loops.js';
import { mul, div, sub, scaleBy, type Partial } from './binary.js';

/** The declaration of a unary elementwise op, as given to {@link unaryOp}. */
export interface UnarySpec<A> {
  readonly name: string;
  /** io-ts codec for attrs (default: none). Defaults belong in the codec. */
  readonly attrs?: t.Type<A, any, unknown>;
  /** The scalar function; the forward kernel applies it to every element. */
  readonly fn: (x: number, attrs: A) => number;
  /** Shape inference when attrs can be invalid together (default: the input's shape and dtype). */
  readonly infer?: OpSpec<A>['infer'];
  /**
   * dy/dx written with ops from the input x and the output y; the VJP (g·dy/dx) and the JVP
   * (ẋ·dy/dx) are derived from it. Omit for an op with no gradient (floor, sign).
   */
  readonly derivative?: (x: Tensor, y: Tensor, attrs: A) => Partial;
  readonly domains?: readonly Domain[];
  readonly smooth?: boolean;
  readonly kernels?: OpSpec<A>['kernels'];
  readonly conformance?: OpSpec<A>['conformance'];
}

// Unary ops fall back to the kit's default case: random shapes, values from the domain.
const DEFAULT_CONFORMANCE = {};

/**
 * Declares an elementwise op on one input from its scalar function and its derivative: the
 * forward kernel, the VJP and the JVP all come from these, so no derivative is written twice.
 *
 * @example
 * // softplus(x) = log(1 + eˣ); d/dx = σ(x)
 * const softplus = unaryOp({
 *   name: 'myorg.softplus',
 *   fn: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
 *   derivative: (x) => sigmoid(x),
 * })
 * softplus(tensor([0])) // [0.693...]
 */
export const unaryOp = <A = {}>(spec: UnarySpec<A>): Op<A> => {
  const { fn, derivative } = spec;
  const loop = unaryLoop(fn);
  return defineOp<A>({
    name: spec.name,
    attrs: spec.attrs ?? (noAttrs as unknown as t.Type<A, any, unknown>),
    arity: 1,
    kind: 'elementwise',
    scalar: fn,
    infer: spec.infer ?? inferSame,
    forward: ([x], attrs, out) => loop(x.data, allocate(out.dtype, x.size), attrs),
    vjp: derivative === undefined
      ? noGradient
      : ({ inputs: [x], output, cotangent: g, attrs }) => [scaleBy(g, derivative(x, output, attrs))],
    jvp: derivative === undefined
      ? () => null
      : ({ inputs: [x], output, tangents: [tx], attrs }) => (tx === null ? null : scaleBy(tx, derivative(x, output, attrs))),
    differentiable: derivative !== undefined,
    ...(derivative === undefined ? { smooth: false } : {}),
    ...(spec.domains === undefined ? {} : { domains: spec.domains }),
    ...(spec.smooth === undefined ? {} : { smooth: spec.smooth }),
    ...(spec.kernels === undefined ? {} : { kernels: spec.kernels }),
    ...(spec.conformance === undefined ? DEFAULT_CONFORMANCE : { conformance: spec.conformance }),
  });
};

/**
 * Elementwise −x.
 *
 * @example
 * neg(tensor([1, -2])) // [-1, 2]
 */
export const neg: Op<{}> = unaryOp({
  name: 'core.neg',
  fn: (x) => -x,
  // d(−x) = −1
  derivative: () => -1,
});

/**
 * Elementwise eˣ.
 *
 * @example
 * exp(tensor([0, 1])) // [1, 2.718...]
 */
export const exp: Op<{}> = unaryOp({
  name: 'core.exp',
  fn: Math.exp,
  // deˣ = eˣ
  derivative: (_x, y) => y,
  domains: [{ min: -5, max: 5 }],
});

/**
 * Elementwise natural logarithm.
 *
 * @example
 * log(tensor([1, Math.E])) // [0, 1]
 */
export const log: Op<{}> = unaryOp({
  name: 'core.log',
  fn: Math.log,
  // d log x = 1/x
  derivative: (x) => div(1, x),
  domains: [{ min: 0.1, max: 10 }],
});

/**
 * The logistic function σ(x) = 1/(1+e⁻ˣ), computed without overflow for large |x|.
 *
 * @example
 * sigmoid(tensor([0])) // [0.5]
 */
export const sigmoid: Op<{}> = unaryOp({
  name: 'core.sigmoid',
  fn: (v) => {
    if (v >= 0) return 1 / (1 + Math.exp(-v));
    const e = Math.exp(v);
    return e / (1 + e);
  },
  // dσ = σ·(1−σ)
  derivative: (_x, s) => mul(s, sub(1, s)),
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
  conformance: [
    { cases: [{ inputs: [[2, 3]], attrs: { dtype: 'float64' } }], badAttrs: [{ dtype: 'int8' }, {}] },
    // To float32 and back: finite differences in float32 need a larger step and tolerance.
    { cases: [{ inputs: [[3]], attrs: { dtype: 'float32' } }], grad: { eps: 1e-3, atol: 1e-3, rtol: 1e-3 } },
  ],
  attrs: t.type({ dtype: dtypeCodec }),
  arity: 1,
  kind: 'elementwise',
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
 * The identity whose gradient is zero: blocks differentiation through a value. Its output
 * shares its input's buffer (nothing writes into either).
 *
 * @example
 * grad((x) => mul(x, stopGradient(x)))(tensor(3)) // 3, not 6
 */
export const stopGradient: Op<{}> = defineOp({
  name: 'core.stopGradient',
  attrs: noAttrs,
  arity: 1,
  kind: 'elementwise',
  aliases: true,
  infer: inferSame,
  forward: ([x]) => x.data,
  // ∂ = 0
  vjp: () => [null],
  jvp: () => null,
  differentiable: false,
});
