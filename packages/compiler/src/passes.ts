// The pass pipeline: named Graph → Graph passes run in order, keeping every intermediate graph for inspection.

import { kernelFor, type Backend, type Graph } from '@chainrule/core';
import { cse } from './cse.js';
import { dce } from './dce.js';
import { matmulEpilogues } from './epilogue.js';
import { fold } from './fold.js';
import { elementwiseFusion } from './fuse.js';
import { simplify } from './simplify.js';
import { shareLogSoftmax } from './softmax.js';
import { schedule } from './schedule.js';

/** A graph pass with the name inspection shows. */
export interface Pass {
  readonly name: string;
  readonly run: (graph: Graph) => Graph;
}

/**
 * The default pipeline: clean up what autodiff emits (simplify, CSE, folding; twice, since
 * each exposes work for the others), drop dead nodes, let a softmax cross-entropy share the
 * log-softmax its gradient computes, then fuse elementwise chains and fold them into matmul
 * epilogues, and order the nodes so fewer values are alive at once.
 *
 * @example
 * runPasses(graph, defaultPasses).graph
 */
export const defaultPasses: readonly Pass[] = Object.freeze([
  { name: 'simplify', run: simplify },
  { name: 'cse', run: cse },
  { name: 'fold', run: fold },
  { name: 'simplify', run: simplify },
  { name: 'cse', run: cse },
  { name: 'dce', run: dce },
  { name: 'softmax', run: shareLogSoftmax },
  { name: 'fuse', run: elementwiseFusion() },
  { name: 'dce', run: dce },
  { name: 'epilogue', run: matmulEpilogues },
  { name: 'schedule', run: schedule },
]);

/**
 * The default pipeline for a backend: the same passes, except that fusion leaves alone the ops
 * the backend (or the op's plugin, for that backend) has a kernel of its own for — a backend's
 * kernel is there because it is faster than JavaScript (a WebAssembly SIMD loop measures ~10×
 * a JS loop, see docs/compiler.md), so it should run rather than be folded into a JS loop.
 *
 * @example
 * runPasses(graph, passesFor(jsBackend)).graph
 */
export const passesFor = (backend: Backend): readonly Pass[] =>
  defaultPasses.map((p) => (p.name === 'fuse' ? { name: 'fuse', run: elementwiseFusion({ exclude: (node) => kernelFor(node.op, backend) !== undefined }) } : p));

/** What {@link runPasses} returns: the final graph and the graph after each pass. */
export interface PassRun {
  readonly graph: Graph;
  readonly steps: readonly { readonly pass: string; readonly graph: Graph }[];
}

/**
 * Runs passes in order; each sees the previous one's graph.
 *
 * @example
 * const { graph, steps } = runPasses(g, [{ name: 'dce', run: dce }])
 * steps.map((s) => `${s.pass}: ${s.graph.nodes.length} nodes`)
 */
export const runPasses = (graph: Graph, passes: readonly Pass[] = defaultPasses): PassRun => {
  const steps: { pass: string; graph: Graph }[] = [];
  let g = graph;
  for (const p of passes) {
    g = p.run(g);
    steps.push({ pass: p.name, graph: g });
  }
  return { graph: g, steps };
};
