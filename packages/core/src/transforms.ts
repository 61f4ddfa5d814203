// The functional transforms: trace, grad, valueAndGrad, vjp, jvp and jit.

import { ChainruleError } from './errors.js';
import { freezeTrace, type Graph } from './graph.js';
import { evaluate, getExecutor, type Executor } from './interpreter.js';
import { getBackend, withBackend, type Backend } from './backend.js';
import { constant, input } from './op.js';
import { flatten, unflatten, treeKey, type TreeDef } from './pytree.js';
import { Tensor, allocate, type Aval, type DType } from './tensor.js';
import { Trace } from './trace.js';
import { sizeOf, shapeText } from './shape.js';
import { backwardPass, forwardPass } from './autodiff.js';

/**
 * A shape-only tensor: a stand-in for an argument when tracing a function without data.
 *
 * @example
 * trace((x) => exp(x), abstract([2, 3], 'float64'))
 */
export const abstract = (shape: readonly number[], dtype: DType = 'float32'): Tensor => new Tensor(dtype, shape, undefined);

/** @internal A tensor leaf: a tensor as it is, a number as a float32 scalar. */
export const toTensor = (x: unknown, where: string): Tensor => {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') {
    const d = allocate('float32', 1);
    d[0] = x;
    return new Tensor('float32', [], d);
  }
  throw new ChainruleError('BadArgument', `${where}: expected a Tensor, got ${typeof x}`);
};

/** A concrete zero tensor of an aval: the value of a derivative that nothing reached. */
const zerosOf = (aval: Aval): Tensor => new Tensor(aval.dtype, aval.shape, allocate(aval.dtype, sizeOf(aval.shape)));

/** @internal What {@link traceCall} records. */
export interface Traced {
  readonly trace: Trace;
  readonly inIds: number[];
  readonly inDef: TreeDef;
  readonly outIds: number[];
  readonly outDef: TreeDef;
  readonly leaves: Tensor[];
}

/** @internal Runs `f` on fresh tracers standing for `args` and records what it does. */
export const traceCall = (f: (...args: any[]) => unknown, args: readonly unknown[], where: string): Traced => {
  const [rawLeaves, inDef] = flatten(args);
  const leaves = rawLeaves.map((x) => toTensor(x, where));
  const trace = new Trace();
  const tracers = leaves.map((x) => trace.input(x, input));
  const out = f(...unflatten<unknown[]>(inDef, tracers));
  const [outLeaves, outDef] = flatten(out);
  const outIds = outLeaves.map((x) => trace.lift(toTensor(x, `${where} (result)`), constant));
  return { trace, inIds: tracers.map((x) => x._id), inDef, outIds, outDef, leaves };
};

/**
 * Traces a function into an immutable {@link Graph}. Arguments are pytrees of example
 * tensors or {@link abstract} shape-only stand-ins.
 *
 * @example
 * const g = trace((x, w) => matmul(x, w), abstract([4, 3]), abstract([3, 2]))
 * g.nodes.length // 3
 */
export const trace = (f: (...args: any[]) => unknown, ...specs: readonly unknown[]): Graph => {
  const t = traceCall(f, specs, 'trace');
  return freezeTrace(t.trace, t.inIds, t.outIds);
};

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions {
  /** Which argument(s) to differentiate with respect to (default 0). */
  readonly argnums?: number | readonly number[];
  /** Whether `f` returns `[value, aux]`; aux is passed through, not differentiated. */
  readonly hasAux?: boolean;
  /** Check every op's output, forward and backward, for NaN and infinities (see {@link setDebugNans}). */
  readonly debugNans?: boolean;
}

/** Leaf index ranges of each top-level argument. */
const argRanges = (args: readonly unknown[]): [number, number][] => {
  const ranges: [number, number][] = [];
  let k = 0;
  for (const a of args) {
    const n = flatten(a)[0].length;
    ranges.push([k, k + n]);
    k += n;
  }
  return ranges;
};

const valueAndGradImpl = (f: (...args: any[]) => unknown, options: GradOptions, args: readonly unknown[]): [unknown, unknown] => {
  const argnums = options.argnums ?? 0;
  const nums = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const a of nums) {
    if (!Number.isInteger(a) || a < 0 || a >= args.length) {
      throw new ChainruleError('BadArgument', `grad: argnums ${a} is out of range for ${args.length} arguments`);
    }
  }
  const t = traceCall(f, args, 'grad');
  const valueDef = options.hasAux === true ? valueOfAux(t.outDef) : t.outDef;
  const valueId = t.outIds[0];
  if (valueDef.kind !== 'leaf') throw new ChainruleError('BadArgument', 'grad: the function must return a single tensor (or [tensor, aux] with hasAux)');
  const valueNode = t.trace.nodes[valueId];
  if (sizeOf(valueNode.shape) !== 1) {
    throw new ChainruleError('BadArgument', `grad: the function must return a scalar, got shape ${shapeText(valueNode.shape)}; reduce it (sum, mean) or use vjp`);
  }
  const seed = allocate(valueNode.dtype, 1);
  seed[0] = 1;
  const ranges = argRanges(args);
  const wrt = nums.flatMap((a) => t.inIds.slice(ranges[a][0], ranges[a][1]));
  const cts = backwardPass(t.trace, [valueId], [new Tensor(valueNode.dtype, valueNode.shape, seed)], wrt);
  const gradIds = cts.map((g, k) => {
    const aval = t.trace.nodes[wrt[k]];
    return t.trace.lift(g ?? zerosOf(aval), constant);
  });
  const graph = freezeTrace(t.trace, t.inIds, [...t.outIds, ...gradIds]);
  const results = evaluate(graph, t.leaves, options.debugNans === undefined ? {} : { debugNans: options.debugNans });
  const outs = results.slice(0, t.outIds.length);
  const grads = results.slice(t.outIds.length);
  const value = unflatten(t.outDef, outs);
  let k = 0;
  const perArg = nums.map((a) => {
    const [, argDef] = flatten(args[a]);
    const n = ranges[a][1] - ranges[a][0];
    const tree = unflatten(argDef, grads.slice(k, k + n));
    k += n;
    return tree;
  });
  return [value, typeof argnums === 'number' ? perArg[0] : perArg];
};

/** The structure of the value in a `[value, aux]` result. */
const valueOfAux = (def: TreeDef): TreeDef => {
  if (def.kind !== 'array' || def.children.length !== 2) {
    throw new ChainruleError('BadArgument', 'grad with hasAux: the function must return [value, aux]');
  }
  return def.children[0];
};

/**
 * `valueAndGrad(f)` returns a function giving both `f(...args)` and its gradient with
 * respect to the argument(s) named by `argnums` (default the first). A pytree argument
 * (a params record) gets a pytree of gradients of the same structure. With `hasAux`,
 * `f` returns `[value, aux]` and the result is `[[value, aux], grads]`.
 *
 * @example
 * const loss = (p, x) => mean(square(sub(matmul(x, p.w), 1)))
 * const [l, g] = valueAndGrad(loss)({ w }, x)  // g.w has w's shape
 */
export const valueAndGrad =
  <F extends (...args: any[]) => unknown>(f: F, options: GradOptions = {}) =>
  (...args: Parameters<F>): [ReturnType<F>, any] =>
    valueAndGradImpl(f, options, args) as [ReturnType<F>, any];

/**
 * `grad(f)` returns a function computing the gradient of the scalar `f` with respect to its
 * first argument (or `argnums`). Reverse mode; the backward pass is itself traced, so
 * `grad(grad(f))` works. With `hasAux` the result is `[grads, aux]`.
 *
 * @example
 * const df = grad((x) => sum(mul(x, x)))
 * df(tensor([1, 2, 3])) // [2, 4, 6]
 * grad(grad((x) => sigmoid(x)))(tensor(0.5)) // σ''(0.5)
 */
export const grad =
  <F extends (...args: any[]) => unknown>(f: F, options: GradOptions = {}) =>
  (...args: Parameters<F>): any => {
    const [value, g] = valueAndGradImpl(f, options, args);
    return options.hasAux === true ? [g, (value as unknown[])[1]] : g;
  };

/**
 * Reverse mode in general form: `vjp(f, ...primals)` returns `[out, pullback]` where
 * `pullback(cotangent)` (a pytree shaped like `out`) returns one cotangent per primal.
 * The forward pass is traced once; each pullback call runs the frozen graph of forward and
 * backward nodes, so it recomputes the forward values the rules need rather than keeping them.
 *
 * @example
 * const [y, pullback] = vjp((x) => mul(x, 3), tensor([1, 2]))
 * pullback(tensor([1, 1])) // [Tensor [3, 3]]
 */
export const vjp = <T = unknown>(f: (...args: any[]) => T, ...primals: readonly unknown[]): [T, (cotangent: unknown) => unknown[]] => {
  const t = traceCall(f, primals, 'vjp');
  const ctTracers = t.outIds.map((id) => t.trace.input(t.trace.nodes[id], input));
  const cts = backwardPass(t.trace, t.outIds, ctTracers, t.inIds);
  const gradIds = cts.map((g, k) => {
    const aval = t.trace.nodes[t.inIds[k]];
    return t.trace.lift(g ?? zerosOf(aval), constant);
  });
  const forward = freezeTrace(t.trace, t.inIds, t.outIds);
  const out = unflatten<T>(t.outDef, evaluate(forward, t.leaves));
  const full = freezeTrace(t.trace, [...t.inIds, ...ctTracers.map((c) => c._id)], gradIds);
  const pullback = (cotangent: unknown): unknown[] => {
    const [ctLeaves, ctDef] = flatten(cotangent);
    if (treeKey(ctDef) !== treeKey(t.outDef)) throw new ChainruleError('BadArgument', 'vjp: the cotangent must have the structure of the output');
    const gradLeaves = evaluate(full, [...t.leaves, ...ctLeaves.map((x) => toTensor(x, 'vjp cotangent'))]);
    const ranges = argRanges(primals);
    return primals.map((p, a) => unflatten(flatten(p)[1], gradLeaves.slice(ranges[a][0], ranges[a][1])));
  };
  return [out, pullback];
};

/**
 * Forward mode: `jvp(f, primals, tangents)` returns `[f(...primals), J·tangents]`, using
 * each op's JVP rule.
 *
 * @example
 * jvp((x) => exp(x), [tensor(0)], [tensor(1)]) // [1, 1]
 */
export const jvp = <T = unknown>(f: (...args: any[]) => T, primals: readonly unknown[], tangents: readonly unknown[]): [T, T] => {
  if (primals.length !== tangents.length) throw new ChainruleError('BadArgument', `jvp: ${primals.length} primals but ${tangents.length} tangents`);
  const t = traceCall(f, primals, 'jvp');
  const [tanLeavesRaw, tanDef] = flatten(tangents);
  if (treeKey(tanDef) !== treeKey(t.inDef)) throw new ChainruleError('BadArgument', 'jvp: tangents must have the structure of the primals');
  const tanLeaves = tanLeavesRaw.map((x) => toTensor(x, 'jvp tangent'));
  const tanTracers = t.inIds.map((id) => t.trace.input(t.trace.nodes[id], input));
  const end = t.trace.nodes.length;
  const tans = forwardPass(t.trace, t.inIds, tanTracers, end);
  const outTanIds = t.outIds.map((id) => {
    const tan = tans.get(id);
    const aval = t.trace.nodes[id];
    return t.trace.lift(tan ?? zerosOf(aval), constant);
  });
  const graph = freezeTrace(t.trace, [...t.inIds, ...tanTracers.map((x) => x._id)], [...t.outIds, ...outTanIds]);
  const res = evaluate(graph, [...t.leaves, ...tanLeaves]);
  return [unflatten<T>(t.outDef, res.slice(0, t.outIds.length)), unflatten<T>(t.outDef, res.slice(t.outIds.length))];
};

/** Options of {@link jit}. */
export interface JitOptions {
  /** What runs the traced graph (default: the process default when the call happens, {@link getExecutor}: the interpreter unless one was installed). */
  readonly executor?: Executor;
  /** Where its kernels run (default: the process default when the call happens). */
  readonly backend?: Backend;
  /** Check every node's output for NaN and infinities (default: the process setting, {@link setDebugNans}). */
  readonly debugNans?: boolean;
}

/** A jitted function, with a look at its cache. */
export interface Jitted<F extends (...args: any[]) => any> {
  (...args: Parameters<F>): ReturnType<F>;
  /** How many times `f` has been traced (once per input signature). */
  readonly traceCount: number;
  /** The graphs traced so far, by signature. */
  readonly graphs: ReadonlyMap<string, Graph>;
}

const signature = (def: TreeDef, leaves: readonly Tensor[]): string =>
  `${treeKey(def)}|${leaves.map((x) => `${x.dtype}[${x.shape.join(',')}]`).join(';')}`;

/**
 * `jit(f)` traces `f` once per input signature (pytree structure, shapes, dtypes), caches
 * the graph and runs it on an executor. Tensors `f` captures from outside are baked into
 * the graph as constants: pass anything that changes between calls as an argument.
 * Inside another transform it simply calls `f`.
 *
 * @example
 * const step = jit((p, x) => valueAndGrad(loss)(p, x))
 * step(params, batch) // traced on the first call, cached after
 */
export const jit = <F extends (...args: any[]) => any>(f: F, options: JitOptions = {}): Jitted<F> => {
  const cache = new Map<string, { run: (feeds: readonly Tensor[]) => Tensor[]; outDef: TreeDef; graph: Graph }>();
  let traceCount = 0;
  const jitted = (...args: Parameters<F>): ReturnType<F> => {
    const [rawLeaves, inDef] = flatten(args);
    const leaves = rawLeaves.map((x) => toTensor(x, 'jit'));
    if (leaves.some((x) => x._trace !== undefined)) return f(...args);
    const backend = options.backend ?? getBackend();
    const executor = options.executor ?? getExecutor();
    const key = `${executor.name}|${backend.name}|${signature(inDef, leaves)}`;
    let entry = cache.get(key);
    if (entry === undefined) {
      // Ops on concrete values while tracing (constants) run on the same backend as the graph.
      const t = withBackend(backend, () => traceCall(f, args, 'jit'));
      traceCount++;
      const graph = freezeTrace(t.trace, t.inIds, t.outIds);
      entry = { run: executor.compile(graph, { backend, ...(options.debugNans === undefined ? {} : { debugNans: options.debugNans }) }), outDef: t.outDef, graph };
      cache.set(key, entry);
    }
    return unflatten<ReturnType<F>>(entry.outDef, entry.run(leaves));
  };
  Object.defineProperty(jitted, 'traceCount', { get: () => traceCount });
  Object.defineProperty(jitted, 'graphs', { get: () => new Map([...cache].map(([k, v]) => [k, v.graph])) });
  return jitted as Jitted<F>;
};

/**
 * The shape and dtype of a value, as tracing sees it.
 *
 * @example
 * avalOf(tensor([1, 2])) // { shape: [2], dtype: 'float32' }
 */
export const avalOf = (x: Tensor): Aval => ({ shape: x.shape, dtype: x.dtype });
