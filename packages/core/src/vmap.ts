// vmap: maps a function over a batch axis by tracing one example and rewriting its graph with batching rules.

import * as t from 'io-ts';
import { right } from 'fp-ts/lib/Either.js';
import { ChainruleError } from './errors.js';
import { freezeTrace, type Graph, type Node } from './graph.js';
import { applyOp, constant, defineOp, input, type BatchArgs, type Op } from './op.js';
import { flatten, treePaths, unflatten, type TreeDef } from './pytree.js';
import { shapesEqual, sizeOf, shapeText } from './shape.js';
import { Tensor, allocate, type Aval } from './tensor.js';
import { getBackend, runKernel } from './backend.js';
import { abstract, traceCall, toTensor } from './transforms.js';
import { derivedBatchRule, withBatch } from './batching.js';
import { moveAxis } from './ops/shape.js';
import { sum } from './ops/reduce.js';

/** A value while a graph is batched: the tensor, and whether it carries the batch on axis 0. */
interface Batched {
  readonly value: Tensor;
  readonly batched: boolean;
}

/** Attrs of the loop that batches an op without a batch rule. */
interface LoopAttrs {
  readonly op: Op<unknown>;
  readonly attrs: unknown;
  readonly batched: readonly boolean[];
  readonly size: number;
  /** One example's output. */
  readonly output: Aval;
}

/** Example b of a batched concrete tensor: a view of its data, not a copy. */
const example = (x: Tensor, b: number): Tensor => {
  const n = sizeOf(x.shape) / x.shape[0];
  return new Tensor(x.dtype, x.shape.slice(1), x.data.subarray(b * n, (b + 1) * n));
};

/**
 * The fallback for an op without a batch rule: one node that runs the op's kernel once per
 * example. Its VJP and JVP are the op's own rules, batched in turn, so gradients and nested
 * vmaps pass through it. Its attrs hold an op, so a graph with it does not serialise.
 */
const batchLoop: Op<LoopAttrs> = defineOp({
  name: 'core.batchLoop',
  kind: 'opaque',
  attrs: t.type({ op: t.unknown, attrs: t.unknown, batched: t.unknown, size: t.number, output: t.unknown }) as unknown as t.Type<LoopAttrs, unknown, unknown>,
  arity: 'variadic',
  infer: (_, { size, output }) => right({ shape: [size, ...output.shape], dtype: output.dtype }),
  forward: (inputs, { op, attrs, batched, size, output }, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape)), m = sizeOf(output.shape), backend = getBackend();
    for (let b = 0; b < size; b++) {
      o.set(runKernel(op, inputs.map((x, k) => (batched[k] ? example(x, b) : x)), attrs, output, backend), b * m);
    }
    return o;
  },
  // The op's VJP, batched; an unbatched input's cotangent sums its examples' shares.
  vjp: ({ inputs, output, cotangent, attrs: L }) => {
    if (L.op.differentiable === false) return inputs.map(() => null);
    const n = inputs.length;
    const rule = (...xs: Tensor[]): readonly (Tensor | null)[] => L.op.vjp({ inputs: xs.slice(0, n), output: xs[n], cotangent: xs[n + 1], attrs: L.attrs });
    const cts = batchCall(rule, [...inputs, output, cotangent], [...L.batched, true, true], L.size) as readonly (Tensor | null | undefined)[];
    return inputs.map((_, k) => {
      const c = cts[k];
      return c === null || c === undefined ? null : L.batched[k] ? c : sum(c, { axis: 0 });
    });
  },
  // The op's JVP, batched (a tangent is batched exactly when its input is).
  jvp: ({ inputs, output, tangents, attrs: L }) => {
    if (L.op.differentiable === false) return null;
    const rule = L.op.jvp;
    if (rule === undefined) throw new ChainruleError('MissingRule', 'this op has no JVP rule, so forward mode cannot pass through it', { op: L.op.name });
    const n = inputs.length;
    const present = tangents.flatMap((tx, k) => (tx === null ? [] : [k]));
    const f = (...xs: Tensor[]): Tensor | null => {
      const ts = tangents.map((tx, k) => (tx === null ? null : xs[n + 1 + present.indexOf(k)]));
      return rule({ inputs: xs.slice(0, n), output: xs[n], tangents: ts, attrs: L.attrs });
    };
    const args = [...inputs, output, ...present.map((k) => tangents[k]!)];
    return batchCall(f, args, [...L.batched, true, ...present.map((k) => L.batched[k])], L.size) as Tensor | null;
  },
  // A loop under another vmap loops over the outer batch too.
  batch: ({ inputs, batched, size, attrs, output }) => applyOp(batchLoop, inputs, { op: batchLoop as Op<unknown>, attrs, batched, size, output }),
});

// Ops already reported as looped: the warning comes once per op, not once per call.
const warned = new WeakSet<Op<unknown>>();

const batchNode = (node: Node, ins: readonly Batched[], size: number): Tensor => {
  const op = node.op as Op<unknown>;
  const args: BatchArgs<unknown> = { inputs: ins.map((v) => v.value), batched: ins.map((v) => v.batched), size, attrs: node.attrs, output: node };
  const rule = op.batch ?? derivedBatchRule(op);
  if (rule !== undefined) return rule(args);
  if (!warned.has(op)) {
    warned.add(op);
    console.warn(`vmap: ${op.name} has no batch rule and its kind (${op.kind ?? 'opaque'}) implies none, so it runs once per example in a loop; give it a \`batch\` rule to batch it properly`);
  }
  return loopBatch(op, args);
};

/**
 * A batch rule's last resort: the op run once per example inside one node (no warning). Its
 * gradients and tangents are the op's own rules, batched. For the cases a rule cannot
 * vectorise, e.g. a per-example filter gradient of a convolution.
 *
 * @example
 * batch: (args) => (args.batched[1] ? loopBatch(conv2d, args) : conv2dOfMergedBatch(args))
 */
export const loopBatch = <A>(op: Op<A>, args: BatchArgs<A>): Tensor =>
  applyOp(batchLoop, args.inputs, { op: op as Op<unknown>, attrs: args.attrs, batched: args.batched, size: args.size, output: { shape: args.output.shape, dtype: args.output.dtype } });

/**
 * Runs a graph on batched feeds: unbatched nodes run as they are, batched ones through their
 * op's batch rule (its own, the one its kind implies, or the loop). Like `evaluate`, it
 * computes on concrete feeds and records into the feeds' trace on tracers.
 */
const batchGraph = (graph: Graph, feeds: readonly Batched[], size: number): Batched[] => {
  const vals = new Array<Batched>(graph.nodes.length);
  graph.inputs.forEach((id, k) => (vals[id] = feeds[k]));
  for (const node of graph.nodes) {
    if (node.op === input) continue;
    if (node.op === constant) {
      vals[node.id] = { value: (node.attrs as { value: Tensor }).value, batched: false };
      continue;
    }
    const ins = node.inputs.map((j) => vals[j]);
    if (!ins.some((v) => v.batched)) {
      vals[node.id] = { value: applyOp(node.op, ins.map((v) => v.value), node.attrs), batched: false };
      continue;
    }
    const y = batchNode(node, ins, size);
    if (!shapesEqual(y.shape, [size, ...node.shape]) || y.dtype !== node.dtype) {
      throw new ChainruleError('BadRule', `the batch rule gave ${y.dtype}${shapeText(y.shape)} for a batch of ${size} outputs of ${node.dtype}${shapeText(node.shape)}`, {
        op: node.op.name,
        shapes: ins.map((v) => v.value.shape),
        attrs: node.attrs,
      });
    }
    vals[node.id] = { value: y, batched: true };
  }
  return graph.outputs.map((id) => vals[id]);
};

/** Traces `f` on one example of `args` (leaves flagged batched carry the batch on axis 0) and batches the graph. */
const mapBatched = (f: (...args: any[]) => unknown, args: readonly unknown[], flags: readonly boolean[], size: number): { outDef: TreeDef; outs: Batched[] } => {
  const [leaves, def] = flatten(args);
  const specs = leaves.map((x, i) => (flags[i] ? abstract((x as Tensor).shape.slice(1), (x as Tensor).dtype) : x));
  const traced = traceCall(f, unflatten<unknown[]>(def, specs), 'vmap');
  const graph = freezeTrace(traced.trace, traced.inIds, traced.outIds);
  const feeds = traced.leaves.map((x, i) => ({ value: flags[i] ? (leaves[i] as Tensor) : x, batched: flags[i] }));
  return { outDef: traced.outDef, outs: batchGraph(graph, feeds, size) };
};

/**
 * @internal `f` mapped over axis 0 of the argument leaves flagged batched; every tensor leaf
 * of the result carries the batch on axis 0. The engine behind batch rules built from
 * functions (the loop's VJP and JVP, custom rules).
 */
export const batchCall = (f: (...args: any[]) => unknown, args: readonly unknown[], flags: readonly boolean[], size: number): unknown => {
  const { outDef, outs } = mapBatched(f, args, flags, size);
  return unflatten(outDef, outs.map((o) => withBatch(o.value, o.batched, size)));
};

/** Where the batch axis of a value is: an axis, or null for none. Pytrees of these match a value's structure (a prefix of it). */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

/** Options of {@link vmap}. */
export interface VmapOptions {
  /**
   * The batch axis of each argument: one spec for all (default 0), or an array with one
   * spec per argument; a spec is an axis, null (not batched: every example sees it whole)
   * or a pytree of those matching the argument's structure.
   */
  readonly inAxes?: AxisSpec;
  /** Where the batch axis goes in each output leaf (default 0), as a spec for the output's structure. */
  readonly outAxes?: AxisSpec;
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Tensor);

/** One axis per leaf of `value`, in flatten order, from a spec that is a prefix of its structure. */
const leafAxes = (spec: AxisSpec | undefined, value: unknown, where: string, out: (number | null)[]): void => {
  if (spec === null || typeof spec === 'number') {
    for (let k = flatten(value)[0].length; k > 0; k--) out.push(spec);
  } else if (Array.isArray(spec)) {
    if (!Array.isArray(value) || value.length !== spec.length) {
      throw new ChainruleError('BadArgument', `vmap: ${where} has ${spec.length} entries but the value there is ${Array.isArray(value) ? `an array of ${value.length}` : 'not an array'}`);
    }
    spec.forEach((s, i) => leafAxes(s as AxisSpec, value[i], `${where}[${i}]`, out));
  } else if (isRecord(spec)) {
    const keys = isRecord(value) ? Object.keys(value).sort() : [];
    const specKeys = Object.keys(spec).sort();
    if (!isRecord(value) || keys.join('\u0000') !== specKeys.join('\u0000')) {
      throw new ChainruleError('BadArgument', `vmap: ${where} has keys {${specKeys.join(', ')}} but the value there ${isRecord(value) ? `has {${keys.join(', ')}}` : 'is not a record'}`);
    }
    for (const k of keys) leafAxes((spec as Record<string, AxisSpec>)[k], value[k], `${where}.${k}`, out);
  } else {
    throw new ChainruleError('BadArgument', `vmap: ${where}: an axis is an integer or null, got ${typeof spec}`);
  }
};

const normalizeAxis = (axis: number, rank: number, what: string): number => {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ChainruleError('BadArgument', `vmap: ${what}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
};

/**
 * Vectorising map: `vmap(f)` applies `f` to every slice of its arguments along a batch axis
 * at once and stacks the results, as JAX's `vmap`. `f` is traced once on one example and its
 * graph is rewritten with each op's batching rule, so nothing loops in JavaScript (except
 * through an op with no rule, which is reported). Composes with `grad`, `jvp`, `jit` and
 * itself in any order: `vmap(grad(loss), { inAxes: [null, 0, 0] })` gives per-example gradients.
 *
 * @example
 * const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })
 * perExample(params, xs, ys) // params' structure, each leaf with a leading batch axis
 * vmap((x) => sum(x), { inAxes: 1 })(ones([3, 4])) // [3, 3, 3, 3]
 */
export const vmap =
  <F extends (...args: any[]) => any>(f: F, options: VmapOptions = {}) =>
  (...args: Parameters<F>): ReturnType<F> => {
    const inAxes = options.inAxes === undefined ? 0 : options.inAxes;
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new ChainruleError('BadArgument', `vmap: inAxes has ${inAxes.length} entries for ${args.length} arguments`);
    }
    const axes: (number | null)[] = [];
    leafAxes(Array.isArray(inAxes) ? inAxes : args.map(() => inAxes), args, 'inAxes', axes);
    const [leaves, def] = flatten(args);
    const paths = treePaths(def, 'args');
    let size: number | undefined;
    let sizeFrom = '';
    const moved = leaves.map((leaf, i) => {
      const a = axes[i];
      if (a === null) return leaf;
      const x = toTensor(leaf, `vmap ${paths[i]}`);
      const ax = normalizeAxis(a, x.shape.length, `${paths[i]} of shape ${shapeText(x.shape)}`);
      if (size === undefined) {
        size = x.shape[ax];
        sizeFrom = paths[i];
      } else if (x.shape[ax] !== size) {
        throw new ChainruleError('BadArgument', `vmap: batch sizes differ: ${sizeFrom} has ${size} along its batch axis, ${paths[i]} has ${x.shape[ax]}`);
      }
      return ax === 0 ? x : moveAxis(x, { source: ax, destination: 0 });
    });
    if (size === undefined) throw new ChainruleError('BadArgument', 'vmap: no argument is batched (every inAxes entry is null)');
    const n = size;
    const { outDef, outs } = mapBatched(f, unflatten<unknown[]>(def, moved), axes.map((a) => a !== null), n);
    const outTree = unflatten(outDef, outs.map((o) => o.value));
    const outAxes: (number | null)[] = [];
    leafAxes(options.outAxes === undefined ? 0 : options.outAxes, outTree, 'outAxes', outAxes);
    const outPaths = treePaths(outDef, 'output');
    return unflatten<ReturnType<F>>(outDef, outs.map((o, i) => {
      const a = outAxes[i];
      if (a === null) {
        if (o.batched) throw new ChainruleError('BadArgument', `vmap: outAxes is null at ${outPaths[i]}, but that output depends on the batch`);
        return o.value;
      }
      const y = withBatch(o.value, o.batched, n);
      const ax = normalizeAxis(a, y.shape.length, `outAxes at ${outPaths[i]}`);
      return ax === 0 ? y : moveAxis(y, { source: 0, destination: ax });
    }));
  };
