// Softmax with cross-entropy: the loss and its gradient share one log-softmax instead of computing it twice.

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import { ChainruleError, allocate, defineOp, logSoftmax, shapesEqual, sizeOf, softmaxCrossEntropy, type Graph, type Node, type Op } from '@chainrule/core';
import { crossEntropyRows } from '@chainrule/core/kernels';
import { rewrite } from './rewrite.js';

/**
 * Per-row cross-entropy from log-probabilities over the last axis: −Σ p·ls for one-hot or
 * probability labels (zero labels skipped, so −∞·0 never appears), −ls[label] for class
 * indices (NaN out of range) — the loss `softmaxCrossEntropy` computes, minus its softmax.
 * Made only by the {@link shareLogSoftmax} pass.
 *
 * @example
 * crossEntropyFromLogSoftmax.name // 'compiler.crossEntropy'
 */
export const crossEntropyFromLogSoftmax: Op<{}> = defineOp({
  name: 'compiler.crossEntropy',
  kind: 'opaque',
  attrs: t.type({}),
  arity: 2,
  infer: ([ls, p]) => {
    const batch = ls.shape.slice(0, -1);
    return ls.shape.length >= 1 && ls.dtype === p.dtype && (shapesEqual(p.shape, ls.shape) || shapesEqual(p.shape, batch))
      ? right({ shape: batch, dtype: ls.dtype })
      : left({ _tag: 'ShapeMismatch', message: 'labels must have the log-probabilities\' shape, or it without the last axis' });
  },
  forward: ([ls, p], _, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape));
    crossEntropyRows(ls.data, p.data, p.shape.length === ls.shape.length, ls.shape[ls.shape.length - 1], o);
    return o;
  },
  vjp: () => {
    throw new ChainruleError('BadRule', 'a compiled graph is run, not differentiated', { op: 'compiler.crossEntropy' });
  },
});

const isLastAxis = (node: Node): boolean => {
  const axis = (node.attrs as { axis?: number }).axis ?? -1;
  return axis === -1 || axis === node.shape.length - 1;
};

/**
 * Where a graph has both `softmaxCrossEntropy(z, p)` and `logSoftmax(z)` over the last axis —
 * as reverse mode emits them, the loss forward and its gradient — computes the log-softmax
 * once, at the loss, and the loss from it.
 *
 * @example
 * shareLogSoftmax(trace(valueAndGrad(loss), params, x, y))
 */
export const shareLogSoftmax = (graph: Graph): Graph => {
  const logits = new Map<number, Node>(); // z → a last-axis logSoftmax of z
  for (const n of graph.nodes) if (n.op === logSoftmax && isLastAxis(n) && !logits.has(n.inputs[0])) logits.set(n.inputs[0], n);
  const shared = new Map<number, number>(); // old z → new id of its log-softmax
  return rewrite(graph, (node, ins, b) => {
    const z = node.inputs[0];
    if (node.op === softmaxCrossEntropy && logits.has(z)) {
      let ls = shared.get(z);
      if (ls === undefined) shared.set(z, (ls = b.add(logSoftmax, [ins[0]], logits.get(z)!.attrs)));
      return b.add(crossEntropyFromLogSoftmax, [ls, ins[1]], {});
    }
    if (node.op === logSoftmax && logits.get(z) === node) {
      const ls = shared.get(z);
      if (ls !== undefined) return ls;
      const id = b.copy(node, ins);
      shared.set(z, id);
      return id;
    }
    return b.copy(node, ins);
  });
};
