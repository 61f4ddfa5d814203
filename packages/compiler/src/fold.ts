// Constant folding: a node whose inputs are all constants becomes a constant, unless its value is large.

import { Tensor, sizeOf, type Graph } from '@chainrule/core';
import { constantValue, rewrite } from './rewrite.js';

/** Options of {@link constantFolding}. */
export interface FoldOptions {
  /** Largest number of elements a folded value may have (default 4096): bigger ones stay computed, so a graph never bakes in a huge tensor. */
  readonly maxElements?: number;
}

/**
 * A folding pass: every node whose inputs are all concrete constants and whose output has at
 * most `maxElements` elements is computed once, with the op's reference kernel, and becomes a
 * constant. A node whose kernel throws is left for run time to report.
 *
 * @example
 * constantFolding({ maxElements: 16 })(graph)
 */
export const constantFolding = (options: FoldOptions = {}): ((graph: Graph) => Graph) => {
  const maxElements = options.maxElements ?? 4096;
  return (graph) =>
    rewrite(graph, (node, ins, b) => {
      if (ins.length === 0 || sizeOf(node.shape) > maxElements) return b.copy(node, ins);
      const values = ins.map((j) => constantValue(b.nodes[j]));
      if (values.some((v) => v === undefined)) return b.copy(node, ins);
      let data;
      try {
        data = node.op.forward(values as Tensor[], node.attrs, node);
      } catch {
        return b.copy(node, ins);
      }
      return b.constant(new Tensor(node.dtype, node.shape, data));
    });
};

/**
 * Constant folding with the default size limit (4096 elements).
 *
 * @example
 * fold(trace((x) => add(x, mul(tensor(2), tensor(3))), abstract([2]))) // add(x, constant 6)
 */
export const fold: (graph: Graph) => Graph = constantFolding();
