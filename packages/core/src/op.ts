// Op plugins: defineOp turns one declaration (attrs, infer, forward, vjp, jvp) into a callable op.

import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { isLeft, right, left } from 'fp-ts/lib/Either.js';
import { ChainruleError, type ShapeError } from './errors.js';
import { shapeProblem } from './limits.js';
import { attrKeys, unknownAttrProblem } from './attr-keys.js';
import { Tensor, type Aval, type DType, type FloatArray, allocate } from './tensor.js';
import { innermostTrace } from './trace.js';
import { formatErrors } from './codec.js';
import { sizeOf, shapeText } from './shape.js';
import { tensorFromJson } from './codec.js';
import { getBackend, runKernel, type Kernel } from './backend.js';
import type { Conformance } from './cases.js';
import { checkFinite, debugNans } from './debug-nans.js';

/** A tensor, or a plain number that becomes a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number;

/** Where an input of an op is differentiable; random tests draw values inside it. */
export interface Domain {
  /** Smallest allowed value (exclusive of non-differentiable points near it). */
  readonly min?: number;
  readonly max?: number;
  /** Points (kinks, poles) that values must stay away from. */
  readonly avoid?: readonly number[];
}

/** What a VJP rule receives. All tensors are symbolic when the rule runs. */
export interface VjpArgs<A> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly cotangent: Tensor;
  readonly attrs: A;
}

/** What a JVP rule receives; a null tangent is a symbolic zero. */
export interface JvpArgs<A> {
  readonly inputs: readonly Tensor[];
  readonly tangents: readonly (Tensor | null)[];
  readonly output: Tensor;
  readonly attrs: A;
}

/**
 * What a batch rule receives (see {@link OpSpec.batch}). Batched inputs carry the batch on
 * axis 0; the others are as one example sees them. All tensors may be symbolic.
 */
export interface BatchArgs<A> {
  readonly inputs: readonly Tensor[];
  /** Which inputs carry the batch (at least one does). */
  readonly batched: readonly boolean[];
  /** The batch size. */
  readonly size: number;
  readonly attrs: A;
  /** The output of one example, as the op infers it. */
  readonly output: Aval;
}

/**
 * What an op does to its inputs' elements, as data: compilers fuse and batching rules are
 * derived from it. `elementwise`: each output element from the same-index elements of
 * same-shaped inputs; `broadcast`: elementwise after NumPy broadcasting; `reduce`: combines
 * elements along axes; `movement`: moves or copies elements without arithmetic (reshape,
 * transpose, slice, pad); `contraction`: sums of products (matmul, conv); `opaque`: anything
 * else (the default for third-party ops).
 */
export type OpKind = 'elementwise' | 'broadcast' | 'reduce' | 'movement' | 'contraction' | 'opaque';

/** The op kinds, for validation and tests. */
export const opKinds: readonly OpKind[] = ['elementwise', 'broadcast', 'reduce', 'movement', 'contraction', 'opaque'];

/** The scalar function behind an elementwise op: one number per input, then the attrs. */
export type ScalarFn<A> = ((x: number, attrs: A) => number) | ((a: number, b: number, attrs: A) => number);

/** The declaration of an op, as given to {@link defineOp}. */
export interface OpSpec<A> {
  /** Unique, namespaced name: 'core.add', 'myorg.swish'. */
  readonly name: string;
  /** io-ts codec for the attrs; checked every time a node is made. */
  readonly attrs: t.Type<A, any, unknown>;
  /** Number of tensor inputs, or 'variadic' for one or more. */
  readonly arity: number | 'variadic';
  /** Output shape and dtype from the inputs', or a Left that says what does not fit. */
  readonly infer: (inputs: readonly Aval[], attrs: A) => Either<ShapeError, Aval>;
  /**
   * The reference kernel: concrete inputs in, a fresh typed array of the output's size and
   * dtype out. It runs wherever the active backend has no kernel of its own for this op.
   */
  readonly forward: (inputs: readonly Tensor[], attrs: A, output: Aval) => FloatArray;
  /** What the op does to elements (see {@link OpKind}); undeclared means `opaque`. */
  readonly kind?: OpKind;
  /**
   * Whether `forward` may return an input's own buffer (reshape, squeeze). No other forward
   * may: an output is a fresh array, so nothing written later can reach an input.
   */
  readonly aliases?: boolean;
  /** Kernels this plugin brings for named backends (`{ js: …, wasm: … }`), writing into `out`. */
  readonly kernels?: Readonly<Record<string, Kernel<A>>>;
  /** The inputs and attrs the conformance kit and cross-backend checks draw from. */
  readonly conformance?: Conformance | readonly Conformance[];
  /**
   * The scalar function of an elementwise op (`(x, attrs)` for one input, `(a, b, attrs)` for
   * two), set by the unaryOp / binaryOp helpers: a compiler fuses chains of such ops into one loop.
   */
  readonly scalar?: ScalarFn<A>;
  /** One cotangent per input (null: no gradient flows there), built from ops. */
  readonly vjp: (args: VjpArgs<A>) => readonly (Tensor | null)[];
  /** Optional forward-mode rule: the output tangent from the input tangents, built from ops. */
  readonly jvp?: (args: JvpArgs<A>) => Tensor | null;
  /**
   * Optional batching rule for `vmap`: the output for the whole batch (batch on axis 0), built
   * from ops. Elementwise, broadcast and reduce ops get one derived from their kind; any other
   * op without one is batched by a loop over the examples (with a warning).
   */
  readonly batch?: (args: BatchArgs<A>) => Tensor;
  /** Per-input domains where the op is differentiable (for random tests). */
  readonly domains?: readonly Domain[];
  /** Whether the op is smooth enough for second-order checks (default true). */
  readonly smooth?: boolean;
  /** Whether the op has a gradient at all (default true; comparisons and argmax do not). */
  readonly differentiable?: boolean;
}

/** Call signature of an op: tensors positionally, one attrs object last. */
export interface OpCall<A> {
  (...inputs: TensorLike[]): Tensor;
  (...args: [...TensorLike[], Partial<A>]): Tensor;
}

const opMarker: unique symbol = Symbol('chainrule.op');

/** An op plugin: its declaration plus a call that runs eagerly or records while tracing. */
export type Op<A = unknown> = OpCall<A> & OpSpec<A> & { readonly [opMarker]: true };

/**
 * An op's kind: what it declares, else `opaque`.
 *
 * @example
 * opKind(add) // 'broadcast'
 */
export const opKind = (op: OpSpec<any>): OpKind => op.kind ?? 'opaque';

const isAttrsObject = (x: unknown): boolean => typeof x === 'object' && x !== null && !(x instanceof Tensor);

/**
 * Applies an op to inputs and already decoded attrs: eager on concrete tensors, recording
 * into the innermost trace otherwise.
 * @internal
 */
export const applyOp = <A>(op: Op<A>, inputs: readonly Tensor[], attrs: A, rawAttrs: unknown = attrs): Tensor => {
  const inferred = op.infer(inputs, attrs);
  if (isLeft(inferred)) {
    throw new ChainruleError(inferred.left._tag, inferred.left.message, {
      op: op.name,
      shapes: inputs.map((x) => x.shape),
      attrs: rawAttrs,
    });
  }
  const out = inferred.right;
  const tooBig = shapeProblem(out.shape);
  if (tooBig !== undefined) throw new ChainruleError(tooBig.tooLarge ? 'TooLarge' : 'BadRule', `output ${tooBig.message}`, { op: op.name, shapes: inputs.map((x) => x.shape), attrs: rawAttrs });
  const trace = innermostTrace(inputs);
  if (trace === undefined) {
    const data = runKernel(op, inputs, attrs, out, getBackend());
    if (debugNans()) checkFinite(data, { op: op.name, inputs, attrs: rawAttrs });
    if (data.length !== sizeOf(out.shape) || (data instanceof Float64Array) !== (out.dtype === 'float64')) {
      throw new ChainruleError('BadRule', `forward returned ${data.length} ${data.constructor.name} values for an output of ${out.dtype}${shapeText(out.shape)}`, {
        op: op.name,
        shapes: inputs.map((x) => x.shape),
        attrs: rawAttrs,
      });
    }
    return new Tensor(out.dtype, out.shape, data);
  }
  const ids = inputs.map((x) => trace.lift(x, constant));
  return trace.push(op, ids, attrs, out);
};

const scalarOf = (value: number, dtype: DType): Tensor => {
  const data = allocate(dtype, 1);
  data[0] = value;
  return new Tensor(dtype, [], data);
};

const callOp = <A>(op: Op<A>, args: readonly unknown[], known: readonly string[] | undefined): Tensor => {
  let n = args.length;
  let rawAttrs: unknown = {};
  if (n > 0 && isAttrsObject(args[n - 1])) {
    rawAttrs = args[n - 1];
    n--;
  }
  if (op.arity === 'variadic' ? n < 1 : n !== op.arity) {
    throw new ChainruleError('BadArity', `expected ${op.arity === 'variadic' ? 'one or more' : op.arity} tensor inputs, got ${n}`, { op: op.name });
  }
  const unknownKey = unknownAttrProblem(known, rawAttrs);
  if (unknownKey !== undefined) throw new ChainruleError('BadAttrs', unknownKey, { op: op.name, attrs: rawAttrs });
  const decoded = op.attrs.decode(rawAttrs);
  if (isLeft(decoded)) {
    const shapes = args.slice(0, n).map((a) => (a instanceof Tensor ? a.shape : []));
    throw new ChainruleError('BadAttrs', formatErrors(decoded.left), { op: op.name, shapes, attrs: rawAttrs });
  }
  let dtype: DType | undefined;
  for (let i = 0; i < n; i++) {
    const a = args[i];
    if (a instanceof Tensor) {
      dtype ??= a.dtype;
    } else if (typeof a !== 'number') {
      throw new ChainruleError('BadArgument', `input ${i} must be a Tensor or a number, got ${a === null ? 'null' : typeof a}`, { op: op.name });
    }
  }
  const inputs = new Array<Tensor>(n);
  for (let i = 0; i < n; i++) {
    const a = args[i];
    inputs[i] = a instanceof Tensor ? a : scalarOf(a as number, dtype ?? 'float32');
  }
  return applyOp(op, inputs, decoded.right, rawAttrs);
};

/**
 * Declares an op plugin. The result is callable — eager on concrete tensors, recording a
 * node while tracing — and carries its declaration (name, attrs, infer, forward, vjp, jvp).
 *
 * @example
 * // swish(x) = x·σ(x)
 * const swish = defineOp({
 *   name: 'myorg.swish',
 *   attrs: t.type({}),
 *   arity: 1,
 *   infer: ([x]) => right(x),
 *   forward: ([x]) => x.data.map((v) => v / (1 + Math.exp(-v))),
 *   // d swish = σ(x)·(1 + x·(1 − σ(x)))
 *   vjp: ({ inputs: [x], cotangent }) => {
 *     const s = sigmoid(x)
 *     return [mul(cotangent, mul(s, add(1, mul(x, sub(1, s)))))]
 *   },
 * })
 * swish(tensor([1, 2]))
 */
export const defineOp = <A>(spec: OpSpec<A>): Op<A> => {
  if (typeof spec.name !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(spec.name)) {
    throw new ChainruleError('BadArgument', `defineOp: name must be namespaced like 'myorg.swish', got ${JSON.stringify(spec.name)}`);
  }
  if (!(spec.attrs instanceof t.Type)) throw new ChainruleError('BadArgument', `defineOp(${spec.name}): attrs must be an io-ts codec`);
  if (!(spec.arity === 'variadic' || (Number.isInteger(spec.arity) && spec.arity >= 0))) {
    throw new ChainruleError('BadArgument', `defineOp(${spec.name}): arity must be a non-negative integer or 'variadic'`);
  }
  for (const k of ['infer', 'forward', 'vjp'] as const) {
    if (typeof spec[k] !== 'function') throw new ChainruleError('BadArgument', `defineOp(${spec.name}): ${k} must be a function`);
  }
  if (spec.jvp !== undefined && typeof spec.jvp !== 'function') {
    throw new ChainruleError('BadArgument', `defineOp(${spec.name}): jvp must be a function when given`);
  }
  if (spec.batch !== undefined && typeof spec.batch !== 'function') {
    throw new ChainruleError('BadArgument', `defineOp(${spec.name}): batch must be a function when given`);
  }
  if (spec.kind !== undefined && !opKinds.includes(spec.kind)) {
    throw new ChainruleError('BadArgument', `defineOp(${spec.name}): kind must be one of ${opKinds.join(', ')}, got ${JSON.stringify(spec.kind)}`);
  }
  if (spec.kernels !== undefined) {
    if (typeof spec.kernels !== 'object' || spec.kernels === null) throw new ChainruleError('BadArgument', `defineOp(${spec.name}): kernels must be an object of backend name → kernel`);
    for (const [b, k] of Object.entries(spec.kernels)) {
      if (typeof k !== 'function') throw new ChainruleError('BadArgument', `defineOp(${spec.name}): kernels.${b} must be a function`);
    }
  }
  const known = attrKeys(spec.attrs);
  const call = ((...args: unknown[]) => callOp(op, args, known)) as unknown as Op<A>;
  const { name, ...rest } = spec;
  Object.defineProperty(call, 'name', { value: name });
  Object.assign(call, rest, { [opMarker]: true });
  const op = Object.freeze(call);
  return op;
};

/**
 * Whether a value is an op made by {@link defineOp}.
 *
 * @example
 * isOp(add) // true
 */
export const isOp = (x: unknown): x is Op<unknown> => typeof x === 'function' && (x as { [opMarker]?: unknown })[opMarker] === true;

/**
 * A VJP rule for ops with no gradient (comparisons, argmax): every input gets none.
 *
 * @example
 * defineOp({ ..., vjp: noGradient, differentiable: false })
 */
export const noGradient = ({ inputs }: VjpArgs<unknown>): readonly null[] => inputs.map(() => null);

/** Graph input placeholder: fed by the caller when a graph runs. */
export const input: Op<{}> = defineOp({
  name: 'core.input',
  kind: 'opaque',
  attrs: t.type({}),
  arity: 0,
  infer: () => left({ _tag: 'BadAttrs', message: 'graph inputs are made by tracing, not called' }),
  forward: () => {
    throw new ChainruleError('BadArgument', 'a graph input was not fed', { op: 'core.input' });
  },
  vjp: () => [],
});

/**
 * A constant captured while tracing: a tensor from outside the traced function.
 *
 * @example
 * constant({ value: tensor([1, 2]) }) // a node-free constant when called eagerly
 */
export const constant: Op<{ value: Tensor }> = defineOp({
  name: 'core.constant',
  kind: 'opaque',
  attrs: t.type({ value: tensorFromJson }),
  arity: 0,
  infer: (_, { value }) => right({ shape: value.shape, dtype: value.dtype }),
  forward: (_, { value }) => value.data,
  vjp: () => [],
});
