// Memory accounting of a graph: the bytes of intermediate values alive at once when the interpreter runs it.

import type { Graph } from './graph.js';
import { constant, input } from './op.js';
import { sizeOf } from './shape.js';
import type { Aval } from './tensor.js';
import { customForwardGraph } from './custom.js';

const bytesOf = (x: Aval): number => sizeOf(x.shape) * (x.dtype === 'float64' ? 8 : 4);

/**
 * The largest number of bytes of intermediate values alive at once when the interpreter runs
 * `graph`: each node's value lives from its node to its last reader. Inputs, constants and
 * the graph's outputs (e.g. the gradients returned) are not intermediates and are not
 * counted. A node that runs a function inside (a custom rule, a checkpoint) adds that
 * function's own peak while it runs. This is what `checkpoint` trades: fewer values held
 * from the forward pass for the backward pass.
 *
 * @example
 * peakLiveBytes(trace(grad(loss), abstract([64, 784]))) // bytes
 */
export const peakLiveBytes = (graph: Graph): number => {
  const nodes = graph.nodes, n = nodes.length;
  const lastUse = new Int32Array(n).fill(-1);
  for (const node of nodes) for (const j of node.inputs) lastUse[j] = node.id;
  const isOutput = new Uint8Array(n);
  for (const id of graph.outputs) isOutput[id] = 1;
  const counted = (id: number): boolean => nodes[id].op !== input && nodes[id].op !== constant && !isOutput[id];
  let live = 0, peak = 0;
  for (const node of nodes) {
    if (node.op === input || node.op === constant) continue;
    const inner = customForwardGraph(node, node.inputs.map((j) => nodes[j]));
    const transient = inner === undefined ? 0 : peakLiveBytes(inner);
    const out = isOutput[node.id] ? 0 : bytesOf(node);
    peak = Math.max(peak, live + out + transient);
    live += out;
    for (const j of node.inputs) if (lastUse[j] === node.id && counted(j)) live -= bytesOf(nodes[j]);
    // A value nothing reads is dropped at once.
    if (lastUse[node.id] === -1) live -= out;
  }
  return peak;
};
