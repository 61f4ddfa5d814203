// Algebraic simplification of what autodiff emits: ×1, +0, −(−x), reshape∘reshape, transpose∘transpose, sum∘broadcast.

import { isLeft } from 'fp-ts/lib/Either.js';
import {
  add, broadcastTo, mul, neg, normalizeAxes, reshape, shapesEqual, sizeOf, sub, sum, tensor,
  type Graph, type Node, type ReduceAttrs,
} from '@chainrule/core';
import { constantValue, rewrite, type GraphBuilder } from './rewrite.js';

// Matched by name: the standard library's transpose lives in @chainrule/ops, which a compiler
// does not import (its attrs are `{ perm?: number[] }`, default: reversed axes).
const TRANSPOSE = 'ops.transpose';

const isFilledWith = (node: Node, v: number): boolean => {
  const c = constantValue(node);
  if (c === undefined) return false;
  const d = c.data;
  for (let i = 0; i < d.length; i++) if (d[i] !== v) return false;
  return true;
};

const permOf = (node: Node, rank: number): number[] | undefined => {
  const perm = (node.attrs as { perm?: readonly number[] }).perm;
  if (perm === undefined) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  return perm.length === rank ? perm.map((a) => (a < 0 ? a + rank : a)) : undefined;
};

const isIdentity = (p: readonly number[]): boolean => p.every((a, i) => a === i);

/** x when `other` is a constant filled with `v` and the op's output is x itself (same shape and dtype). */
const dropNeutral = (node: Node, x: Node, other: Node, v: number): number | undefined =>
  isFilledWith(other, v) && shapesEqual(node.shape, x.shape) && node.dtype === x.dtype ? x.id : undefined;

/**
 * sum(broadcastTo(x, S)) that reduces exactly the broadcast axes gives n·x (n copies of each
 * element), laid out in the sum's shape: no broadcast and no reduction are needed.
 */
const sumOfBroadcast = (node: Node, bc: Node, b: GraphBuilder): number | undefined => {
  const x = b.nodes[bc.inputs[0]];
  const s = bc.shape;
  if (sizeOf(node.shape) !== sizeOf(x.shape)) return undefined;
  const axes = normalizeAxes((node.attrs as ReduceAttrs).axis, s.length);
  if (isLeft(axes)) return undefined;
  const lead = s.length - x.shape.length;
  for (let d = 0; d < s.length; d++) {
    const broadcast = d < lead || (x.shape[d - lead] === 1 && s[d] !== 1);
    const reduced = axes.right.includes(d);
    // A reduced axis of size 1 changes nothing; otherwise reduced ⇔ broadcast.
    if (reduced !== broadcast && !(reduced && s[d] === 1)) return undefined;
  }
  const n = sizeOf(s) / sizeOf(x.shape);
  const scaled = n === 1 ? x.id : b.add(mul, [x.id, b.constant(tensor(n, { dtype: x.dtype }))], {});
  return shapesEqual(node.shape, x.shape) ? scaled : b.add(reshape, [scaled], { shape: [...node.shape] });
};

/** A sum over axes of size 1 only adds nothing up: a reshape (or nothing) does the same. */
const sumOfOnes = (node: Node, x: Node, b: GraphBuilder): number | undefined => {
  if (sizeOf(node.shape) !== sizeOf(x.shape)) return undefined;
  return shapesEqual(node.shape, x.shape) ? x.id : b.add(reshape, [x.id], { shape: [...node.shape] });
};

/** The simplified id for a node (inputs already simplified), or undefined to keep it. */
const simplifyNode = (node: Node, ins: readonly number[], b: GraphBuilder): number | undefined => {
  const arg = (k: number): Node => b.nodes[ins[k]];
  switch (node.op) {
    case mul:
      return dropNeutral(node, arg(0), arg(1), 1) ?? dropNeutral(node, arg(1), arg(0), 1);
    case add:
      return dropNeutral(node, arg(0), arg(1), 0) ?? dropNeutral(node, arg(1), arg(0), 0);
    case sub:
      return dropNeutral(node, arg(0), arg(1), 0);
    case neg:
      return arg(0).op === neg ? arg(0).inputs[0] : undefined;
    case reshape: {
      const x = arg(0).op === reshape ? b.nodes[arg(0).inputs[0]] : arg(0);
      if (shapesEqual(x.shape, node.shape)) return x.id;
      return x === arg(0) ? undefined : b.add(reshape, [x.id], { shape: [...node.shape] });
    }
    case broadcastTo:
      return shapesEqual(arg(0).shape, node.shape) ? ins[0] : undefined;
    case sum:
      return arg(0).op === broadcastTo ? sumOfBroadcast(node, arg(0), b) : sumOfOnes(node, arg(0), b);
  }
  if (node.op.name === TRANSPOSE) {
    const outer = permOf(node, node.shape.length);
    if (outer === undefined) return undefined;
    if (isIdentity(outer)) return ins[0];
    const inner = arg(0).op.name === TRANSPOSE ? permOf(arg(0), node.shape.length) : undefined;
    if (inner === undefined) return undefined;
    // y = transpose(x, p) has axis j = x's axis p[j]; z = transpose(y, q) has axis k = x's axis p[q[k]].
    const composed = outer.map((a) => inner[a]);
    const x = arg(0).inputs[0];
    return isIdentity(composed) ? x : b.add(node.op, [x], { perm: composed });
  }
  return undefined;
};

/**
 * Removes the identities reverse mode leaves behind: x·1 and x+0 (when the constant does not
 * broadcast x to a bigger shape), −(−x), reshape∘reshape (one reshape, none if the shape comes
 * back), broadcastTo to the same shape, transpose∘transpose (one transpose with the composed
 * permutation, none if it is the identity), a sum over exactly the axes a broadcast added
 * (n·x), and a sum over axes of size 1 (a reshape). Rewrites chain: each node sees its inputs simplified already.
 *
 * @example
 * simplify(trace((x) => neg(neg(mul(x, 1))), abstract([2]))).nodes.length // 1: the input
 */
export const simplify = (graph: Graph): Graph =>
  rewrite(graph, (node, ins, b) => simplifyNode(node, ins, b) ?? b.copy(node, ins));
