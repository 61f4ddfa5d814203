// The interpreter: runs a graph node by node on concrete tensors, or replays it into a trace.

import { ChainruleError } from './errors.js';
import type { Graph } from './graph.js';
import { applyOp, constant, input } from './op.js';
import { shapesEqual, shapeText, sizeOf } from './shape.js';
import { Tensor, allocate, type FloatArray } from './tensor.js';
import { getBackend, kernelFor, type Backend, type Kernel } from './backend.js';
import { checkFinite, debugNans } from './debug-nans.js';

/**
 * Something that turns a graph into a function of its inputs. The interpreter is today's
 * executor; a compiler can take its place behind the same interface.
 *
 * @example
 * const run = interpreter.compile(graph)
 * const [y] = run([tensor([1, 2])])
 */
export interface Executor {
  readonly name: string;
  compile(graph: Graph, options?: CompileOptions): (feeds: readonly Tensor[]) => Tensor[];
}

/** Options of {@link Executor.compile}. */
export interface CompileOptions {
  /** Where the kernels run; default: the process default at each call ({@link getBackend}). */
  readonly backend?: Backend;
  /** Check every node's output for NaN and infinities (default: the process setting, {@link setDebugNans}). */
  readonly debugNans?: boolean;
}

const checkFeeds = (graph: Graph, feeds: readonly Tensor[]): void => {
  if (feeds.length !== graph.inputs.length) {
    throw new ChainruleError('BadArgument', `graph takes ${graph.inputs.length} inputs, got ${feeds.length}`);
  }
  for (let k = 0; k < feeds.length; k++) {
    const node = graph.nodes[graph.inputs[k]];
    const f = feeds[k];
    if (!(f instanceof Tensor)) throw new ChainruleError('BadArgument', `graph input ${k} must be a Tensor`);
    if (!shapesEqual(f.shape, node.shape) || f.dtype !== node.dtype) {
      throw new ChainruleError('BadArgument', `graph input ${k} expects ${node.dtype}${shapeText(node.shape)}, got ${f.dtype}${shapeText(f.shape)}`);
    }
  }
};

/**
 * Runs a graph on its inputs and returns its outputs. With concrete feeds it computes; when
 * a feed is a tracer (the graph is used inside another transform) it replays the graph's
 * ops into that trace, which is how nested transforms compose.
 *
 * @example
 * const g = trace((x) => mul(x, x), abstract([2]))
 * evaluate(g, [tensor([3, 4])]) // [Tensor [9, 16]]
 */
export const evaluate = (graph: Graph, feeds: readonly Tensor[], options: CompileOptions = {}): Tensor[] => {
  checkFeeds(graph, feeds);
  return interpreter.compile(graph, options)(feeds);
};

const replay = (graph: Graph, feeds: readonly Tensor[]): Tensor[] => {
  const values = new Array<Tensor>(graph.nodes.length);
  graph.inputs.forEach((id, k) => (values[id] = feeds[k]));
  for (const node of graph.nodes) {
    if (node.op === input) continue;
    if (node.op === constant) {
      values[node.id] = (node.attrs as { value: Tensor }).value;
      continue;
    }
    values[node.id] = applyOp(node.op, node.inputs.map((j) => values[j]), node.attrs);
  }
  return graph.outputs.map((id) => values[id]);
};

/**
 * The reference executor: a precomputed plan of kernel calls that drops each intermediate
 * value after its last use.
 *
 * @example
 * jit(f, { executor: interpreter })
 */
export const interpreter: Executor = {
  name: 'interpreter',
  compile(graph: Graph, options: CompileOptions = {}) {
    const nodes = graph.nodes;
    const n = nodes.length;
    // lastUse[i]: the last node that reads value i; outputs are kept to the end.
    const lastUse = new Int32Array(n).fill(-1);
    for (const node of nodes) for (const j of node.inputs) lastUse[j] = node.id;
    for (const id of graph.outputs) lastUse[id] = n;
    // One argument array per node, reused across runs (cleared after use so nothing is retained).
    const argSlots = nodes.map((node) => new Array<Tensor>(node.inputs.length));
    const inputSlot = new Int32Array(n).fill(-1);
    graph.inputs.forEach((id, k) => (inputSlot[id] = k));
    // A graph traced inside another transform may hold that transform's tracers as constants.
    const symbolic = nodes.some((node) => node.op === constant && (node.attrs as { value: Tensor }).value._trace !== undefined);
    // Each node's kernel on the backend of the last call, looked up once per backend rather
    // than per node per call (the lookup measured ~15% of a jitted chain of small ops).
    let kernelsOf: Backend | undefined;
    let kernels: (Kernel | undefined)[] = [];
    const dataSlots = nodes.map((node) => new Array<FloatArray>(node.inputs.length));
    return (feeds) => {
      if (symbolic || feeds.some((f) => f._trace !== undefined)) return replay(graph, feeds);
      const values = new Array<Tensor | undefined>(n);
      const backend = options.backend ?? getBackend();
      if (backend !== kernelsOf) {
        kernels = nodes.map((node) => kernelFor(node.op, backend));
        kernelsOf = backend;
      }
      const check = options.debugNans ?? debugNans();
      for (let i = 0; i < n; i++) {
        const node = nodes[i];
        if (node.op === input) {
          values[i] = feeds[inputSlot[i]];
          continue;
        }
        if (node.op === constant) {
          values[i] = (node.attrs as { value: Tensor }).value;
          continue;
        }
        const ins = node.inputs;
        const args = argSlots[i];
        for (let k = 0; k < ins.length; k++) args[k] = values[ins[k]]!;
        const kernel = kernels[i];
        let data: FloatArray;
        if (kernel === undefined) data = node.op.forward(args, node.attrs, node);
        else {
          const ds = dataSlots[i];
          for (let k = 0; k < ins.length; k++) ds[k] = args[k].data;
          data = allocate(node.dtype, sizeOf(node.shape));
          kernel(ds, data, node.attrs, { inputs: args, output: node });
          ds.fill(undefined!); // nothing kept past the call
        }
        if (check) checkFinite(data, { op: node.op.name, inputs: args, attrs: node.attrs, node: i, ...(node.origin === undefined ? {} : { origin: node.origin }) });
        values[i] = new Tensor(node.dtype, node.shape, data);
        for (let k = 0; k < ins.length; k++) {
          if (lastUse[ins[k]] === i) values[ins[k]] = undefined;
          args[k] = undefined!;
        }
      }
      return graph.outputs.map((id) => values[id]!);
    };
  },
};

// The process default executor: one slot, like the backend's. Core knows only the interpreter;
// an umbrella package or the CLI may install a compiler here (core never imports it).
let activeExecutor: Executor = interpreter;

/**
 * The executor `jit` uses when no `executor` option is given.
 *
 * @example
 * getExecutor().name // 'interpreter' unless a compiler was installed
 */
export const getExecutor = (): Executor => activeExecutor;

/**
 * Makes an executor the process default for `jit`; returns the previous one.
 *
 * @example
 * const previous = setExecutor(interpreter)
 */
export const setExecutor = (executor: Executor): Executor => {
  if (typeof executor !== 'object' || executor === null || typeof executor.name !== 'string' || typeof executor.compile !== 'function') {
    throw new ChainruleError('BadArgument', `an executor is an object { name, compile }, got ${executor === null ? 'null' : typeof executor}`);
  }
  const previous = activeExecutor;
  activeExecutor = executor;
  return previous;
};
