// The compiler as an Executor: passes, then a memory plan, then a flat list of kernel calls run on a backend.

import {
  ChainruleError, Tensor, allocate, debugNans, getBackend, interpreter, kernelFor, shapesEqual, sizeOf,
  type Backend, type CompileOptions, type Executor, type FloatArray, type Graph, type Kernel, type KernelAvals, type Node, shapeText } from '@chainrule/core';
import { epilogueKernel, matmulEpilogue } from './epilogue.js';
import { fused, readsInPlace, type ElementwiseProgram } from './fuse.js';
import { passesFor, runPasses, type Pass, type PassRun } from './passes.js';
import { planMemory, type MemoryPlan, type PlanRules } from './plan.js';

/** Options of {@link compile} beyond the executor's. */
export interface CompilerOptions extends CompileOptions {
  /** The passes to run (default {@link passesFor} the backend). */
  readonly passes?: readonly Pass[];
  /**
   * Called after every node of the compiled graph runs, with its output (a fused node once
   * for its whole loop). For checks such as NaN detection; the buffer may be reused later.
   */
  readonly afterNode?: (node: Node, out: FloatArray) => void;
}

/** What compiling produced: the pass run, the plan, and the function. */
export interface Compiled {
  readonly passes: PassRun;
  readonly plan: MemoryPlan;
  readonly run: (feeds: readonly Tensor[]) => Tensor[];
}

const fusedKernel: Kernel<{ program: ElementwiseProgram }> = (inputs, out, { program }) => program.kernel(inputs, out);

/** The write-into kernel of a node on a backend: the compiler's own for its fused ops, else the backend's for the op. */
const kernelsOn = (backend: Backend): ((node: Node) => Kernel | undefined) => {
  const epilogue = epilogueKernel(backend) as Kernel;
  return (node) => (node.op === fused ? fusedKernel : node.op === matmulEpilogue ? epilogue : kernelFor(node.op, backend));
};

const rulesFor = (graph: Graph, kernelOf: (node: Node) => Kernel | undefined): PlanRules => ({
  writesInto: (node) => kernelOf(node) !== undefined,
  inPlaceInputs: (node) => {
    if (node.op !== fused) return [];
    const program = (node.attrs as { program: ElementwiseProgram }).program;
    return node.inputs.map((_, k) => k).filter((k) => readsInPlace(program, k));
  },
  // An aliasing op of unchanged size (reshape, squeeze, stopGradient) hands its input's buffer on.
  aliases: (node) => node.op.aliases === true && node.inputs.length === 1 && sizeOf(graph.nodes[node.inputs[0]].shape) === sizeOf(node.shape),
});

const enum Run { Alias, Arena, Fresh, Forward }

interface Step {
  readonly node: Node;
  readonly run: Run;
  readonly kernel: Kernel | undefined;
  readonly args: FloatArray[];
  readonly tensorArgs: Tensor[];
  readonly avals: KernelAvals;
  /** Values whose last reader this is (and not kept by the plan): dropped after the step. */
  readonly drop: readonly number[];
}

/**
 * Compiles a graph: runs the passes, plans memory for the backend, and returns the pass run,
 * the plan and a function of the graph's inputs. Intermediates live in one arena per dtype,
 * allocated once and reused by every call; outputs are fresh buffers the caller owns. The
 * function is not re-entrant (one call at a time, as JavaScript runs it). With symbolic feeds
 * (inside another transform) it replays the original graph, as the interpreter does; in NaN
 * anomaly mode (`debugNans`) it runs the original graph on the interpreter, which checks
 * every op.
 *
 * @example
 * const { run, plan } = compile(trace((x) => sigmoid(add(x, 1)), abstract([3])), { backend: jsBackend })
 * run([tensor([1, 2, 3])]); plan.peakBytes
 */
export const compile = (graph: Graph, options: CompilerOptions = {}): Compiled => {
  const backend = options.backend ?? getBackend();
  const passes = runPasses(graph, options.passes ?? passesFor(backend));
  const g = passes.graph;
  const kernelOf = kernelsOn(backend);
  const plan = planMemory(g, rulesFor(g, kernelOf));
  const reference = interpreter.compile(graph, { ...options, backend });
  const nodes = g.nodes;
  const n = nodes.length;
  const arenas = { float32: new Float32Array(plan.arena.float32), float64: new Float64Array(plan.arena.float64) };
  const bufs = new Array<FloatArray | undefined>(n);
  const tens = new Array<Tensor | undefined>(n);
  const feedSlots: number[] = [];
  const steps: Step[] = [];
  const symbolic = nodes.some((node) => node.op.name === 'core.constant' && (node.attrs as { value: Tensor }).value._trace !== undefined);
  const dropAt: number[][] = nodes.map(() => []);
  for (const node of nodes) {
    const i = node.id;
    const s = plan.storage[i];
    const end = plan.lastUse[i];
    if (s.kind !== 'arena' && s.kind !== 'constant' && s.kind !== 'feed' && end >= 0 && end < n) dropAt[end].push(i);
    switch (s.kind) {
      case 'feed':
        feedSlots[s.index] = i;
        continue;
      case 'constant': {
        const value = (node.attrs as { value: Tensor }).value;
        tens[i] = value;
        if (value._trace === undefined) bufs[i] = value.data;
        continue;
      }
      case 'arena': {
        const view = arenas[node.dtype].subarray(s.offset, s.offset + sizeOf(node.shape));
        bufs[i] = view;
        tens[i] = new Tensor(node.dtype, node.shape, view);
        break;
      }
    }
    const run = s.kind === 'alias' ? Run.Alias : s.kind === 'arena' ? Run.Arena : s.kind === 'output' ? Run.Fresh : Run.Forward;
    steps.push({
      node,
      run,
      kernel: run === Run.Arena || run === Run.Fresh ? kernelOf(node) : undefined,
      args: new Array<FloatArray>(node.inputs.length),
      tensorArgs: new Array<Tensor>(node.inputs.length),
      avals: { inputs: node.inputs.map((j) => nodes[j]), output: node },
      drop: dropAt[i], // filled as later nodes are seen: their values end here
    });
  }
  const after = options.afterNode;
  const released = [...feedSlots, ...g.outputs.filter((id) => plan.storage[id].kind !== 'arena' && plan.storage[id].kind !== 'constant')];
  const run = (feeds: readonly Tensor[]): Tensor[] => {
    // NaN anomaly mode checks every op of the graph as traced, so it runs on the interpreter:
    // fused loops would hide the intermediate values and which rule made them.
    if (symbolic || (options.debugNans ?? debugNans()) || feeds.some((f) => f._trace !== undefined)) return reference(feeds);
    if (feeds.length !== feedSlots.length) throw new ChainruleError('BadArgument', `the compiled graph takes ${feedSlots.length} inputs, got ${feeds.length}`);
    for (let k = 0; k < feeds.length; k++) {
      const id = feedSlots[k];
      const f = feeds[k];
      if (!(f instanceof Tensor) || f.dtype !== nodes[id].dtype || !shapesEqual(f.shape, nodes[id].shape)) {
        throw new ChainruleError('BadArgument', `compiled graph input ${k} expects ${nodes[id].dtype}${shapeText(nodes[id].shape)}`);
      }
      tens[id] = f;
      bufs[id] = f.data;
    }
    for (let s = 0; s < steps.length; s++) {
      const st = steps[s];
      const node = st.node;
      const ins = node.inputs;
      const id = node.id;
      switch (st.run) {
        case Run.Alias: {
          const data = bufs[ins[0]]!;
          bufs[id] = data;
          tens[id] = new Tensor(node.dtype, node.shape, data);
          break;
        }
        case Run.Arena:
        case Run.Fresh: {
          const args = st.args;
          for (let k = 0; k < ins.length; k++) args[k] = bufs[ins[k]]!;
          const fresh = st.run === Run.Fresh;
          const out = fresh ? allocate(node.dtype, sizeOf(node.shape)) : bufs[id]!;
          st.kernel!(args, out, node.attrs, st.avals);
          if (fresh) {
            bufs[id] = out;
            tens[id] = new Tensor(node.dtype, node.shape, out);
          }
          break;
        }
        case Run.Forward: {
          const targs = st.tensorArgs;
          for (let k = 0; k < ins.length; k++) targs[k] = tens[ins[k]]!;
          const t = new Tensor(node.dtype, node.shape, node.op.forward(targs, node.attrs, node));
          bufs[id] = t.data;
          tens[id] = t;
          break;
        }
      }
      if (after !== undefined) after(node, bufs[id]!);
      const drop = st.drop;
      for (let k = 0; k < drop.length; k++) {
        bufs[drop[k]] = undefined;
        tens[drop[k]] = undefined;
      }
    }
    const out = g.outputs.map((id) => tens[id]!);
    // Hold nothing of this call: the caller owns the outputs, feeds go back to it.
    for (const id of released) {
      bufs[id] = undefined;
      tens[id] = undefined;
    }
    return out;
  };
  return { passes, plan, run };
};

/**
 * The compiler as an {@link Executor}: `jit(f, { executor: compiler })`, or the process
 * default with `setExecutor(compiler)`. The interpreter stays the reference executor.
 *
 * @example
 * const step = jit(trainStep, { executor: compiler })
 */
export const compiler: Executor = {
  name: 'compiler',
  compile: (graph, options) => compile(graph, options).run,
};
