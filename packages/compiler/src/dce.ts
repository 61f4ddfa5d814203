// Dead-code elimination: drops every node no output depends on (graph inputs always stay).

import type { Graph } from '@chainrule/core';
import { freeze, renumberOrigin } from './rewrite.js';

/**
 * Removes the nodes no output reads, directly or through other nodes, and renumbers the rest
 * densely in their old order. Graph inputs are kept even when unused: they are the compiled
 * function's signature.
 *
 * @example
 * dce(trace((x) => { exp(x); return neg(x) }, abstract([2]))).nodes.length // 2: input, neg
 */
export const dce = (graph: Graph): Graph => {
  const n = graph.nodes.length;
  const live = new Uint8Array(n);
  for (const id of graph.outputs) live[id] = 1;
  for (const id of graph.inputs) live[id] = 1;
  for (let i = n - 1; i >= 0; i--) if (live[i]) for (const j of graph.nodes[i].inputs) live[j] = 1;
  if (live.every((v) => v === 1)) return graph;
  const map = new Int32Array(n).fill(-1);
  const nodes = [];
  for (const node of graph.nodes) {
    if (!live[node.id]) continue;
    map[node.id] = nodes.length;
    nodes.push(Object.freeze({ ...renumberOrigin(node, map), id: nodes.length, inputs: Object.freeze(node.inputs.map((j) => map[j])) }));
  }
  return freeze(nodes, graph.inputs.map((i) => map[i]), graph.outputs.map((i) => map[i]));
};
