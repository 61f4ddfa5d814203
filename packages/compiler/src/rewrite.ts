// Building graphs in passes: a builder that appends nodes in topological order, and a one-walk rewrite of a graph.

import { isLeft } from 'fp-ts/lib/Either.js';
import { ChainruleError, constant, input, type DType, type Graph, type Node, type Op, type Tensor } from '@chainrule/core';

/** Appends nodes to a new graph; ids are dense and every input id is an earlier node. */
export interface GraphBuilder {
  /** The nodes so far. */
  readonly nodes: readonly Node[];
  /** Appends `op(inputs, attrs)`, its shape and dtype inferred; returns its id. */
  readonly add: (op: Op<any>, inputs: readonly number[], attrs: unknown) => number;
  /** Appends a node as given (shape and dtype included), e.g. a copied input. */
  readonly copy: (node: Omit<Node, 'id' | 'inputs'>, inputs: readonly number[]) => number;
  /** Appends a constant node holding `value`. */
  readonly constant: (value: Tensor) => number;
  /** Appends a graph input node. */
  readonly input: (shape: readonly number[], dtype?: DType) => number;
}

/**
 * A fresh builder. Inferring shapes on `add` catches a pass that builds a node its op rejects.
 *
 * @example
 * const b = graphBuilder(); const c = b.constant(tensor(2)); b.add(neg, [c], {})
 */
export const graphBuilder = (): GraphBuilder => {
  const nodes: Node[] = [];
  const push = (n: Omit<Node, 'id' | 'inputs'>, inputs: readonly number[]): number => {
    const id = nodes.length;
    const base = { id, op: n.op, inputs: Object.freeze([...inputs]), attrs: n.attrs, shape: n.shape, dtype: n.dtype };
    nodes.push(Object.freeze(n.origin === undefined ? base : { ...base, origin: n.origin }));
    return id;
  };
  return {
    nodes,
    add: (op, inputs, attrs) => {
      const inferred = op.infer(inputs.map((j) => nodes[j]), attrs);
      if (isLeft(inferred)) throw new ChainruleError('BadRule', `a compiler pass built an invalid ${op.name} node: ${inferred.left.message}`, { op: op.name });
      const shape = Object.isFrozen(inferred.right.shape) ? inferred.right.shape : Object.freeze([...inferred.right.shape]);
      return push({ op, attrs, shape, dtype: inferred.right.dtype }, inputs);
    },
    copy: push,
    constant: (value) => push({ op: constant, attrs: { value }, shape: value.shape, dtype: value.dtype }, []),
    input: (shape, dtype = 'float32') => push({ op: input, attrs: {}, shape: Object.freeze([...shape]), dtype }, []),
  };
};

/**
 * Rewrites a graph in one walk: `visit` sees each node with its inputs already mapped to new
 * ids (and `newId` for any earlier node) and returns the new id standing for it (a copy, a
 * replacement, or an existing node).
 * Graph inputs stay inputs. Nodes nobody reads afterwards are left for {@link dce}.
 *
 * @example
 * rewrite(g, (node, ins, b) => b.copy(node, ins)) // the same graph
 */
export const rewrite = (
  graph: Graph,
  visit: (node: Node, inputs: readonly number[], b: GraphBuilder, newId: (old: number) => number) => number,
): Graph => {
  const base = graphBuilder();
  const map = new Int32Array(graph.nodes.length);
  const newId = (old: number): number => map[old];
  // A copied node keeps where autodiff made it, the forward node it names renumbered.
  const b: GraphBuilder = { ...base, nodes: base.nodes, copy: (n, ins) => base.copy(renumberOrigin(n, map), ins) };
  for (const node of graph.nodes) {
    const ins = node.inputs.map((j) => map[j]);
    map[node.id] = visit(node, ins, b, newId);
  }
  return freeze(b.nodes, graph.inputs.map((i) => map[i]), graph.outputs.map((i) => map[i]));
};

/**
 * A node whose origin (where autodiff made it) names the renumbered forward node, or no node
 * when that one is gone.
 *
 * @example
 * renumberOrigin(node, newIds)
 */
export const renumberOrigin = <N extends Omit<Node, 'id' | 'inputs'>>(n: N, map: Int32Array): N => {
  const o = n.origin;
  if (o?.node === undefined) return n;
  const id = map[o.node];
  const { node: _, ...rest } = o;
  return { ...n, origin: id >= 0 ? { ...rest, node: id } : rest };
};

/**
 * A frozen Graph from nodes in topological order and its input and output ids.
 *
 * @example
 * freeze(b.nodes, [0], [2])
 */
export const freeze = (nodes: readonly Node[], inputs: readonly number[], outputs: readonly number[]): Graph =>
  Object.freeze({ nodes: Object.freeze([...nodes]), inputs: Object.freeze([...inputs]), outputs: Object.freeze([...outputs]) });

/**
 * How many nodes read each node (a graph output counts as a reader).
 *
 * @example
 * useCounts(g)[0] // readers of node 0
 */
export const useCounts = (graph: Graph): Int32Array => {
  const uses = new Int32Array(graph.nodes.length);
  for (const n of graph.nodes) for (const j of n.inputs) uses[j]++;
  for (const o of graph.outputs) uses[o]++;
  return uses;
};

/**
 * The constant tensor a node holds, or undefined when it is not a concrete constant.
 *
 * @example
 * constantValue(g.nodes[3])?.data
 */
export const constantValue = (node: Node): Tensor | undefined => {
  if (node.op !== constant) return undefined;
  const value = (node.attrs as { value: Tensor }).value;
  return value._trace === undefined ? value : undefined;
};
