// Numerically stable softmax, log-softmax, one-hot and softmax cross-entropy.

import * as t from 'io-ts';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import { defineOp, noGradient, type Op } from '../op.js';
import { ChainruleError } from '../errors.js';
import { normalizeAxes, sizeOf, shapesEqual, type Shape } from '../shape.js';
import { allocate, tensor, type FloatArray } from '../tensor.js';
import { mul, sub, add } from './binary.js';
import { exp, neg } from './unary.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';
import { batchAxis, batchAsRows } from '../batching.js';

/** Attrs of softmax-like ops: the axis to normalise over (default −1). */
export interface AxisAttrs {
  readonly axis?: number;
}

const axisAttrs: t.Type<AxisAttrs, AxisAttrs, unknown> = t.partial({ axis: t.number });

const blocks = (shape: Shape, axis: number): { outer: number; len: number; inner: number } => ({
  outer: sizeOf(shape.slice(0, axis)),
  len: shape[axis],
  inner: sizeOf(shape.slice(axis + 1)),
});

const axisOf = (rank: number, axis: number | undefined): number => {
  const a = axis ?? -1;
  return a < 0 ? a + rank : a;
};

/** Writes log-softmax (or softmax when `probs`) of x along one axis into out. */
const softmaxKernel = (x: FloatArray, shape: Shape, axis: number, out: FloatArray, probs: boolean): void => {
  const { outer, len, inner } = blocks(shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m = -Infinity;
      for (let k = 0; k < len; k++) m = Math.max(m, x[base + k * inner]);
      if (m === -Infinity || !Number.isFinite(m)) m = Number.isNaN(m) ? m : 0;
      let s = 0;
      for (let k = 0; k < len; k++) s += Math.exp(x[base + k * inner] - m);
      if (probs) for (let k = 0; k < len; k++) out[base + k * inner] = Math.exp(x[base + k * inner] - m) / s;
      else {
        const lse = m + Math.log(s);
        for (let k = 0; k < len; k++) out[base + k * inner] = x[base + k * inner] - lse;
      }
    }
  }
};

const inferAxis = ([x]: readonly { shape: Shape; dtype: 'float32' | 'float64' }[], { axis }: AxisAttrs) => {
  const a = normalizeAxes(axis ?? -1, x.shape.length);
  if (isLeft(a)) return a;
  return right({ shape: x.shape, dtype: x.dtype });
};

/**
 * softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x) along `axis` (default −1); stable for
 * logits of any size.
 *
 * @example
 * softmax(tensor([1000, 1000])) // [0.5, 0.5]
 */
export const softmax: Op<AxisAttrs> = defineOp({
  name: 'core.softmax',
  conformance: { cases: [{ inputs: [[2, 3]] }, { inputs: [[3, 2]], attrs: { axis: 0 } }, { inputs: [[4]] }], badAttrs: [{ axis: 'last' }, { axis: 3 }] },
  kind: 'opaque',
  attrs: axisAttrs,
  arity: 1,
  infer: inferAxis,
  forward: ([x], { axis }, out) => {
    const o = allocate(out.dtype, x.size);
    softmaxKernel(x.data, x.shape, axisOf(x.shape.length, axis), o, true);
    return o;
  },
  // ∂softmax = y·(g − Σ g·y)
  vjp: ({ output: y, cotangent: g, attrs }) => {
    const axis = axisOf(y.shape.length, attrs.axis);
    return [mul(y, sub(g, sum(mul(g, y), { axis, keepDims: true })))];
  },
  jvp: ({ output: y, tangents: [tx], attrs }) => {
    if (tx === null) return null;
    const axis = axisOf(y.shape.length, attrs.axis);
    return mul(y, sub(tx, sum(mul(tx, y), { axis, keepDims: true })));
  },
  batch: ({ inputs: [x], attrs }) => softmax(x, { axis: batchAxis(attrs.axis ?? -1, x.shape.length - 1) }),
});

/**
 * log softmax(x) = x − logsumexp(x) along `axis` (default −1), stable for large logits.
 *
 * @example
 * logSoftmax(tensor([0, 0])) // [-0.693, -0.693]
 */
export const logSoftmax: Op<AxisAttrs> = defineOp({
  name: 'core.logSoftmax',
  conformance: { cases: [{ inputs: [[2, 3]] }, { inputs: [[3, 2]], attrs: { axis: 0 } }, { inputs: [[4]] }], badAttrs: [{ axis: 'last' }, { axis: 3 }] },
  kind: 'opaque',
  attrs: axisAttrs,
  arity: 1,
  infer: inferAxis,
  forward: ([x], { axis }, out) => {
    const o = allocate(out.dtype, x.size);
    softmaxKernel(x.data, x.shape, axisOf(x.shape.length, axis), o, false);
    return o;
  },
  // ∂logsoftmax = g − softmax·Σg
  vjp: ({ output, cotangent: g, attrs }) => {
    const axis = axisOf(output.shape.length, attrs.axis);
    return [sub(g, mul(exp(output), sum(g, { axis, keepDims: true })))];
  },
  jvp: ({ output, tangents: [tx], attrs }) => {
    if (tx === null) return null;
    const axis = axisOf(output.shape.length, attrs.axis);
    return sub(tx, sum(mul(exp(output), tx), { axis, keepDims: true }));
  },
  batch: ({ inputs: [x], attrs }) => logSoftmax(x, { axis: batchAxis(attrs.axis ?? -1, x.shape.length - 1) }),
});

/**
 * One-hot encoding of class indices along a new last axis of size `depth`; indices out of
 * range give all-zero rows. No gradient.
 *
 * @example
 * oneHot(tensor([0, 2]), { depth: 3 }) // [[1, 0, 0], [0, 0, 1]]
 */
export const oneHot: Op<{ depth: number }> = defineOp({
  name: 'core.oneHot',
  conformance: { cases: [{ inputs: [tensor([0, 2, 1, 2])], attrs: { depth: 3 } }], badAttrs: [{ depth: 0 }, { depth: 1.5 }] },
  kind: 'opaque',
  attrs: t.type({ depth: t.refinement(t.number, (n) => Number.isInteger(n) && n > 0, 'positive integer') }),
  arity: 1,
  infer: ([x], { depth }) => right({ shape: [...x.shape, depth], dtype: x.dtype }),
  forward: ([x], { depth }, out) => {
    const o = allocate(out.dtype, x.size * depth), d = x.data;
    for (let i = 0; i < d.length; i++) {
      const c = d[i];
      if (Number.isInteger(c) && c >= 0 && c < depth) o[i * depth + c] = 1;
    }
    return o;
  },
  vjp: noGradient,
  differentiable: false,
  // Indices of any shape: the batch axis is one more of them.
  batch: (args) => batchAsRows(oneHot, args),
});

/**
 * Per-row cross-entropy from log-probabilities `ls` (rows of `classes` values) into `out`:
 * −Σ p·ls for one-hot or probability labels (zero labels skipped, so −∞·0 never appears),
 * −ls[label] for class indices (NaN when out of range).
 *
 * @example
 * crossEntropyRows(logProbs, labels, true, 10, out)
 */
export const crossEntropyRows = (ls: FloatArray, p: FloatArray, dense: boolean, classes: number, out: FloatArray): void => {
  const c = classes;
  for (let r = 0; r < out.length; r++) {
    if (dense) {
      let s = 0;
      for (let k = 0; k < c; k++) {
        const w = p[r * c + k];
        if (w !== 0) s -= w * ls[r * c + k];
      }
      out[r] = s;
    } else {
      const k = p[r];
      if (!(Number.isInteger(k) && k >= 0 && k < c)) {
        throw new ChainruleError('BadArgument', `class label ${k} at index ${r} is not an integer in [0, ${c})`, { op: 'core.softmaxCrossEntropy' });
      }
      out[r] = -ls[r * c + k];
    }
  }
};

/**
 * Per-example softmax cross-entropy over the last axis: −Σ labels·log softmax(logits).
 * Labels are either one-hot / probability rows (same shape as logits) or integer class
 * indices (logits' shape without the last axis; one outside [0, classes) throws, as in
 * PyTorch). Returns shape `logits.shape[:-1]`; stable for logits of ±1000.
 *
 * @example
 * softmaxCrossEntropy(tensor([[2, 0]]), tensor([[1, 0]])) // [0.127]
 * softmaxCrossEntropy(tensor([[2, 0]]), tensor([0]))      // the same, integer labels
 */
export const softmaxCrossEntropy: Op<{}> = defineOp({
  name: 'core.softmaxCrossEntropy',
  conformance: {
    cases: [
      { inputs: [[2, 3], { shape: [2, 3], min: 0, max: 1 }], label: 'probability labels' },
      { inputs: [[3, 4], tensor([0, 3, 1])], label: 'class indices' },
    ],
  },
  kind: 'opaque',
  attrs: t.type({}),
  arity: 2,
  infer: ([z, p]) => {
    if (z.shape.length < 1) return left({ _tag: 'ShapeMismatch', message: 'logits need at least one axis (the classes)' });
    if (z.dtype !== p.dtype) return left({ _tag: 'DtypeMismatch', message: `dtypes ${z.dtype} and ${p.dtype} differ` });
    const batch = z.shape.slice(0, -1);
    if (!shapesEqual(p.shape, z.shape) && !shapesEqual(p.shape, batch)) {
      return left({ _tag: 'ShapeMismatch', message: `labels must have the logits' shape (one-hot) or the logits' shape without the last axis (class indices)` });
    }
    return right({ shape: batch, dtype: z.dtype });
  },
  forward: ([z, p], _, out) => {
    const c = z.shape[z.shape.length - 1];
    const rows = sizeOf(out.shape);
    const ls = allocate(z.dtype, z.size);
    softmaxKernel(z.data, z.shape, z.shape.length - 1, ls, false);
    const o = allocate(out.dtype, rows);
    crossEntropyRows(ls, p.data, p.shape.length === z.shape.length, c, o);
    return o;
  },
  // ∂z = g·(softmax(z)·Σp − p); ∂p = −g·logsoftmax(z) (one-hot labels only)
  vjp: ({ inputs: [z, p], cotangent: g }) => {
    const c = z.shape[z.shape.length - 1];
    const gc = reshape(g, { shape: [...g.shape, 1] });
    const ls = logSoftmax(z);
    if (p.shape.length === z.shape.length) {
      const mass = sum(p, { axis: -1, keepDims: true });
      return [mul(gc, sub(mul(exp(ls), mass), p)), mul(gc, neg(ls))];
    }
    return [mul(gc, sub(exp(ls), oneHot(p, { depth: c }))), null];
  },
  jvp: ({ inputs: [z, p], tangents: [tz, tp] }) => {
    const c = z.shape[z.shape.length - 1];
    const ls = logSoftmax(z);
    const dense = p.shape.length === z.shape.length;
    const target = dense ? p : oneHot(p, { depth: c });
    const mass = dense ? sum(p, { axis: -1, keepDims: true }) : 1;
    const a = tz === null ? null : sum(mul(sub(mul(exp(ls), mass), target), tz), { axis: -1 });
    const b = tp === null || !dense ? null : neg(sum(mul(ls, tp), { axis: -1 }));
    return a === null ? b : b === null ? a : add(a, b);
  },
  // Every axis but the classes is per-row: with both operands batched the batch is one more row axis.
  batch: (args) => batchAsRows(softmaxCrossEntropy, args),
});
