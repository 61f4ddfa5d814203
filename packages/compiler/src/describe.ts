// Graphs as short text: one line per node, for tests, inspection and error messages.

import type { Graph, Node } from '@chainrule/core';
import { constantValue } from './rewrite.js';
import type { ElementwiseProgram } from './fuse.js';
import { shapeText } from '@chainrule/core';

const nodeText = (node: Node): string => {
  if (node.op.name === 'core.input') return 'input';
  const c = constantValue(node);
  if (c !== undefined) return c.size <= 4 ? `constant [${Array.from(c.data).join(', ')}]` : `constant ${c.dtype}${shapeText(c.shape)}`;
  const program = (node.attrs as { program?: ElementwiseProgram }).program;
  const what = program === undefined ? node.op.name : `${node.op.name}{${program.steps.map((s) => s.op.name).join(' ')}}`;
  return `${what}(${node.inputs.map((j) => `%${j}`).join(', ')})`;
};

/**
 * A graph as text, one node a line (`%2 = core.mul(%0, %1)`), fused nodes with their steps,
 * outputs last.
 *
 * @example
 * describeGraph(trace((x) => exp(x), abstract([2])))
 * // '%0 = input\n%1 = core.exp(%0)\n→ %1'
 */
export const describeGraph = (graph: Graph): string =>
  [...graph.nodes.map((n) => `%${n.id} = ${nodeText(n)}`), `→ ${graph.outputs.map((o) => `%${o}`).join(', ')}`].join('\n');
