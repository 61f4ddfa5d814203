// Loss functions, one value per example (the last axis is reduced): cross-entropies, mean squared error and Huber.

import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import {
  defineOp, allocate, noAttrs, shapesEqual, sum, reshape, sub, mul, div, neg, log, sigmoid, batchAsRows,
  type Op, type Aval, type Tensor, type ShapeError, withDefaults, shapeText } from '@chainrule/core';
import { clip } from './unary.js';
import { greaterEqual, lessEqual } from './binary.js';
import { addTangents } from './internal.js';

export { softmaxCrossEntropy } from '@chainrule/core';

// Every loss here compares a prediction with a target of the same shape and returns one
// value per example: the mean over the last axis, shape `pred.shape[:-1]` (Keras's
// convention, and the per-example shape of softmaxCrossEntropy). For one output per
// example, give shape [batch, 1]; average the result for a scalar training loss.

/** Output of a per-example loss: same shapes and dtypes in, the last axis reduced out. */
const inferPerExample = ([p, q]: readonly Aval[]): Either<ShapeError, Aval> => {
  if (p.dtype !== q.dtype) return left({ _tag: 'DtypeMismatch', message: `dtypes ${p.dtype} and ${q.dtype} differ; cast one of them` });
  if (!shapesEqual(p.shape, q.shape)) {
    return left({ _tag: 'ShapeMismatch', message: `the prediction ${shapeText(p.shape)} and the target ${shapeText(q.shape)} must have the same shape` });
  }
  if (p.shape.length === 0 || p.shape[p.shape.length - 1] === 0) {
    return left({ _tag: 'ShapeMismatch', message: `the loss averages over the last axis, so it must exist and be non-empty, got ${shapeText(p.shape)}` });
  }
  return right({ shape: p.shape.slice(0, -1), dtype: p.dtype });
};

/** Number of elements averaged into each example's loss. */
const lastDim = (x: Aval): number => x.shape[x.shape.length - 1];

/** The per-example cotangent divided by the row length, with a size-1 last axis to broadcast over a row. */
const rowScale = (g: Tensor, x: Aval): Tensor => mul(reshape(g, { shape: [...g.shape, 1] }), 1 / lastDim(x));

/** The per-example mean of a per-element tangent. */
const rowMean = (tangent: Tensor, x: Aval): Tensor => mul(sum(tangent, { axis: -1 }), 1 / lastDim(x));

/**
 * Sigmoid cross-entropy from logits, averaged over the last axis: for logit x and target
 * probability t, −t·log σ(x) − (1 − t)·log(1 − σ(x)), computed as the stable
 * max(x, 0) − x·t + log1p(exp(−|x|)); finite and exact for logits of ±1000. Targets may be
 * soft (any value in [0, 1]) and receive a gradient too.
 *
 * @example
 * sigmoidCrossEntropy(tensor([[0, 1000]]), tensor([[1, 1]])) // [0.3466]  = (log 2 + 0) / 2
 */
export const sigmoidCrossEntropy: Op<{}> = defineOp({
  name: 'ops.sigmoidCrossEntropy',
  conformance: { cases: [{ inputs: [[2, 3], [2, 3]] }, { inputs: [[4], [4]] }] },
  kind: 'opaque',
  attrs: noAttrs,
  arity: 2,
  infer: inferPerExample,
  forward: ([z, y], _, out) => {
    const zd = z.data, yd = y.data, c = lastDim(z), rows = zd.length / c;
    const o = allocate(out.dtype, rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let k = r * c; k < (r + 1) * c; k++) {
        const x = zd[k];
        s += (x > 0 ? x : 0) - x * yd[k] + Math.log1p(Math.exp(-Math.abs(x)));
      }
      o[r] = s / c;
    }
    return o;
  },
  // ∂x = g·(σ(x) − t)/C, ∂t = −g·x/C
  vjp: ({ inputs: [z, y], cotangent: g }) => {
    const gs = rowScale(g, z);
    return [mul(gs, sub(sigmoid(z), y)), neg(mul(gs, z))];
  },
  jvp: ({ inputs: [z, y], tangents: [tz, ty] }) =>
    addTangents(tz === null ? null : rowMean(mul(sub(sigmoid(z), y), tz), z), ty === null ? null : neg(rowMean(mul(z, ty), z))),
  domains: [{ min: -6, max: 6 }, { min: 0, max: 1 }],
  // Rows are independent: the batch is one more leading axis of both operands.
  batch: (args) => batchAsRows(sigmoidCrossEntropy, args),
});

/** Attrs of {@link binaryCrossEntropy}: the clamp applied to probabilities before the logs. */
export interface BinaryCrossEntropyAttrs {
  readonly epsilon?: number;
}

const DEFAULT_EPSILON = 1e-7;

/** ∂/∂p of the clamped binary cross-entropy per element, built from ops, with q = clip(p, ε, 1−ε): [ε ≤ p ≤ 1−ε]·(q − t)/(q·(1 − q)). */
const bceSlopeP = (p: Tensor, q: Tensor, y: Tensor, eps: number): Tensor =>
  mul(mul(greaterEqual(p, eps), lessEqual(p, 1 - eps)), div(sub(q, y), mul(q, sub(1, q))));

/** ∂/∂t of the clamped binary cross-entropy per element: log(1 − q) − log q. */
const bceSlopeT = (q: Tensor): Tensor => sub(log(sub(1, q)), log(q));

/**
 * Binary cross-entropy from probabilities, averaged over the last axis:
 * −t·log p − (1 − t)·log(1 − p). Probabilities are first clamped to [ε, 1 − ε] (`epsilon`,
 * default 1e-7 as in Keras), so p = 0 or 1 (e.g. σ(±1000)) gives a finite loss of at most
 * −log ε ≈ 16.1 per element; the gradient with respect to p is that of the clamped loss
 * (zero outside the clamp, clip's subgradient at its bounds). Prefer
 * {@link sigmoidCrossEntropy} on logits when you have them: it needs no clamp.
 *
 * @example
 * binaryCrossEntropy(tensor([[0.9, 0.2]]), tensor([[1, 0]])) // [0.1643]  = (−log 0.9 − log 0.8) / 2
 */
export const binaryCrossEntropy: Op<BinaryCrossEntropyAttrs> = defineOp({
  name: 'ops.binaryCrossEntropy',
  conformance: { cases: [{ inputs: [[2, 3], [2, 3]] }, { inputs: [[4], [4]], attrs: { epsilon: 0.01 } }], badAttrs: [{ epsilon: 0.7 }] },
  kind: 'opaque',
  attrs: t.partial({
    epsilon: t.refinement(t.number, (e) => e > 0 && e < 0.5, 'epsilon in (0, 0.5)'),
  }),
  arity: 2,
  infer: inferPerExample,
  forward: ([p, y], { epsilon = DEFAULT_EPSILON }, out) => {
    const pd = p.data, yd = y.data, c = lastDim(p), rows = pd.length / c;
    const lo = epsilon, hi = 1 - epsilon;
    const o = allocate(out.dtype, rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let k = r * c; k < (r + 1) * c; k++) {
        const v = pd[k], q = v < lo ? lo : v > hi ? hi : v;
        s -= yd[k] * Math.log(q) + (1 - yd[k]) * Math.log1p(-q);
      }
      o[r] = s / c;
    }
    return o;
  },
  // with q = clip(p, ε, 1−ε): ∂p = g·[ε ≤ p ≤ 1−ε]·(q − t)/(q·(1 − q))/C, ∂t = g·(log(1 − q) − log q)/C
  vjp: ({ inputs: [p, y], cotangent: g, attrs }) => {
    const eps = attrs.epsilon ?? DEFAULT_EPSILON;
    const q = clip(p, { min: eps, max: 1 - eps });
    const gs = rowScale(g, p);
    return [mul(gs, bceSlopeP(p, q, y, eps)), mul(gs, bceSlopeT(q))];
  },
  jvp: ({ inputs: [p, y], tangents: [tp, ty], attrs }) => {
    const eps = attrs.epsilon ?? DEFAULT_EPSILON;
    const q = clip(p, { min: eps, max: 1 - eps });
    const dp = tp === null ? null : rowMean(mul(tp, bceSlopeP(p, q, y, eps)), p);
    const dy = ty === null ? null : rowMean(mul(ty, bceSlopeT(q)), p);
    return addTangents(dp, dy);
  },
  domains: [{ min: 0.05, max: 0.95 }, { min: 0, max: 1 }],
  // Rows are independent: the batch is one more leading axis of both operands.
  batch: (args) => batchAsRows(binaryCrossEntropy, args),
});

/**
 * Mean squared error averaged over the last axis: mean((pred − target)²), one value per
 * example. (TF.js's meanSquaredError averages everything to a scalar; take `mean` of this
 * for that.)
 *
 * @example
 * mse(tensor([[1, 2], [0, 0]]), tensor([[1, 4], [1, 1]])) // [2, 1]
 */
export const mse: Op<{}> = defineOp({
  name: 'ops.mse',
  conformance: { cases: [{ inputs: [[2, 3], [2, 3]] }, { inputs: [[4], [4]] }] },
  kind: 'opaque',
  attrs: noAttrs,
  arity: 2,
  infer: inferPerExample,
  forward: ([p, y], _, out) => {
    const pd = p.data, yd = y.data, c = lastDim(p), rows = pd.length / c;
    const o = allocate(out.dtype, rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let k = r * c; k < (r + 1) * c; k++) {
        const d = pd[k] - yd[k];
        s += d * d;
      }
      o[r] = s / c;
    }
    return o;
  },
  // ∂pred = g·2(pred − target)/C, ∂target = −∂pred
  vjp: ({ inputs: [p, y], cotangent: g }) => {
    const dp = mul(rowScale(g, p), mul(sub(p, y), 2));
    return [dp, neg(dp)];
  },
  jvp: ({ inputs: [p, y], tangents: [tp, ty] }) => {
    const dt = tp === null ? (ty === null ? null : neg(ty)) : ty === null ? tp : sub(tp, ty);
    return dt === null ? null : rowMean(mul(mul(sub(p, y), 2), dt), p);
  },
  // Rows are independent: the batch is one more leading axis of both operands.
  batch: (args) => batchAsRows(mse, args),
});

/** Attrs of {@link huber}: where the loss turns from quadratic to linear (default 1). */
export interface HuberAttrs {
  readonly delta: number;
}

/**
 * Huber loss averaged over the last axis: with r = pred − target, ½r² where |r| ≤ δ and
 * δ·(|r| − ½δ) beyond (`delta`, default 1). Its gradient clip(r, −δ, δ) is continuous, but
 * the second derivative jumps at |r| = δ (taken as 1 there, clip's subgradient), so the op
 * is marked non-smooth.
 *
 * @example
 * huber(tensor([[0.5, 3]]), tensor([[0, 0]])) // [1.3125]  = (0.125 + 2.5) / 2
 */
export const huber: Op<HuberAttrs> = defineOp({
  name: 'ops.huber',
  conformance: {
    // The residual p − y stays away from ±delta, the kink.
    cases: [
      { inputs: [{ shape: [2, 3], min: -3, max: 3, avoid: [-1, 1], margin: 0.3 }, { shape: [2, 3], min: -0.1, max: 0.1 }] },
      { inputs: [{ shape: [2, 3], min: -2, max: 2, avoid: [-0.5, 0.5], margin: 0.15 }, { shape: [2, 3], min: -0.05, max: 0.05 }], attrs: { delta: 0.5 } },
    ],
    badAttrs: [{ delta: -1 }, { delta: 'one' }],
  },
  kind: 'opaque',
  attrs: withDefaults({ delta: t.refinement(t.number, (d) => d > 0 && Number.isFinite(d), 'positive finite number') }, { delta: 1 }),
  arity: 2,
  infer: inferPerExample,
  forward: ([p, y], { delta }, out) => {
    const pd = p.data, yd = y.data, c = lastDim(p), rows = pd.length / c;
    const o = allocate(out.dtype, rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let k = r * c; k < (r + 1) * c; k++) {
        const a = Math.abs(pd[k] - yd[k]);
        s += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
      }
      o[r] = s / c;
    }
    return o;
  },
  // ∂pred = g·clip(pred − target, −δ, δ)/C, ∂target = −∂pred
  vjp: ({ inputs: [p, y], cotangent: g, attrs: { delta } }) => {
    const dp = mul(rowScale(g, p), clip(sub(p, y), { min: -delta, max: delta }));
    return [dp, neg(dp)];
  },
  jvp: ({ inputs: [p, y], tangents: [tp, ty], attrs: { delta } }) => {
    const dt = tp === null ? (ty === null ? null : neg(ty)) : ty === null ? tp : sub(tp, ty);
    return dt === null ? null : rowMean(mul(clip(sub(p, y), { min: -delta, max: delta }), dt), p);
  },
  smooth: false,
  // Rows are independent: the batch is one more leading axis of both operands.
  batch: (args) => batchAsRows(huber, args),
});
