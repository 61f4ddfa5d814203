// Deliberately wrong op plugins that the conformance kit must catch (test fixtures).

import { add, allocate, broadcastTo, defineOp, inferBroadcast, inferSame, mul, noAttrs, sigmoid, sub, sum, type Op } from '@chainrule/core';

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
