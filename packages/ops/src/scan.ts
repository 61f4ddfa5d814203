// Scans along one axis: cumsum, cumprod and logcumsumexp, each with its own kernel and a VJP built from ops.

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import type { Either } from 'fp-ts/lib/Either.js';
import {
  defineOp, withDefaults, sub, mul, exp, sum, tensor, allocate, reshape, batchAxis,
  type Op, type Aval, type ShapeError, type Tensor, type FloatArray, type BatchArgs,
} from '@chainrule/core';
import { contiguousBlocks } from '@chainrule/core/kernels';
import { where } from './binary.js';
import { pad, slice, transpose, expandDims } from './shape.js';

/** Attrs of {@link cumsum} and {@link cumprod}: the axis (default 0; negative counts from the end), and for cumsum exclusive and reverse scans. */
export interface ScanAttrs {
  readonly axis: number;
  readonly exclusive: boolean;
  readonly reverse: boolean;
}

const scanAttrs = withDefaults({ axis: t.number, exclusive: t.boolean, reverse: t.boolean }, { axis: 0, exclusive: false, reverse: false });

const axisOf = (rank: number, axis: number): number => (axis < 0 ? axis + rank : axis);

const inferScan = ([x]: readonly Aval[], { axis }: { readonly axis: number }): Either<ShapeError, Aval> => {
  const r = x.shape.length;
  if (!Number.isInteger(axis) || axis < -Math.max(r, 1) || axis >= Math.max(r, 1)) {
    return left({ _tag: 'BadAttrs', message: `axis ${axis} is out of range for rank ${r}` });
  }
  return right(x);
};

/** outer × len × inner blocks of a scan along `axis` (a scalar is one block of length 1). */
/** A scan of a batch: along the shifted axis; an example that is a scalar is scanned as a row of one. */
const batchScan = <A extends { readonly axis: number }>(op: Op<A>, { inputs: [x], size, attrs }: BatchArgs<A>): Tensor => {
  const r = x.shape.length - 1;
  if (r > 0) return op(x, { ...attrs, axis: batchAxis(attrs.axis, r) });
  return reshape(op(reshape(x, { shape: [size, 1] }), { ...attrs, axis: 1 }), { shape: [size] });
};

const blocks = (x: Tensor, axis: number) =>
  x.shape.length === 0 ? { outer: 1, len: 1, inner: 1 } : contiguousBlocks(x.shape, [axisOf(x.shape.length, axis)])!;

/** One scan kernel: running sum or product, forwards or backwards, inclusive or exclusive. */
const scanKernel = (x: Tensor, attrs: ScanAttrs, out: Aval, product: boolean): FloatArray => {
  const { outer, len, inner } = blocks(x, attrs.axis);
  const d = x.data, o = allocate(out.dtype, d.length);
  const start = product ? 1 : 0;
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      let acc = start;
      for (let s = 0; s < len; s++) {
        const k = attrs.reverse ? len - 1 - s : s;
        const i = (a * len + k) * inner + c;
        if (attrs.exclusive) {
          o[i] = acc;
          acc = product ? acc * d[i] : acc + d[i];
        } else {
          acc = product ? acc * d[i] : acc + d[i];
          o[i] = acc;
        }
      }
    }
  }
  return o;
};

/**
 * Cumulative sum along `axis` (default 0); `exclusive` leaves out each element itself,
 * `reverse` runs from the end (TensorFlow.js's cumsum). Linear, so its VJP is the cumsum
 * the other way.
 *
 * @example
 * cumsum(tensor([1, 2, 3]))                      // [1, 3, 6]
 * cumsum(tensor([1, 2, 3]), { exclusive: true }) // [0, 1, 3]
 * cumsum(tensor([1, 2, 3]), { reverse: true })   // [6, 5, 3]
 */
export const cumsum: Op<ScanAttrs> = defineOp({
  name: 'ops.cumsum',
  kind: 'opaque',
  attrs: scanAttrs,
  arity: 1,
  infer: inferScan,
  forward: ([x], attrs, out) => scanKernel(x, attrs, out, false),
  // ∂cumsum = the cumsum of g in the other direction
  vjp: ({ cotangent: g, attrs }) => [cumsum(g, { ...attrs, reverse: !attrs.reverse })],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : cumsum(tx, attrs)),
  batch: (args) => batchScan(cumsum, args),
  conformance: {
    cases: [
      { inputs: [[5]] },
      { inputs: [[2, 3]], attrs: { axis: 1, exclusive: true } },
      { inputs: [[3, 2, 2]], attrs: { axis: -2, reverse: true } },
      { inputs: [[4, 2]], attrs: { exclusive: true, reverse: true } },
    ],
    badAttrs: [{ axis: 3 }, { axis: 'last' }, { exclusive: 1 }],
  },
});

/** Moves `axis` of x to the end (a permutation and its inverse). */
const toLast = (rank: number, axis: number): { perm: number[]; back: number[] } => {
  const a = axisOf(rank, axis);
  const perm = [...Array(rank).keys()].filter((d) => d !== a).concat([a]);
  const back = perm.map((_, d) => perm.indexOf(d));
  return { perm, back };
};

/**
 * The pieces of cumprod's derivatives along the last axis, with no division (so exact at
 * zeros): P[i, j] = Πᵢ₍ₖ≤ⱼ xₖ for j ≥ i (0 below the diagonal), the cumprod of a matrix
 * Z[i, k] = (k > i ? xₖ : 1), and before[i] = Πₖ₍ᵢ xₖ, the output shifted by one.
 * ∂yⱼ/∂xᵢ = before[i]·P[i, j]. Built from ops, so they differentiate again.
 */
const cumprodPieces = (x: Tensor, y: Tensor): { p: Tensor; before: Tensor } => {
  const n = x.shape[x.shape.length - 1];
  const dtype = x.dtype;
  const gt = new Array<number>(n * n), ge = new Array<number>(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) (gt[i * n + k] = k > i ? 1 : 0), (ge[i * n + k] = k >= i ? 1 : 0);
  const z = where(tensor(gt, { shape: [n, n], dtype }), expandDims(x, { axis: -2 }), tensor(1, { dtype }));
  const p = mul(cumprod(z, { axis: -1 }), tensor(ge, { shape: [n, n], dtype }));
  const rank = x.shape.length;
  const begin = x.shape.map(() => 0), size = x.shape.map((d, k) => (k === rank - 1 ? n - 1 : d));
  const before = pad(slice(y, { begin, size }), { paddings: x.shape.map((_, k): [number, number] => (k === rank - 1 ? [1, 0] : [0, 0])), value: 1 });
  return { p, before };
};

/** A rule along `axis` computed by `last` on tensors moved to put that axis last, then moved back. */
const alongLast = (axis: number, xs: readonly Tensor[], last: (...vs: Tensor[]) => Tensor): Tensor => {
  const rank = xs[0].shape.length;
  if (rank <= 1) return last(...xs);
  const { perm, back } = toLast(rank, axis);
  return transpose(last(...xs.map((v) => transpose(v, { perm }))), { perm: back });
};

/**
 * Cumulative product along `axis` (default 0). Its gradient is exact where elements are 0
 * (no division by the input), and differentiable again.
 *
 * @example
 * cumprod(tensor([1, 2, 3, 4])) // [1, 2, 6, 24]
 * cumprod(tensor([2, 0, 5]))    // [2, 0, 0]
 */
export const cumprod: Op<{ readonly axis: number }> = defineOp({
  name: 'ops.cumprod',
  kind: 'opaque',
  attrs: withDefaults({ axis: t.number }, { axis: 0 }),
  arity: 1,
  infer: inferScan,
  forward: ([x], { axis }, out) => scanKernel(x, { axis, exclusive: false, reverse: false }, out, true),
  // ∂cumprod: x̄ᵢ = Πₖ₍ᵢ xₖ · Σⱼ≥ᵢ gⱼ Πᵢ₍ₖ≤ⱼ xₖ
  vjp: ({ inputs: [x], output: y, cotangent: g, attrs: { axis } }) => {
    if (x.shape.length === 0) return [g];
    return [alongLast(axis, [x, y, g], (xl, yl, gl) => {
      const { p, before } = cumprodPieces(xl, yl);
      return mul(before, sum(mul(p, expandDims(gl, { axis: -2 })), { axis: -1 }));
    })];
  },
  // ẏⱼ = Σᵢ≤ⱼ Πₖ₍ᵢ xₖ · Πᵢ₍ₖ≤ⱼ xₖ · ẋᵢ
  jvp: ({ inputs: [x], output: y, tangents: [tx], attrs: { axis } }) => {
    if (tx === null) return null;
    if (x.shape.length === 0) return tx;
    return alongLast(axis, [x, y, tx], (xl, yl, tl) => {
      const { p, before } = cumprodPieces(xl, yl);
      return sum(mul(p, expandDims(mul(before, tl), { axis: -1 })), { axis: -2 });
    });
  },
  batch: (args) => batchScan(cumprod, args),
  conformance: {
    cases: [
      { inputs: [[4]] },
      { inputs: [[2, 3]], attrs: { axis: 1 } },
      { inputs: [[3, 2]], attrs: { axis: -2 } },
    ],
    badAttrs: [{ axis: 2 }],
  },
  domains: [{ min: -2, max: 2 }],
});

/** The running log Σ exp along the blocks of a scan: logaddexp(acc, x) = max + log1p(exp(−|acc − x|)). */
const logcumsumexpKernel = (x: Tensor, axis: number, out: Aval): FloatArray => {
  const { outer, len, inner } = blocks(x, axis);
  const d = x.data, o = allocate(out.dtype, d.length);
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      let acc = -Infinity;
      for (let k = 0; k < len; k++) {
        const i = (a * len + k) * inner + c, v = d[i];
        const hi = acc > v ? acc : v, lo = acc > v ? v : acc;
        acc = hi === -Infinity ? -Infinity : hi + Math.log1p(Math.exp(lo - hi));
        o[i] = acc;
      }
    }
  }
  return o;
};

/**
 * The weights of logcumsumexp's derivatives along the last axis: W[i, j] = e^(xᵢ − yⱼ) for
 * j ≥ i, else 0 (∂yⱼ/∂xᵢ). Every used exponent is ≤ 0 (yⱼ is at least xᵢ for j ≥ i) and the
 * others are masked to −∞, so nothing overflows.
 */
const logcumsumexpWeights = (x: Tensor, y: Tensor): Tensor => {
  const n = x.shape[x.shape.length - 1];
  const ge = new Array<number>(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ge[i * n + j] = j >= i ? 1 : 0;
  const diff = sub(expandDims(x, { axis: -1 }), expandDims(y, { axis: -2 })); // [i, j] = xᵢ − yⱼ
  return exp(where(tensor(ge, { shape: [n, n], dtype: x.dtype }), diff, tensor(-Infinity, { dtype: x.dtype })));
};

/**
 * log(cumsum(exp(x))) along `axis` (default 0), computed as a running log-add-exp: finite
 * for inputs of any size (±1000 included), and its gradient never overflows.
 *
 * @example
 * logcumsumexp(tensor([0, 0, 0]))         // [0, 0.693, 1.099]
 * logcumsumexp(tensor([-1000, 1000]))     // [-1000, 1000]
 */
export const logcumsumexp: Op<{ readonly axis: number }> = defineOp({
  name: 'ops.logcumsumexp',
  kind: 'opaque',
  attrs: withDefaults({ axis: t.number }, { axis: 0 }),
  arity: 1,
  infer: inferScan,
  forward: ([x], { axis }, out) => logcumsumexpKernel(x, axis, out),
  // ∂ = Σⱼ≥ᵢ gⱼ·e^(xᵢ − yⱼ)
  vjp: ({ inputs: [x], output: y, cotangent: g, attrs: { axis } }) => {
    if (x.shape.length === 0) return [g];
    return [alongLast(axis, [x, y, g], (xl, yl, gl) => sum(mul(logcumsumexpWeights(xl, yl), expandDims(gl, { axis: -2 })), { axis: -1 }))];
  },
  // ẏⱼ = Σᵢ≤ⱼ e^(xᵢ − yⱼ)·ẋᵢ
  jvp: ({ inputs: [x], output: y, tangents: [tx], attrs: { axis } }) => {
    if (tx === null) return null;
    if (x.shape.length === 0) return tx;
    return alongLast(axis, [x, y, tx], (xl, yl, tl) => sum(mul(logcumsumexpWeights(xl, yl), expandDims(tl, { axis: -1 })), { axis: -2 }));
  },
  batch: (args) => batchScan(logcumsumexp, args),
  conformance: {
    cases: [{ inputs: [[4]] }, { inputs: [[2, 3]], attrs: { axis: 1 } }, { inputs: [[3, 2]], attrs: { axis: -2 } }],
    badAttrs: [{ axis: 2 }],
  },
});
