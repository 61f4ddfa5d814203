// Elementwise fusion: chains of elementwise and broadcasting ops become one generated JavaScript loop.

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import {
  ChainruleError, add, allocate, defineOp, div, mul, neg, opKind, shapesEqual, sizeOf, sub,
  type DType, type FloatArray, type Graph, type Node, type Op, type Shape, shapeText } from '@chainrule/core';
import { broadcastIndex } from '@chainrule/core/kernels';
import { constantValue, rewrite } from './rewrite.js';

/** Where a step of a fused program reads a value: a node input, an earlier step, or a literal (a folded scalar constant). */
export type Arg =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'step'; readonly index: number }
  | { readonly kind: 'literal'; readonly value: number };

/** One op of a fused program, applied to every element. */
export interface FusedStep {
  readonly op: Op<any>;
  readonly args: readonly Arg[];
  readonly attrs: unknown;
}

/** A kernel of a fused program: reads `inputs` (the node's inputs' data), writes every element of `out`. */
export type FusedKernel = (inputs: readonly FloatArray[], out: FloatArray) => void;

/**
 * A fused elementwise program: its steps in order (the last is the output), the shapes of the
 * inputs it reads (each broadcast to `shape`), and its generated kernel. The kernel reads
 * element i of every same-shaped input before writing element i of `out`, so `out` may be
 * one of those inputs (an in-place update).
 */
export interface ElementwiseProgram {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly inputs: readonly Shape[];
  readonly steps: readonly FusedStep[];
  readonly kernel: FusedKernel;
  /** The generated JavaScript of the kernel's loop, for inspection. */
  readonly source: string;
}

/** How a kernel walks one input: same shape, one value, a repeated trailing block, repeated leading elements, or an index map. */
type Access =
  | { readonly kind: 'full' }
  | { readonly kind: 'scalar' }
  | { readonly kind: 'trailing'; readonly length: number }
  | { readonly kind: 'leading'; readonly repeat: number }
  | { readonly kind: 'map'; readonly index: Int32Array };

const accessOf = (shape: Shape, out: Shape): Access => {
  if (shapesEqual(shape, out)) return { kind: 'full' };
  if (sizeOf(shape) === 1) return { kind: 'scalar' };
  const aligned = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  let first = 0;
  while (first < out.length && aligned[first] === 1 && out[first] !== 1) first++;
  if (aligned.slice(first).every((d, i) => d === out[first + i])) return { kind: 'trailing', length: sizeOf(out.slice(first)) };
  let last = out.length;
  while (last > 0 && aligned[last - 1] === 1 && out[last - 1] !== 1) last--;
  if (aligned.slice(0, last).every((d, i) => d === out[i])) return { kind: 'leading', repeat: sizeOf(out.slice(last)) };
  return { kind: 'map', index: broadcastIndex(shape, out) };
};

/**
 * Whether input `k` of a fused node is read at the output's own index (so the output may
 * overwrite it in place).
 *
 * @example
 * readsInPlace(program, 0) // true when input 0 has the output's shape
 */
export const readsInPlace = (program: ElementwiseProgram, k: number): boolean => shapesEqual(program.inputs[k], program.shape);

// The arithmetic ops are written as operators so the loop needs no call at all; other ops
// call their scalar function (a constant of the generated closure, which V8 inlines).
const INFIX = new Map<Op<any>, string>([[add, '+'], [sub, '-'], [mul, '*'], [div, '/']]);

const literal = (v: number): string => (Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));

const generate = (shape: Shape, inputs: readonly Shape[], steps: readonly FusedStep[]): { source: string; kernel: FusedKernel } => {
  const accesses = inputs.map((s) => accessOf(s, shape));
  const used = new Set<number>();
  for (const s of steps) for (const a of s.args) if (a.kind === 'input') used.add(a.index);
  const head: string[] = [];
  const load: string[] = [];
  const maps: (Int32Array | undefined)[] = accesses.map((a) => (a.kind === 'map' ? a.index : undefined));
  for (const k of [...used].sort((a, b) => a - b)) {
    const a = accesses[k];
    switch (a.kind) {
      case 'full':
        head.push(`const x${k} = ins[${k}];`);
        load.push(`const v${k} = x${k}[i];`);
        break;
      case 'scalar':
        head.push(`const v${k} = ins[${k}][0];`);
        break;
      case 'trailing':
        head.push(`const x${k} = ins[${k}]; let j${k} = 0;`);
        load.push(`const v${k} = x${k}[j${k}]; if (++j${k} === ${a.length}) j${k} = 0;`);
        break;
      case 'leading':
        head.push(`const x${k} = ins[${k}]; let q${k} = 0, c${k} = 0;`);
        load.push(`const v${k} = x${k}[q${k}]; if (++c${k} === ${a.repeat}) { c${k} = 0; q${k}++; }`);
        break;
      case 'map':
        head.push(`const x${k} = ins[${k}], m${k} = maps[${k}];`);
        load.push(`const v${k} = x${k}[m${k}[i]];`);
        break;
    }
  }
  const ref = (a: Arg): string => (a.kind === 'input' ? `v${a.index}` : a.kind === 'step' ? `t${a.index}` : literal(a.value));
  const body = steps.map((s, j) => {
    const args = s.args.map(ref);
    const infix = INFIX.get(s.op);
    if (infix !== undefined) return `const t${j} = ${args[0]} ${infix} ${args[1]};`;
    if (s.op === neg) return `const t${j} = -${args[0]};`;
    head.push(`const f${j} = fns[${j}], a${j} = attrs[${j}];`);
    return `const t${j} = f${j}(${args.join(', ')}, a${j});`;
  });
  const source = [
    ...head,
    'for (let i = 0, n = out.length; i < n; i++) {',
    ...load.map((l) => `  ${l}`),
    ...body.map((l) => `  ${l}`),
    `  out[i] = t${steps.length - 1};`,
    '}',
  ].join('\n');
  const fns = steps.map((s) => s.op.scalar);
  const attrs = steps.map((s) => s.attrs);
  // Programs of the same loop over the same ops share one generated factory: code generation
  // is the costly part of compiling a large graph, and closures of one factory still see one
  // scalar function at each call site (the key names the ops), so V8 still inlines them.
  const key = `${steps.map((s) => s.op.name).join(' ')}\n${source}`;
  let make = factories.get(key);
  if (make === undefined) {
    try {
      make = new Function('fns', 'attrs', 'maps', `return function fused(ins, out) {\n${source}\n};`) as Factory;
    } catch {
      // Where code generation is forbidden (a page whose Content-Security-Policy has no
      // 'unsafe-eval'), the same program runs through a slower step-by-step loop.
      return { source, kernel: stepwise(shape, inputs, steps) };
    }
    if (factories.size >= MAX_FACTORIES) factories.clear();
    factories.set(key, make);
  }
  return { source, kernel: make(fns, attrs, maps) };
};

type Factory = (fns: readonly unknown[], attrs: readonly unknown[], maps: readonly (Int32Array | undefined)[]) => FusedKernel;

// A memo of generated code, bounded so a long-lived process compiling many graphs stays small.
const MAX_FACTORIES = 1024;
const factories = new Map<string, Factory>();

/** The kernel of a program without generated code: every step of every element through its scalar function. */
const stepwise = (shape: Shape, inputs: readonly Shape[], steps: readonly FusedStep[]): FusedKernel => {
  const maps = inputs.map((s) => (sizeOf(s) === 1 ? new Int32Array(sizeOf(shape)) : broadcastIndex(s, shape)));
  const fns = steps.map((s) => s.op.scalar as (...args: unknown[]) => number);
  return (ins, out) => {
    const t = new Float64Array(steps.length);
    const args: unknown[] = [];
    for (let i = 0; i < out.length; i++) {
      for (let j = 0; j < steps.length; j++) {
        const s = steps[j];
        args.length = 0;
        for (const a of s.args) args.push(a.kind === 'input' ? ins[a.index][maps[a.index][i]] : a.kind === 'step' ? t[a.index] : a.value);
        args.push(s.attrs);
        t[j] = fns[j](...args);
      }
      out[i] = t[steps.length - 1];
    }
  };
};

/**
 * A fused program from its steps; generates its kernel.
 *
 * @example
 * // sigmoid(x + b), b broadcast over rows
 * elementwiseProgram([4, 3], 'float32', [[4, 3], [3]], [
 *   { op: add, args: [{ kind: 'input', index: 0 }, { kind: 'input', index: 1 }], attrs: {} },
 *   { op: sigmoid, args: [{ kind: 'step', index: 0 }], attrs: {} },
 * ])
 */
export const elementwiseProgram = (shape: Shape, dtype: DType, inputs: readonly Shape[], steps: readonly FusedStep[]): ElementwiseProgram => {
  if (steps.length === 0) throw new ChainruleError('BadArgument', 'a fused program needs at least one step');
  for (const s of steps) {
    if (s.op.scalar === undefined) throw new ChainruleError('BadArgument', `${s.op.name} has no scalar function and cannot be fused`, { op: s.op.name });
  }
  const { source, kernel } = generate(shape, inputs, steps);
  return Object.freeze({ shape, dtype, inputs, steps, kernel, source });
};

/** What a fused program's attrs encode to (graph JSON shows the steps by op name). */
interface ProgramJson {
  readonly steps: readonly string[];
}

const isProgram = (u: unknown): u is ElementwiseProgram =>
  typeof u === 'object' && u !== null && typeof (u as ElementwiseProgram).kernel === 'function' && Array.isArray((u as ElementwiseProgram).steps);

const programCodec = new t.Type<ElementwiseProgram, ProgramJson, unknown>(
  'ElementwiseProgram',
  isProgram,
  (u, c) => (isProgram(u) ? t.success(u) : t.failure(u, c, 'fused programs are built by the compiler, not decoded')),
  (p) => ({ steps: p.steps.map((s) => s.op.name) }),
);

const notDifferentiated = (): never => {
  throw new ChainruleError('BadRule', 'a compiled graph is run, not differentiated: differentiate the function before jit compiles it', { op: 'compiler.fused' });
};

/**
 * The op of a fused node: runs an {@link ElementwiseProgram} on its inputs. Made only by the
 * fusion pass (its graphs are run, not differentiated or decoded).
 *
 * @example
 * fused.name // 'compiler.fused'
 */
export const fused: Op<{ program: ElementwiseProgram }> = defineOp({
  name: 'compiler.fused',
  kind: 'broadcast',
  attrs: t.type({ program: programCodec }),
  arity: 'variadic',
  infer: (inputs, { program }) =>
    inputs.length === program.inputs.length && inputs.every((x, k) => shapesEqual(x.shape, program.inputs[k]))
      ? right({ shape: program.shape, dtype: program.dtype })
      : left({ _tag: 'ShapeMismatch', message: `the fused program reads [${program.inputs.map((s) => `${shapeText(s)}`).join(', ')}]` }),
  forward: (inputs, { program }, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape));
    program.kernel(inputs.map((x) => x.data), o);
    return o;
  },
  vjp: notDifferentiated,
});

/** Options of {@link elementwiseFusion}. */
export interface FusionOptions {
  /** Largest number of ops in one fused loop (default 64): longer chains are split. */
  readonly maxSteps?: number;
  /** Nodes to leave unfused even though they could be (e.g. ops a backend has its own kernel for). */
  readonly exclude?: (node: Node) => boolean;
}

/**
 * Whether a node can be a step of a fused loop: an elementwise or broadcasting op with a
 * scalar function (ops made by `unaryOp` / `binaryOp`).
 *
 * @example
 * isFusable(graph.nodes[3])
 */
export const isFusable = (node: Node): boolean => {
  const k = opKind(node.op);
  return (k === 'elementwise' || k === 'broadcast') && node.op.scalar !== undefined && node.op.aliases !== true && (node.inputs.length === 1 || node.inputs.length === 2);
};

/**
 * Groups the fusable nodes into loops. Each group has a root (its one value read from
 * outside); a producer joins its consumer's group when it is fusable, has the root's shape and
 * dtype, is no graph output, and every node that reads it is in the group already — so no
 * value is computed twice and no group depends on itself. Returns each node's root (−1: not
 * fused) and the groups, members in topological order.
 *
 * @example
 * fusionGroups(graph).groups // [[3, 4, 5], [8]]
 */
export const fusionGroups = (graph: Graph, options: FusionOptions = {}): { readonly root: Int32Array; readonly groups: readonly (readonly number[])[] } => {
  const maxSteps = options.maxSteps ?? 64;
  const exclude = options.exclude;
  const fusable = (n: Node): boolean => isFusable(n) && !(exclude?.(n) ?? false);
  const nodes = graph.nodes;
  const consumers: number[][] = nodes.map(() => []);
  for (const n of nodes) for (const j of n.inputs) if (consumers[j].at(-1) !== n.id) consumers[j].push(n.id);
  const isOutput = new Uint8Array(nodes.length);
  for (const o of graph.outputs) isOutput[o] = 1;
  const root = new Int32Array(nodes.length).fill(-1);
  const groups: number[][] = [];
  for (let r = nodes.length - 1; r >= 0; r--) {
    if (root[r] !== -1 || !fusable(nodes[r])) continue;
    const top = nodes[r];
    const members = [r];
    root[r] = r;
    const pending = new Set(top.inputs);
    while (pending.size > 0 && members.length < maxSteps) {
      // Highest id first: every reader of it that could join has been decided already.
      const c = Math.max(...pending);
      pending.delete(c);
      const n = nodes[c];
      if (root[c] !== -1 || isOutput[c] || !fusable(n) || n.dtype !== top.dtype || !shapesEqual(n.shape, top.shape)) continue;
      if (!consumers[c].every((u) => root[u] === r)) continue;
      root[c] = r;
      members.push(c);
      for (const j of n.inputs) pending.add(j);
    }
    groups.push(members.sort((a, b) => a - b));
  }
  return { root, groups: groups.reverse() };
};

/**
 * The fusion pass: each group of {@link fusionGroups} becomes one `compiler.fused` node whose
 * inputs are the values the group reads from outside (scalar constants become literals in the
 * loop). Even a single op becomes a fused node: its generated loop writes into a planned buffer.
 *
 * @example
 * elementwiseFusion()(graph)
 */
export const elementwiseFusion = (options: FusionOptions = {}): ((graph: Graph) => Graph) => (graph) => {
  const { root, groups } = fusionGroups(graph, options);
  const groupOf = new Map(groups.map((g) => [g[g.length - 1], g]));
  return rewrite(graph, (node, ins, b, newId) => {
    const r = root[node.id];
    if (r === -1) return b.copy(node, ins);
    if (r !== node.id) return -1; // a member: computed inside its root's loop, never read from outside
    const members = groupOf.get(r)!;
    const stepOf = new Map(members.map((m, j) => [m, j]));
    const externals: number[] = [];
    const steps: FusedStep[] = members.map((m) => {
      const n = graph.nodes[m];
      const args = n.inputs.map((j): Arg => {
        const s = stepOf.get(j);
        if (s !== undefined) return { kind: 'step', index: s };
        const c = constantValue(graph.nodes[j]);
        if (c !== undefined && c.size === 1) return { kind: 'literal', value: c.data[0] };
        let k = externals.indexOf(j);
        if (k === -1) k = externals.push(j) - 1;
        return { kind: 'input', index: k };
      });
      return { op: n.op, args, attrs: n.attrs };
    });
    const program = elementwiseProgram(node.shape, node.dtype, externals.map((j) => graph.nodes[j].shape), steps);
    return b.add(fused, externals.map(newId), { program });
  });
};
