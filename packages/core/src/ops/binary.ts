// Elementwise ops on two inputs with NumPy broadcasting: the binaryOp helper, and add, sub, mul, div made with it.

import * as t from 'io-ts';
import { defineOp, noGradient, type Op, type OpSpec, type Domain } from '../op.js';
import { allocate, type Tensor } from '../tensor.js';
import { sizeOf } from '../shape.js';
import { operand } from '../kernels/operand.js';
import { binaryLoop } from '../kernels/loops.js';
import { inferBroadcast, noAttrs } from './infer.js';
import { unbroadcast, broadcastTangent } from './shape.js';
import { neg } from './unary.js';

/**
 * A local derivative as a rule gives it: a tensor built with ops, a constant ±1 (so the rule
 * passes the cotangent on, or negates it, without a multiply), or null (no gradient).
 */
export type Partial = Tensor | 1 | -1 | null;

/**
 * `g · d` for a local derivative d, without a multiply when d is ±1.
 *
 * @example
 * scaleBy(g, -1) // neg(g)
 */
export const scaleBy = (g: Tensor, d: Partial): Tensor | null =>
  d === null ? null : d === 1 ? g : d === -1 ? neg(g) : mul(g, d);

/** The declaration of a binary elementwise op, as given to {@link binaryOp}. */
export interface BinarySpec<A> {
  readonly name: string;
  /** io-ts codec for attrs (default: none). Defaults belong in the codec. */
  readonly attrs?: t.Type<A, any, unknown>;
  /** The scalar function; the forward kernel applies it to every pair of broadcast elements. */
  readonly fn: (a: number, b: number, attrs: A) => number;
  /**
   * ∂y/∂a and ∂y/∂b, written with ops from the inputs a, b and the output y; the VJP, the
   * JVP and broadcasting are derived from them. Omit for an op with no gradient.
   */
  readonly partials?: readonly [(a: Tensor, b: Tensor, y: Tensor, attrs: A) => Partial, (a: Tensor, b: Tensor, y: Tensor, attrs: A) => Partial];
  readonly domains?: readonly Domain[];
  readonly smooth?: boolean;
  readonly kernels?: OpSpec<A>['kernels'];
  readonly conformance?: OpSpec<A>['conformance'];
}

// Binary ops are checked on random broadcast-compatible shapes unless they say otherwise.
const DEFAULT_CONFORMANCE = { conformance: { cases: [{ broadcast: true, label: 'broadcast shapes' }] } };

/**
 * Declares a broadcasting elementwise op on two inputs from its scalar function and its two
 * partial derivatives: the forward kernel, the VJP (each cotangent summed back to its input's
 * shape) and the JVP all come from these, so no derivative is written twice.
 *
 * @example
 * // hypot(a, b) = √(a² + b²); ∂/∂a = a/y, ∂/∂b = b/y
 * const hypot = binaryOp({
 *   name: 'myorg.hypot',
 *   fn: (a, b) => Math.hypot(a, b),
 *   partials: [(a, _b, y) => div(a, y), (_a, b, y) => div(b, y)],
 * })
 * hypot(tensor([3]), tensor([4])) // [5]
 */
export const binaryOp = <A = {}>(spec: BinarySpec<A>): Op<A> => {
  const { fn, partials } = spec;
  const loop = binaryLoop(fn);
  return defineOp<A>({
    name: spec.name,
    attrs: spec.attrs ?? (noAttrs as unknown as t.Type<A, any, unknown>),
    arity: 2,
    kind: 'broadcast',
    scalar: fn,
    infer: inferBroadcast,
    forward: ([a, b], attrs, out) => {
      const x = operand(a, out.shape), y = operand(b, out.shape);
      return loop(x.data, x.step, y.data, y.step, allocate(out.dtype, sizeOf(out.shape)), attrs);
    },
    vjp: partials === undefined
      ? noGradient
      : ({ inputs: [a, b], output, cotangent: g, attrs }) => {
        const ga = scaleBy(g, partials[0](a, b, output, attrs)), gb = scaleBy(g, partials[1](a, b, output, attrs));
        return [ga === null ? null : unbroadcast(ga, a.shape), gb === null ? null : unbroadcast(gb, b.shape)];
      },
    jvp: partials === undefined
      ? () => null
      : ({ inputs: [a, b], output, tangents: [ta, tb], attrs }) => {
        const x = ta === null ? null : broadcastTangent(scaleBy(ta, partials[0](a, b, output, attrs)), output.shape);
        const y = tb === null ? null : broadcastTangent(scaleBy(tb, partials[1](a, b, output, attrs)), output.shape);
        return x === null ? y : y === null ? x : add(x, y);
      },
    differentiable: partials !== undefined,
    ...(spec.domains === undefined ? {} : { domains: spec.domains }),
    ...(spec.smooth === undefined ? {} : { smooth: spec.smooth }),
    ...(spec.kernels === undefined ? {} : { kernels: spec.kernels }),
    ...(spec.conformance === undefined ? DEFAULT_CONFORMANCE : { conformance: spec.conformance }),
  });
};

/**
 * Elementwise a + b, broadcasting.
 *
 * @example
 * add(tensor([1, 2]), 10) // [11, 12]
 */
export const add: Op<{}> = binaryOp({
  name: 'core.add',
  fn: (a, b) => a + b,
  // ∂(a+b) = (1, 1)
  partials: [() => 1, () => 1],
});

/**
 * Elementwise a − b, broadcasting.
 *
 * @example
 * sub(tensor([5, 6]), tensor([1, 2])) // [4, 4]
 */
export const sub: Op<{}> = binaryOp({
  name: 'core.sub',
  fn: (a, b) => a - b,
  // ∂(a−b) = (1, −1)
  partials: [() => 1, () => -1],
});

/**
 * Elementwise a · b, broadcasting.
 *
 * @example
 * mul(tensor([1, 2]), tensor([[3], [4]])) // [[3, 6], [4, 8]]
 */
export const mul: Op<{}> = binaryOp({
  name: 'core.mul',
  fn: (a, b) => a * b,
  // ∂(a·b) = (b, a)
  partials: [(_a, b) => b, (a) => a],
});

/**
 * Elementwise a / b, broadcasting.
 *
 * @example
 * div(tensor([1, 2]), 4) // [0.25, 0.5]
 */
export const div: Op<{}> = binaryOp({
  name: 'core.div',
  fn: (a, b) => a / b,
  // ∂(a/b) = (1/b, −(a/b)/b)
  partials: [(_a, b) => div(1, b), (_a, b, y) => neg(div(y, b))],
  domains: [{}, { avoid: [0] }],
});
