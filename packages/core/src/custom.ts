// Custom differentiation rules for composite functions (customVjp, customJvp) and rematerialisation (checkpoint).

import * as t from 'io-ts';
import { right } from 'fp-ts/lib/Either.js';
import { ChainruleError } from './errors.js';
import { applyOp, defineOp, type Op } from './op.js';
import { flatten, unflatten, treeKey, treePaths, type TreeDef } from './pytree.js';
import { shapesEqual, avalText } from './shape.js';
import { Tensor, zeros, type Aval } from './tensor.js';
import { innermostTrace } from './trace.js';
import { abstract, trace, traceCall, toTensor, vjp, jvp } from './transforms.js';
import type { Graph, Node } from './graph.js';
import { batchCall } from './vmap.js';
import { sum } from './ops/reduce.js';

/**
 * A composite function with its own rules, over a flat list of tensor inputs: the forward
 * function, and how cotangents flow back (`vjp`) and tangents forward (`jvp`).
 */
interface CustomRules {
  /** Names the rule in errors: 'customVjp(log1pexp)'. */
  readonly name: string;
  readonly f: (inputs: readonly Tensor[]) => unknown;
  /** One cotangent per input (null: none) from a cotangent pytree shaped like f's output. */
  readonly vjp: (inputs: readonly Tensor[], cotangent: unknown) => readonly (Tensor | null)[];
  /** The output tangent pytree from one tangent per input (null: zero); absent: no forward mode. */
  readonly jvp?: (inputs: readonly Tensor[], tangents: readonly (Tensor | null)[]) => unknown;
}

/** One call of a custom function: its rules and the structure of its output. */
interface CustomCall extends CustomRules {
  readonly outDef: TreeDef;
  readonly outAvals: readonly Aval[];
}

/** Attrs of a custom node: which output leaf it stands for, and the call it belongs to. */
interface CustomAttrs {
  readonly index: number;
  readonly call: CustomCall;
}

const leafOf = (tree: unknown, index: number, where: string): Tensor => toTensor(flatten(tree)[0][index], where);

/**
 * One output leaf of a custom function, as one node: its forward runs the function, its VJP
 * and JVP are the custom rules, its batch rule batches the function and its rules together
 * (so the rules survive vmap). Its attrs hold functions, so a graph with it does not serialise.
 */
const customCall: Op<CustomAttrs> = defineOp({
  name: 'core.custom',
  kind: 'opaque',
  attrs: t.type({ index: t.number, call: t.unknown }) as unknown as t.Type<CustomAttrs, unknown, unknown>,
  arity: 'variadic',
  infer: (_, { index, call }) => right(call.outAvals[index]),
  forward: (inputs, { index, call }) => {
    const data = leafOf(call.f(inputs), index, call.name).data;
    // The function may return an input as it is: outputs never share an input's buffer.
    return inputs.some((x) => x.data.buffer === data.buffer) ? data.slice() : data;
  },
  vjp: ({ inputs, cotangent, attrs: { index, call } }) => {
    const ct = unflatten(call.outDef, call.outAvals.map((a, k) => (k === index ? cotangent : zeros(a.shape, a.dtype))));
    return call.vjp(inputs, ct);
  },
  jvp: ({ inputs, tangents, attrs: { index, call } }) => {
    if (call.jvp === undefined) {
      throw new ChainruleError('MissingRule', `${call.name} defines reverse mode only, as in JAX; forward mode (jvp, jacfwd) needs a customJvp`, { op: call.name });
    }
    return leafOf(call.jvp(inputs, tangents), index, `${call.name} tangent`);
  },
  batch: ({ inputs, batched, size, attrs: { index, call } }) => {
    const n = inputs.length;
    const { vjp: rule, jvp: tangentRule } = call;
    const batchedRules: CustomRules = {
      name: call.name,
      f: (xs) => batchCall((...ys: Tensor[]) => call.f(ys), xs, batched, size),
      // The cotangent has the batch on every leaf; an unbatched input's cotangent sums its examples' shares.
      vjp: (xs, ct) => {
        const [ctLeaves, ctDef] = flatten(ct);
        const cts = batchCall((...ys: Tensor[]) => rule(ys.slice(0, n), unflatten(ctDef, ys.slice(n))), [...xs, ...ctLeaves], [...batched, ...ctLeaves.map(() => true)], size) as readonly (Tensor | null)[];
        return cts.map((c, k) => (c === null || c === undefined ? null : batched[k] ? c : sum(c, { axis: 0 })));
      },
      ...(tangentRule === undefined
        ? {}
        : {
            jvp: (xs: readonly Tensor[], ts: readonly (Tensor | null)[]) => {
              const present = ts.flatMap((tx, k) => (tx === null ? [] : [k]));
              const g = (...ys: Tensor[]): unknown => tangentRule(ys.slice(0, n), ts.map((tx, k) => (tx === null ? null : ys[n + present.indexOf(k)])));
              return batchCall(g, [...xs, ...present.map((k) => ts[k]!)], [...batched, ...present.map((k) => batched[k])], size);
            },
          }),
    };
    return leafOf(callCustom(batchedRules, inputs), index, call.name);
  },
});

/**
 * @internal The graph a custom node's forward runs (its function traced at its inputs'
 * shapes), or undefined for other nodes: what memory accounting looks inside.
 */
export const customForwardGraph = (node: Node, inputs: readonly Aval[]): Graph | undefined => {
  if (node.op !== customCall) return undefined;
  const { call } = node.attrs as CustomAttrs;
  return trace((...xs: Tensor[]) => call.f(xs), ...inputs.map((x) => abstract(x.shape, x.dtype)));
};

/** Calls a custom function: plainly on concrete inputs, else as one node per output leaf. */
const callCustom = (rules: CustomRules, inputs: readonly Tensor[]): unknown => {
  if (innermostTrace(inputs) === undefined) return rules.f(inputs);
  const shape = traceCall((...xs: Tensor[]) => rules.f(xs), inputs.map((x) => abstract(x.shape, x.dtype)), rules.name);
  const call: CustomCall = { ...rules, outDef: shape.outDef, outAvals: shape.outIds.map((id) => shape.trace.nodes[id]) };
  return unflatten(call.outDef, call.outAvals.map((_, index) => applyOp(customCall, inputs, { index, call })));
};

/** The tensor inputs of a call's arguments, and how to rebuild the arguments from them. */
interface SplitArgs {
  readonly inputs: Tensor[];
  /** The argument each input belongs to. */
  readonly argOf: number[];
  readonly defs: TreeDef[];
  readonly rebuild: (xs: readonly (Tensor | null)[]) => unknown[];
}

/** Non-differentiable arguments keep their plain numbers as they are; every other leaf is a tensor input. */
const splitArgs = (args: readonly unknown[], nondiff: ReadonlySet<number>, where: string): SplitArgs => {
  const inputs: Tensor[] = [], argOf: number[] = [], defs: TreeDef[] = [];
  // Each leaf is an input index, or a plain number kept as it is (-1).
  const slots = args.map((arg, a) => {
    const [leaves, def] = flatten(arg);
    defs.push(def);
    return leaves.map((leaf) => {
      if (nondiff.has(a) && typeof leaf === 'number') return { input: -1, value: leaf };
      inputs.push(toTensor(leaf, where));
      argOf.push(a);
      return { input: inputs.length - 1, value: leaf };
    });
  });
  const rebuild = (xs: readonly (Tensor | null)[]): unknown[] =>
    slots.map((s, a) => unflatten(defs[a], s.map((slot) => (slot.input >= 0 ? xs[slot.input] : slot.value))));
  return { inputs, argOf, defs, rebuild };
};

/** Options of {@link customVjp} and {@link customJvp}. */
export interface CustomOptions {
  /** Arguments that get no derivative (flags, sizes, indices); their plain numbers stay numbers. */
  readonly nondiffArgnums?: readonly number[];
  /** The name used in errors (default: the function's name). */
  readonly name?: string;
}

const nameOf = (kind: string, f: (...args: any[]) => unknown, options: CustomOptions): string => `${kind}(${options.name ?? (f.name || 'anonymous')})`;

const nondiffSet = (options: CustomOptions, name: string): Set<number> => {
  const nums = options.nondiffArgnums ?? [];
  for (const a of nums) if (!Number.isInteger(a) || a < 0) throw new ChainruleError('BadArgument', `${name}: nondiffArgnums holds ${a}, not an argument index`);
  return new Set(nums);
};

/** Checks a rule's per-argument cotangents (null: zero) against the arguments and spreads them over the inputs. */
const cotangentsPerInput = (name: string, what: string, perArg: unknown, diffArgs: readonly number[], split: SplitArgs): (Tensor | null)[] => {
  if (!Array.isArray(perArg) || perArg.length !== diffArgs.length) {
    throw new ChainruleError('BadRule', `${name}: ${what} returned ${Array.isArray(perArg) ? perArg.length : typeof perArg} cotangents for ${diffArgs.length} differentiable argument${diffArgs.length === 1 ? '' : 's'}`, { op: name });
  }
  const out = split.inputs.map((): Tensor | null => null);
  diffArgs.forEach((a, j) => {
    const tree = perArg[j];
    if (tree === null || tree === undefined) return;
    const [leaves, def] = flatten(tree);
    if (treeKey(def) !== treeKey(split.defs[a])) {
      throw new ChainruleError('BadRule', `${name}: ${what}'s cotangent ${j} does not have the structure of argument ${a}`, { op: name });
    }
    const mine = split.inputs.flatMap((x, i) => (split.argOf[i] === a ? [i] : []));
    const paths = treePaths(def, `argument ${a}`);
    leaves.forEach((g, k) => {
      const x = split.inputs[mine[k]];
      if (!(g instanceof Tensor) || !shapesEqual(g.shape, x.shape) || g.dtype !== x.dtype) {
        throw new ChainruleError('BadRule', `${name}: ${what} gave ${g instanceof Tensor ? avalText(g) : typeof g} for ${paths[k]}, which is ${avalText(x)}`, { op: name });
      }
      out[mine[k]] = g;
    });
  });
  return out;
};

/**
 * A function with a custom reverse-mode rule, with JAX's `custom_vjp` semantics:
 * `fwd(...args)` returns `[output, residuals]` (anything bwd needs), and
 * `bwd(residuals, cotangent)` returns one cotangent per differentiable argument (a pytree
 * shaped like it, or null for zero). Called plainly, it is `f`. Under `grad` the rules replace
 * differentiating `f`; they work under `jit`, `vmap` (the rules are batched with it) and,
 * when `fwd` and `bwd` are built from differentiable ops, `grad(grad(…))`. A wrong number of
 * cotangents or a wrong shape is a ChainruleError naming the function.
 *
 * @example
 * // log(1 + eˣ) without overflow, with the gradient σ(x) computed stably
 * const log1pexp = customVjp(
 *   (x) => softplus(x),
 *   (x) => [softplus(x), x],
 *   (x, g) => [mul(g, sigmoid(x))],
 * )
 * grad((x) => sum(log1pexp(x)))(tensor([1000])) // [1]
 */
export const customVjp = <F extends (...args: any[]) => any, R>(
  f: F,
  fwd: (...args: Parameters<F>) => readonly [ReturnType<F>, R],
  bwd: (residuals: R, cotangent: ReturnType<F>) => readonly unknown[],
  options: CustomOptions = {},
): ((...args: Parameters<F>) => ReturnType<F>) => {
  const name = nameOf('customVjp', f, options);
  const nondiff = nondiffSet(options, name);
  return (...args: Parameters<F>): ReturnType<F> => {
    const split = splitArgs(args, nondiff, name);
    const diffArgs = args.map((_, a) => a).filter((a) => !nondiff.has(a));
    return callCustom(
      {
        name,
        f: (xs) => f(...split.rebuild(xs)),
        vjp: (xs, ct) => {
          const r = fwd(...(split.rebuild(xs) as Parameters<F>));
          if (!Array.isArray(r) || r.length !== 2) throw new ChainruleError('BadRule', `${name}: fwd must return [output, residuals]`, { op: name });
          return cotangentsPerInput(name, 'bwd', bwd(r[1], ct as ReturnType<F>), diffArgs, split);
        },
      },
      split.inputs,
    ) as ReturnType<F>;
  };
};

/**
 * A function with a custom forward-mode rule, with JAX's `custom_jvp` semantics:
 * `jvpRule(primals, tangents)` returns `[output, outputTangent]`, the tangent linear in the
 * tangents (one per argument, pytrees shaped like them; zeros where nothing varies, null for
 * a non-differentiable argument). Reverse mode comes from the same rule, transposed (the VJP
 * of the linear map tangents ↦ outputTangent), so one rule serves `jvp`, `grad`, `jacfwd`,
 * `jacrev` and, when it is built from differentiable ops, higher orders.
 *
 * @example
 * // a straight-through estimator: rounds going forward, passes derivatives through unchanged
 * const roundSte = customJvp((x) => round(x), ([x], [tx]) => [round(x), tx])
 * grad((x) => sum(roundSte(x)))(tensor([0.3, 1.7])) // [1, 1]
 */
export const customJvp = <F extends (...args: any[]) => any>(
  f: F,
  jvpRule: (primals: Parameters<F>, tangents: Parameters<F>) => readonly [ReturnType<F>, ReturnType<F>],
  options: CustomOptions = {},
): ((...args: Parameters<F>) => ReturnType<F>) => {
  const name = nameOf('customJvp', f, options);
  const nondiff = nondiffSet(options, name);
  return (...args: Parameters<F>): ReturnType<F> => {
    const split = splitArgs(args, nondiff, name);
    const tangentOut = (xs: readonly Tensor[], ts: readonly (Tensor | null)[]): unknown => {
      const filled = ts.map((tx, i) => tx ?? zeros(xs[i].shape, xs[i].dtype));
      const tangents = split.rebuild(filled).map((tree, a) => (nondiff.has(a) ? null : tree));
      // A non-differentiable argument's tangent is null (the only entry that is not the argument's type).
      const r = jvpRule(split.rebuild(xs) as Parameters<F>, tangents as Parameters<F>);
      if (!Array.isArray(r) || r.length !== 2) throw new ChainruleError('BadRule', `${name}: the rule must return [output, outputTangent]`, { op: name });
      const [outLeaves, outDef] = flatten(r[0]), [tanLeaves, tanDef] = flatten(r[1]);
      if (treeKey(tanDef) !== treeKey(outDef)) throw new ChainruleError('BadRule', `${name}: the output tangent does not have the output's structure`, { op: name });
      const paths = treePaths(outDef, 'output');
      tanLeaves.forEach((tx, k) => {
        const y = toTensor(outLeaves[k], name);
        if (!(tx instanceof Tensor) || !shapesEqual(tx.shape, y.shape) || tx.dtype !== y.dtype) {
          throw new ChainruleError('BadRule', `${name}: the rule gave a tangent of ${tx instanceof Tensor ? avalText(tx) : typeof tx} for ${paths[k]}, which is ${avalText(y)}`, { op: name });
        }
      });
      return r[1];
    };
    return callCustom(
      {
        name,
        f: (xs) => f(...split.rebuild(xs)),
        jvp: tangentOut,
        // ⟨ct, J·t⟩ = ⟨Jᵀ·ct, t⟩: the VJP of the (linear) tangent map, at zero tangents.
        vjp: (xs, ct) => {
          const [, pullback] = vjp((...ts: Tensor[]) => tangentOut(xs, ts), ...xs.map((x) => zeros(x.shape, x.dtype)));
          const cts = pullback(ct) as Tensor[];
          return cts.map((c, i) => (nondiff.has(split.argOf[i]) ? null : c));
        },
      },
      split.inputs,
    ) as ReturnType<F>;
  };
};

/**
 * Rematerialisation (JAX's `checkpoint` / `remat`): `checkpoint(f)` computes the same values
 * and derivatives as `f`, but the backward pass recomputes `f`'s forward from its inputs
 * instead of keeping `f`'s intermediates alive from the forward pass. Wrapping each block of a
 * deep network trades one extra forward per block for holding only the blocks' inputs.
 *
 * @example
 * const block = checkpoint((h, p) => tanh(add(matmul(h, p.w), p.b)))
 * grad((p, x) => sum(block(block(x, p), p)))(params, x) // same gradient, less held memory
 */
export const checkpoint = <F extends (...args: any[]) => any>(f: F, options: Pick<CustomOptions, 'name'> = {}): ((...args: Parameters<F>) => ReturnType<F>) => {
  const name = nameOf('checkpoint', f, options);
  return (...args: Parameters<F>): ReturnType<F> => {
    const split = splitArgs(args, new Set(), name);
    const g = (...xs: Tensor[]): unknown => f(...split.rebuild(xs));
    return callCustom(
      {
        name,
        f: (xs) => g(...xs),
        // Traced when the backward pass reaches this call: the forward is recorded again there.
        vjp: (xs, ct) => vjp(g, ...xs)[1](ct) as Tensor[],
        jvp: (xs, ts) => jvp(g, [...xs], ts.map((tx, i) => tx ?? zeros(xs[i].shape, xs[i].dtype)))[1],
      },
      split.inputs,
    ) as ReturnType<F>;
  };
};
