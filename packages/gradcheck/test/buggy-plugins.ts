// Deliberately wrong op plugins that the conformance kit must catch (test fixtures).

import { add, allocate, broadcastTo, defineOp, inferBroadcast, inferSame, mul, noAttrs, sigmoid, sub, sum, unbroadcast, type Op } from '@chainrule/core';
import { transpose } from '@chainrule/ops';

// The kernels are core's own: only the rules are wrong.

/** σ(x) whose VJP forgets the (1 − σ) factor; its JVP is right. */
export const sigmoidMissingFactor: Op<{}> = defineOp({
  name: 'buggy.sigmoid',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: sigmoid.forward,
  // Wrong on purpose: ∂σ = g·σ·(1−σ), not g·σ.
  vjp: ({ output: s, cotangent: g }) => [mul(g, s)],
  jvp: ({ output: s, tangents: [tx] }) => (tx === null ? null : mul(tx, mul(s, sub(1, s)))),
  domains: [{ min: -6, max: 6 }],
});

/** Broadcasting a + b whose VJP hands back the cotangent at the output's shape (no unbroadcast). */
export const addNoUnbroadcast: Op<{}> = defineOp({
  name: 'buggy.addNoUnbroadcast',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: add.forward,
  // Wrong on purpose: each cotangent must be summed back to its input's shape.
  vjp: ({ cotangent: g }) => [g, g],
});

/** Broadcasting a + b whose VJP reduces over every axis instead of the broadcast ones: right shapes, wrong values. */
export const addSumsEverything: Op<{}> = defineOp({
  name: 'buggy.addSumsEverything',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: add.forward,
  // Wrong on purpose: sums the whole cotangent and spreads it over the input.
  vjp: ({ inputs: [a, b], cotangent: g }) => [broadcastTo(sum(g), { shape: [...a.shape] }), broadcastTo(sum(g), { shape: [...b.shape] })],
});

/** Doubles its input in place: a kernel that writes into its input (used only by the VJP below). */
const doubleInPlace = defineOp<{}>({
  name: 'buggy.doubleInPlace',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x]) => {
    const d = x.data;
    for (let i = 0; i < d.length; i++) d[i] *= 2;
    return d;
  },
  vjp: ({ cotangent: g }) => [mul(g, 2)],
});

/** x² whose VJP computes 2x by doubling x's data in place: the gradient is right, the input is ruined. */
export const squareMutatingVjp: Op<{}> = defineOp({
  name: 'buggy.squareMutatingVjp',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = d[i] * d[i];
    return o;
  },
  // Wrong on purpose: 2x is computed by writing into x.
  vjp: ({ inputs: [x], cotangent: g }) => [mul(g, doubleInPlace(x))],
});

/** a·b whose JVP drops the tangent unless both inputs have one: right with every tangent given. */
export const mulJvpNeedsBoth: Op<{}> = defineOp({
  name: 'buggy.mulJvpNeedsBoth',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: mul.forward,
  vjp: mul.vjp,
  // Wrong on purpose: a null tangent is a symbolic zero, not a reason to return no tangent.
  jvp: ({ inputs: [a, b], tangents: [ta, tb] }) => (ta === null || tb === null ? null : add(mul(ta, b), mul(a, tb))),
});

/** a + b whose VJP unbroadcasts the first operand only: right while the second is never broadcast. */
export const addUnbroadcastsFirstOnly: Op<{}> = defineOp({
  name: 'buggy.addUnbroadcastsFirstOnly',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: add.forward,
  // Wrong on purpose: b's cotangent is g at the output's shape.
  vjp: ({ inputs: [a], cotangent: g }) => [unbroadcast(g, a.shape), g],
});

/** transpose whose VJP permutes by perm instead of its inverse: right for perms that are their own inverse. */
export const transposeWrongInverse: Op<{ perm?: readonly number[] }> = defineOp({
  name: 'buggy.transposeWrongInverse',
  attrs: transpose.attrs,
  arity: 1,
  infer: transpose.infer,
  forward: transpose.forward,
  // Wrong on purpose: the cotangent must go back through the inverse permutation.
  vjp: ({ cotangent: g, attrs }) => [transpose(g, attrs)],
});

/** x clipped above at 3.5 whose VJP forgets the clamp: wrong only for x > 3.5, 6 % of the range [−4, 4]. */
export const clampForgotten: Op<{}> = defineOp({
  name: 'buggy.clampForgotten',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.min(d[i], 3.5);
    return o;
  },
  // Wrong on purpose: ∂ = g·[x < 3.5], not g.
  vjp: ({ cotangent: g }) => [g],
  domains: [{ min: -4, max: 4, avoid: [3.5] }],
  smooth: false,
});
